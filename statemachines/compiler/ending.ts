/**
 * The endings of the steps of one state scope (the root, a Parallel branch, a part machine), shared:
 * every outcome but a success (failed, timed out, rejected, each kind of skip, cancelled) goes
 * through ONE end write per scope instead of one per step. A step's ending Pass puts its key at
 * `$.end.k` (with status, reason and chain); the shared states classify a failure, write
 * `STEP#<key>` and route on the key to the step's own `<step> · ended` Pass, which copies the
 * written record to `$.steps.<key>` (ResultPath cannot be dynamic) and goes on where the step goes.
 *
 *   <step> · failed ─▶ ending · timed out? ─▶ [ending · timed out] ─▶ ending · failed ─┐
 *   <step> · skip ───────────────────────────────────────────────────────────────────┴▶ ending · write
 *   ─▶ ending · route ─▶ <step> · ended ─▶ next        (a lost write: ending · settled ─▶ ending · route)
 *
 * A success keeps its own write (the hot path: Task → write → next). Sharing pays from two steps
 * in a scope on (docs/compiler.md, "Cost and limits"); a scope of one step keeps its own end write.
 */
import type { ChoiceRule, ChoiceState, State } from '../asl/types.ts';
import type { Block } from './dag.ts';
import { STEP_PREFIX } from '../lifecycle.ts';
import { itemKeyAt, type FinalStatus, type InstanceInfo, type Scope } from './scope.ts';
import { SHARED_ENDING } from './limits.ts';
import { ENDING, emptyOutputs, declaredOutputs, statusTask } from './status.ts';

/**
 * "timed out" when the caught error is `States.Timeout`, else "failed (<error>)": one
 * write serves both, so a step pays for one failure state. The index is the number of
 * distinct values among the error and `States.Timeout` (1 when they are equal).
 */
export const FAILURE_REASON =
  "States.ArrayGetItem(States.Array('', 'timed out', States.Format('failed ({})', $.error.Error)), " +
  "States.ArrayLength(States.ArrayUnique(States.Array($.error.Error, 'States.Timeout'))))";

/** Where the shared write leaves the written record (`{ status, chain }`) for the step's `ended` Pass. */
export const WRITTEN = `${ENDING}.w`;

/** The steps a block emits into its own scope (a Parallel's branches have scopes of their own). */
function directSteps(block: Block): number {
  if (block.kind === 'step') return 1;
  return block.kind === 'seq' ? block.items.reduce((n, b) => n + directSteps(b), 0) : 0;
}

/** Scopes whose steps share their endings, by their states object. */
const scopes = new WeakMap<Record<string, State>, { steps: number; ending?: SharedEnding }>();

/** Declares that `block` is emitted into `states` (several blocks may be, in a split root). */
export function openScope(states: Record<string, State>, block: Block): void {
  const entry = scopes.get(states) ?? { steps: 0 };
  entry.steps += directSteps(block);
  scopes.set(states, entry);
}

/** The shared ending of the scope `states` belongs to, when it has two steps or more. */
export function sharedEnding(scope: Scope, states: Record<string, State>): SharedEnding | undefined {
  const entry = scopes.get(states);
  if (!entry || entry.steps < 2) return undefined;
  entry.ending ??= new SharedEnding(scope, states);
  return entry.ending;
}

interface Group {
  next: string;
  statuses: FinalStatus[];
  ended: string;
  rule: ChoiceRule & { Next: string };
}

export class SharedEnding {
  private timedOut?: string;
  private failed?: string;
  private written?: string;
  private lost?: string;
  private route?: ChoiceState;
  private readonly groups = new Map<string, Group[]>();

  constructor(
    private readonly scope: Scope,
    private readonly states: Record<string, State>,
  ) {}

  /** Where a failure enters once its step's Pass set `$.end.k` (a build's timeout is told apart first). */
  failure(build: boolean): string {
    if (!this.failed) {
      this.failed = this.scope.names.claim('ending', 'failed');
      this.states[this.failed] = {
        Type: 'Pass',
        Comment: SHARED_ENDING,
        Parameters: { 'k.$': `${ENDING}.k`, s: 'failed', 'r.$': FAILURE_REASON, c: 'failed' },
        ResultPath: ENDING,
        Next: this.write(),
      };
    }
    if (!build) return this.failed;
    if (!this.timedOut) {
      this.timedOut = timedOutBuild(this.scope, 'ending', this.failed, this.states);
      for (const name of [this.timedOut, (this.states[this.timedOut] as ChoiceState).Choices[0]!.Next])
        this.states[name]!.Comment = SHARED_ENDING;
    }
    return this.timedOut;
  }

