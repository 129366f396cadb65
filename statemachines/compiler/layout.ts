/**
 * DAG layout blocks → states: a sequence chains its parts, a Parallel runs branches and
 * then merges their `$.steps` maps (keeping `$.run` and the run context `$.ctx`), so later Choices see every status.
 */
import type { Json, State, StateMachine } from '../asl/types.ts';
import type { Block } from './dag.ts';
import { emitStep } from './step.ts';
import { CONTEXT } from './run-context.ts';
import { stateEntry, type Entry, type FinalStatus, type Scope } from './scope.ts';

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
  if (block.kind === 'seq')
    return block.items.reduceRight((after, item) => emitBlock(scope, item, after, states), next);
  return parallelEntry(scope, group(block.branches), next, states);
}

/** One branch emitted into its own states, followed by the end of the branch. */
interface Branch {
  entry: Entry;
  states: Record<string, State>;
}

/**
 * Entering a Parallel. Its branches normally start with their own check. When the step just
 * before routes its writes here and every branch is one step that the same status sends the
 * same way (all run, or all skip), there are two Parallels instead: one whose branches start at
 * the Tasks, one whose branches are the skips. The predecessor's write picks one, so no
 * branch pays for a check Choice that would only re-test that status.
 */
function parallelEntry(scope: Scope, blocks: Block[], next: Entry, states: Record<string, State>): Entry {
  let branches: Branch[] | undefined;
  const emitted = (): Branch[] =>
    (branches ??= blocks.map((b) => {
      const own: Record<string, State> = {};
      return { entry: emitBlock(scope, b, stateEntry(END), own), states: own };
    }));
  let general: string | undefined;
  let split: ((status: FinalStatus) => string) | null | undefined;
  const name = (): string => {
    // One predecessor enters a block, and it either routes every status or none.
    if (split)
      throw new Error(
        `internal: parallel (${blocks.map((b) => firstStep(scope, b)).join(', ')}) entered both routed and by name`,
      );
    general ??= emitParallel(
      scope,
      blocks,
      emitted().map((b) => ({ start: b.entry.name(), states: b.states })),
      next.name(),
      states,
    );
    return general;
  };
  const routable = blocks.every(
    (b) => b.kind === 'step' && !scope.gates.has(b.key) && !scope.signals.get(b.key)?.length,
  );
  if (!routable) return { name };
  const route = (from: string, status: FinalStatus): string | undefined => {
    if (general !== undefined) return undefined;
    if (split === undefined) split = splitFan(scope, blocks, emitted(), from, next, states);
    return split?.(status);
  };
  return { name, route };
}

const STATUSES: FinalStatus[] = ['succeeded', 'failed', 'skipped', 'cancelled'];

/**
 * The two Parallels of `parallelEntry` (each made on first use), or null when some status
 * sends branches different ways or a branch cannot be routed from `from`.
 */
function splitFan(
  scope: Scope,
  blocks: Block[],
  branches: Branch[],
  from: string,
  next: Entry,
  states: Record<string, State>,
): ((status: FinalStatus) => string) | null {
  const way = new Map<FinalStatus, 'run' | 'skip'>();
  const skips = branches.map(() => new Set<string>());
  for (const status of STATUSES) {
    const targets = branches.map((b) => b.entry.route?.(from, status));
    const runs = targets.map((t, i) => t !== undefined && t === branches[i]!.entry.task);
    if (targets.some((t) => t === undefined) || new Set(runs).size > 1) return null;
    way.set(status, runs[0] ? 'run' : 'skip');
    if (!runs[0]) for (const [i, t] of targets.entries()) skips[i]!.add(t!);
  }
  if (skips.some((s) => s.size > 1)) return null;
  const skipOf = skips.map((s) => [...s][0]);
  let run: string | undefined;
  let skip: string | undefined;
  return (status) => {
    if (way.get(status) === 'run') {
      run ??= emitParallel(
        scope,
        blocks,
        branches.map((b, i) => ({ start: b.entry.task!, states: without(b.states, skipOf[i]) })),
        next.name(),
        states,
      );
      return run;
    }
    skip ??= emitParallel(
      scope,
      blocks,
      branches.map((b, i) => skipBranch(scope, b, skipOf[i]!)),
      next.name(),
      states,
      'skipped',
    );
    return skip;
  };
}

function without(states: Record<string, State>, name: string | undefined): Record<string, State> {
  return Object.fromEntries(Object.entries(states).filter(([n]) => n !== name));
}

/**
 * A branch of only the skip: its Pass as the start, with its own copies of the end write and the
 * `settled` state behind it (the Task's branch keeps the originals for its failures).
 */
function skipBranch(scope: Scope, branch: Branch, skip: string): { start: string; states: Record<string, State> } {
  const pass = branch.states[skip] as Extract<State, { Type: 'Pass' }>;
  const write = branch.states[pass.Next!] as Extract<State, { Type: 'Task' }>;
  const settledName = write.Catch![0]!.Next;
  const writeCopy = scope.names.claim(pass.Next!);
  const settledCopy = scope.names.claim(settledName);
  return {
    start: skip,
    states: {
      [skip]: { ...pass, Next: writeCopy },
      [writeCopy]: { ...write, Catch: [{ ...write.Catch![0]!, Next: settledCopy }] },
      [settledCopy]: { ...branch.states[settledName]! },
    },
  };
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
  suffix?: string,
): string {
  const name = scope.names.claim(`parallel (${blocks.map((b) => firstStep(scope, b)).join(', ')})`, suffix);
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

/** `block` as a machine of its own that ends where the block ends (a branch, or a part of a split pipeline). */
export function emitDetached(scope: Scope, block: Block): StateMachine {
  const states: Record<string, State> = {};
  const start = emitBlock(scope, block, stateEntry(END), states).name();
  return { StartAt: start, States: closeBranch(scope, states) };
}

/** Emits `block` into `states` before `next` (null: the end of the branch, see `closeBranch`); returns its entry state. */
export function emitInline(scope: Scope, block: Block, next: string | null, states: Record<string, State>): string {
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
      state.Default = target(state.Default);
    }
    if ('Catch' in state && state.Catch) for (const c of state.Catch) c.Next = target(c.Next);
  }
  if (done) states[done] = { Type: 'Succeed' };
  return states;
}
