/**
 * DAG layout blocks → states: a sequence chains its parts, a Parallel runs branches and
 * then merges their `$.steps` maps (keeping `$.run`), so later Choices see every status.
 */
import type { Json, State, StateMachine } from '../asl/types.ts';
import type { Block } from './dag.ts';
import { emitStep } from './step.ts';
import { stateEntry, type Entry, type Scope } from './scope.ts';

/** `Next` placeholder for "end of this branch", resolved by `closeBranch`. */
const END = '\u0000end';

/**
 * Step Functions caps nesting of intrinsic functions in one field at 10, and the merge of
 * n branches nests n-1 `States.JsonMerge`: wider fans become Parallels of Parallels.
 */
export const MAX_BRANCHES = 10;

/** Emits `block` into `states` followed by `next`; returns how to enter it. */
export function emitBlock(scope: Scope, block: Block, next: Entry, states: Record<string, State>): Entry {
  if (block.kind === 'step') return emitStep(scope, block.key, next, states);
  if (block.kind === 'seq') return block.items.reduceRight((after, item) => emitBlock(scope, item, after, states), next);
  return stateEntry(emitParallel(scope, group(block.branches), next.name(), states));
}

function group(branches: Block[]): Block[] {
  if (branches.length <= MAX_BRANCHES) return branches;
  const size = Math.ceil(branches.length / MAX_BRANCHES);
  const groups: Block[] = [];
  for (let i = 0; i < branches.length; i += size) {
    const chunk = branches.slice(i, i + size);
    groups.push(chunk.length === 1 ? chunk[0]! : { kind: 'par', branches: chunk });
  }
  return group(groups);
}

function firstStep(scope: Scope, block: Block): string {
  if (block.kind === 'step') return scope.byKey.get(block.key)!.inst.name;
  return firstStep(scope, block.kind === 'seq' ? block.items[0]! : block.branches[0]!);
}

function emitParallel(scope: Scope, branches: Block[], next: string, states: Record<string, State>): string {
  const name = scope.names.claim(`parallel (${branches.map((b) => firstStep(scope, b)).join(', ')})`);
  const rendered: StateMachine[] = branches.map((b) => {
    const own: Record<string, State> = {};
    const start = emitBlock(scope, b, stateEntry(END), own).name();
    return { StartAt: start, States: closeBranch(scope, own) };
  });
  const merge = branches
    .map((_, i) => `$[${i}].steps`)
    .reduce((acc, path) => `States.JsonMerge(${acc}, ${path}, false)`);
  const selector: Record<string, Json> = { 'run.$': '$[0].run', 'steps.$': merge };
  states[name] = { Type: 'Parallel', Branches: rendered, ResultSelector: selector, Next: next };
  return name;
}

/**
 * Replaces the END placeholder: `End: true` where a state may end, and a `Succeed` state
 * where only a state name will do (Choice targets, catchers).
 */
function closeBranch(scope: Scope, states: Record<string, State>): Record<string, State> {
  let done: string | undefined;
  const target = (n: string): string => {
    if (n !== END) return n;
    done ??= scope.names.claim('branch done');
    return done;
  };
  for (const state of Object.values(states)) {
    if ('Next' in state && state.Next === END) {
      delete state.Next;
      state.End = true;
    }
    if (state.Type === 'Choice') {
      state.Choices.forEach((c) => (c.Next = target(c.Next)));
      state.Default = target(state.Default);
    }
    if ('Catch' in state && state.Catch) state.Catch.forEach((c) => (c.Next = target(c.Next)));
  }
  if (done) states[done] = { Type: 'Succeed' };
  return states;
}