  /** Where a lost write goes (the run was cancelled), with the step's key at `$.end.k`. */
  settled(): string {
    this.write();
    return this.lost!;
  }

  /** The shared end write, entered with `$.end = { k, s, r, c }`. */
  write(): string {
    if (this.written) return this.written;
    this.written = this.scope.names.claim('ending', 'write');
    const settled = this.scope.names.claim('ending', 'settled');
    this.lost = settled;
    const routeName = this.scope.names.claim('ending', 'route');
    this.route = { Type: 'Choice', Comment: SHARED_ENDING, Choices: [] };
    this.states[this.written] = {
      Comment: SHARED_ENDING,
      ...statusTask(this.scope, {
        key: itemKeyAt(STEP_PREFIX, `${ENDING}.k`),
        values: { status: { expr: `${ENDING}.s` }, reason: { expr: `${ENDING}.r` }, chain: { expr: `${ENDING}.c` } },
        selector: {},
        resultPath: WRITTEN,
        settled,
        next: routeName,
      }),
    };
    this.states[settled] = {
      Type: 'Pass',
      Comment: SHARED_ENDING,
      Result: { status: 'cancelled', chain: 'failed' },
      ResultPath: WRITTEN,
      Next: routeName,
    };
    this.states[routeName] = this.route;
    return this.written;
  }

  /** After the shared write, step `info` ending with `status` goes on to `next`. */
  routeTo(info: InstanceInfo, status: FinalStatus, next: string): void {
    this.write();
    const groups = this.groups.get(info.key) ?? [];
    this.groups.set(info.key, groups);
    let group = groups.find((g) => g.next === next);
    if (!group) {
      const ended = this.scope.names.claim(info.inst.name, 'ended');
      const outputs = emptyOutputs(declaredOutputs(info));
      this.states[ended] = {
        Type: 'Pass',
        ...('outputs' in outputs
          ? { Parameters: { 'status.$': `${WRITTEN}.status`, 'chain.$': `${WRITTEN}.chain`, ...outputs } }
          : { InputPath: WRITTEN }),
        ResultPath: `$.steps.${info.key}`,
        Next: next,
      };
      group = { next, statuses: [], ended, rule: { Variable: `${ENDING}.k`, StringEquals: info.key, Next: ended } };
      groups.push(group);
      this.route!.Choices.push(group.rule);
    }
    if (!group.statuses.includes(status)) group.statuses.push(status);
    // One group: the key decides. Several (a failure and a skip go on differently): the key and the status.
    for (const g of groups) {
      const rule: ChoiceRule =
        groups.length === 1
          ? { Variable: `${ENDING}.k`, StringEquals: info.key }
          : {
              And: [
                { Variable: `${ENDING}.k`, StringEquals: info.key },
                { Or: g.statuses.map((s) => ({ Variable: `${WRITTEN}.status`, StringEquals: s })) },
              ],
            };
      for (const k of Object.keys(g.rule)) delete (g.rule as Record<string, unknown>)[k];
      Object.assign(g.rule, rule, { Next: g.ended });
    }
  }
}

/**
 * CodeBuild ends a build at its own timeout (the state's clock is only a backstop, see
 * run-task.ts `buildTimeouts`), and the `.sync` integration then fails the Task with
 * `States.TaskFailed` whose Cause is the build, status `TIMED_OUT`. These two states turn that
 * into `States.Timeout`, so the one failure write reads "timed out".
 */
export function timedOutBuild(scope: Scope, stem: string, failed: string, states: Record<string, State>): string {
  const check = scope.names.claim(stem, 'timed out?');
  const mark = scope.names.claim(stem, 'timed out');
  states[check] = {
    Type: 'Choice',
    Choices: [
      {
        And: [
          { Variable: '$.error.Cause', IsPresent: true },
          // `"BuildStatus"` or `"buildStatus"`: one pattern serves both spellings of the build's status.
          { Variable: '$.error.Cause', StringMatches: '*uildStatus":"TIMED_OUT"*' },
        ],
        Next: mark,
      },
    ],
    Default: failed,
  };
  states[mark] = { Type: 'Pass', Result: { Error: 'States.Timeout' }, ResultPath: '$.error', Next: failed };
  return check;
}
