/**
 * DAG layout blocks → states: a sequence chains its parts, a Parallel runs branches and
 * then merges their `$.steps` maps (keeping `$.run` and the run context `$.ctx`), so later Choices see every status.
 */
import type { Json, State, StateMachine } from '../asl/types.ts';
import type { Block } from './dag.ts';
import { emitStep } from './step.ts';
import { openScope } from './ending.ts';
import { CONTEXT } from './run-context.ts';
import { stateEntry, type Entry, type Scope } from './scope.ts';

/** `Next` placeholder for "end of this branch", resolved by `closeBranch`. */
const END = '\u0000end';

/**
 * Step Functions caps nesting of intrinsic functions in one field at 10, and the merge of
 * n branches nests n-1 `States.JsonMerge`: wider fans become Parallels of Parallels.
 */
export const MAX_BRANCHES = 10;

/** Emits `block` into `states` followed by `next`; returns how to enter it. */
function emitBlock(scope: Scope, block: Block, next: Entry, states: Record<string, State>): Entry {
  if (block.kind === 'step') return emitStep(scope, block.key, next, states);
  if (block.kind === 'seq')
    return block.items.reduceRight((after, item) => {
      const entry = emitBlock(scope, item, after, states);
      // Materialised now, last item first: left to the first use, entering one item materialises
      // the next (a carry goes on to it), one call inside another, and a 5,000-step chain
      // overflowed the call stack. Every item of a sequence is entered (each item's carry leads to
      // the next), so this makes no state that would not be made anyway. A step makes its carry
      // only: its predecessor's carry picks which check enters it (step.ts `checkEntry`).
      if (block.items.length > 1) (entry.warm ?? entry.name)();
      return entry;
    }, next);
  return parallelEntry(scope, group(block.branches), next, states);
}

/**
 * Entering a Parallel: each branch starts with its own step's check, which a redrive needs (it
 * carries the branches whose step succeeded and runs the others, step.ts), so the step before
 * never routes past them.
 */
function parallelEntry(scope: Scope, blocks: Block[], next: Entry, states: Record<string, State>): Entry {
  let general: string | undefined;
  const name = (): string => {
    general ??= emitParallel(
      scope,
      blocks,
      blocks.map((b) => {
        const own: Record<string, State> = {};
        return { start: emitInline(scope, b, null, own), states: own };
      }),
      next.name(),
      states,
    );
    return general;
  };
  return { name };
}

export function group(branches: Block[]): Block[] {
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

function emitParallel(
  scope: Scope,
  blocks: Block[],
  branches: Array<{ start: string; states: Record<string, State> }>,
  next: string,
  states: Record<string, State>,
): string {
  const name = scope.names.claim(`parallel (${blocks.map((b) => firstStep(scope, b)).join(', ')})`);
  const rendered: StateMachine[] = branches.map((b) => ({
    StartAt: b.start,
    States: closeBranch(scope, { ...b.states }),
  }));
  states[name] = {
    Type: 'Parallel',
    Branches: rendered,
    ResultSelector: parallelSelector(rendered.length),
    Next: next,
  };
  return name;
}

/** A Parallel's result: `$.run` and `$.ctx` of the first branch, the `steps` maps of all merged. */
export function parallelSelector(branches: number): Record<string, Json> {
  const merge = Array.from({ length: branches }, (_, i) => `$[${i}].steps`).reduce(
    (acc, path) => `States.JsonMerge(${acc}, ${path}, false)`,
  );
  return { 'run.$': '$[0].run', 'ctx.$': `$[0]${CONTEXT.slice(1)}`, 'steps.$': merge };
}

/** Emits `block` into `states` before `next` (null: the end of the branch, see `closeBranch`); returns its entry state. */
export function emitInline(scope: Scope, block: Block, next: string | null, states: Record<string, State>): string {
  openScope(states, block);
  return emitBlock(scope, block, stateEntry(next ?? END), states).name();
}

/**
 * Replaces the END placeholder: `End: true` where a state may end, and a `Succeed` state
 * where only a state name will do (Choice targets, catchers).
 */
export function closeBranch(scope: Scope, states: Record<string, State>): Record<string, State> {
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
      for (const c of state.Choices) c.Next = target(c.Next);
      if (state.Default) state.Default = target(state.Default);
    }
    if ('Catch' in state && state.Catch) for (const c of state.Catch) c.Next = target(c.Next);
  }
  if (done) states[done] = { Type: 'Succeed' };
  return states;
}
