/**
 * One instance as a fragment of states:
 *   [gate] → [check: fork / needs / if] → Task → [success write] → [gate signals] → next
 * (a build's success is recorded by its own end event, status.ts `successByBuild`; any other success has
 * its own write; every other outcome is a Pass into the step's one end write)
 * The check skips with a recorded reason; every failure of the Task is caught, so the
 * branch it sits in never fails and independent branches keep going.
 */
import type { ChoiceRule, State } from '../asl/types.ts';
import { STATUS_FUNCTIONS, walkExpr } from '../pipeline/expressions.ts';
import { all, any, compileCondition, needSucceeded, not, type Cond, type NeedView } from './conditions.ts';
import { exprText } from './expr-text.ts';
import { emitLock, emitRelease, emitUnlock } from './environment.ts';
import { emitGate, emitSignals } from './gate.ts';
import { emitRollout } from './rollout.ts';
import { stepTask, type Outcomes } from './kinds.ts';
import {
  needPath,
  recordPaths,
  stateEntry,
  type Entry,
  type FinalStatus,
  type InstanceInfo,
  type Scope,
} from './scope.ts';
import { CONTEXT } from './run-context.ts';
import { formatEscape } from './templates.ts';
import {
  ENDING,
  endingPass,
  endWrite,
  isSuccessCall,
  needsSkipChain,
  settledPass,
  statusWrite,
  SUCCEEDED_MARK,
  skipsWhenUntrusted,
  successByBuild,
  type StringValue,
} from './status.ts';
import { FAILURE_REASON, sharedEnding, timedOutBuild } from './ending.ts';

const UNTRUSTED_REASON = 'secrets are not available to untrusted runs (pull requests from forks)';
/** The untrusted build role reads no secret, so it cannot log in to the image's registry either. */
const UNTRUSTED_CREDENTIALS_REASON =
  'image registry credentials are not available to untrusted runs (pull requests from forks)';

/** One reason to skip: the step runs only when `cond` holds. */
interface Guard {
  cond: Cond;
  suffix: string;
  reason: StringValue;
  /** The skip's chain when the plan knows it (the needs' guard, `needsSkipChain`). */
  chain?: StringValue | undefined;
}

/** Emits the states of instance `key` into `states`; returns how to enter it. */
export function emitStep(scope: Scope, key: string, next: Entry, states: Record<string, State>): Entry {
  const info = scope.byKey.get(key)!;
  const step = info.inst.step;
  const stem = info.inst.name;
  const guards = stepGuards(scope, info);
  // A guard false for this cell (`matrix.node == 20` elsewhere) means no Task at all:
  // Step Functions rejects unreachable states.
  const never = guards.find((g) => g.cond.kind === 'const' && !g.cond.value);
  const rollout = info.inst.step.kind === 'rollout';
  // A rollout's states are named by what they do (`deploy · 10%`); its first one is its "Task".
  const taskName = never || rollout ? '' : scope.names.claim(stem);
  const signals = (scope.signals.get(key) ?? []).length > 0;
  const environment = info.inst.step.environment !== undefined;
  let afterSignals: string | undefined;
  let unlock: string | undefined;
  let release: string | undefined;
  const continuation = (): string => (afterSignals ??= emitSignals(scope, key, stem, next.name(), states));
  const after = (status: FinalStatus): string => {
    // A step holding an environment frees it whatever happened; only a success records a release.
    if (environment && status !== 'skipped') {
      unlock ??= emitUnlock(scope, info, continuation(), states);
      if (status !== 'succeeded') return unlock;
      release ??= emitRelease(scope, info, unlock, states);
      return release;
    }
    const routed = signals || environment ? undefined : next.route?.(key, status);
    return routed ?? continuation();
  };
  // Where a lost write goes (the run was cancelled): the step counts as cancelled.
  let settledName: string | undefined;
  const ending = sharedEnding(scope, states);
  // A build with no outputs leaves its key at `$.end.k` itself (its ResultSelector), so a lost
  // success write can go to the scope's shared `settled`, which routes on the key.
  const keyed = ending !== undefined && step.kind === 'run' && step.outputs.length === 0 && !never && !rollout;
  const settled = (): string => {
    if (keyed) {
      ending.routeTo(info, 'cancelled', after('cancelled'));
      return ending.settled();
    }
    if (settledName) return settledName;
    settledName = scope.names.claim(stem, 'settled');
    states[settledName] = settledPass(info, after('cancelled'));
    return settledName;
  };
  // Every outcome but success is a Pass into an end write: the scope's shared one (ending.ts), else
  // the step's own, one per next state (usually one per step).
  const endWrites = new Map<string, string>();
  const endOf = (status: FinalStatus): string => {
    if (ending) {
      ending.routeTo(info, 'cancelled', after('cancelled'));
      ending.routeTo(info, status, after(status));
      return ending.write();
    }
    const next = after(status);
    let name = endWrites.get(next);
    if (name === undefined) {
      name = scope.names.claim(stem, 'end');
      states[name] = endWrite(scope, info, settled(), next);
      endWrites.set(next, name);
    }
    return name;
  };
  const write = (
    suffix: string,
    status: 'succeeded' | 'failed' | 'skipped',
    reason: StringValue,
    chain?: StringValue,
  ): string => {
    const name = scope.names.claim(stem, suffix);
    states[name] =
      status === 'succeeded'
        ? statusWrite(scope, info, { status, reason, settled: settled(), next: after(status) })
        : endingPass(scope, info, { status, reason, write: endOf(status), key: ending ? info.key : undefined, chain });
    return name;
  };
  const gated = scope.gates.has(key);
  const build = info.inst.step.kind === 'run';
  // Reached from the Task's and the gate's catchers (with `$.error`); a step with neither has no failure.
  let failed = '';
  if (ending && (!never || gated)) {
    // The step's key for the shared states, which tell a build's timeout apart and write the failure.
    failed = scope.names.claim(stem, 'failed');
    const into = ending.failure(build);
    endOf('failed');
    states[failed] = { Type: 'Pass', Result: { k: key }, ResultPath: ENDING, Next: into };
  } else if (!never || gated) failed = write('failed', 'failed', { expr: FAILURE_REASON });
  let entry: Entry;
  if (never) {
    entry = stateEntry(write(never.suffix, 'skipped', never.reason));
  } else {
    // A build whose success event records the success goes straight on; any other step writes its success.
    const byBuild = successByBuild(scope, info);
    const outcomes: Outcomes = {
      succeeded: byBuild ? after('succeeded') : write('succeeded', 'succeeded', { literal: '' }),
      failed: build && !ending ? timedOutBuild(scope, stem, failed, states) : failed,
    };
    if (info.inst.step.kind === 'approval') outcomes.rejected = write('rejected', 'failed', { literal: 'rejected' });
    let first = taskName;
    if (rollout) first = emitRollout(scope, info, outcomes, write, states);
    else {
      states[taskName] = stepTask(scope, info, outcomes);
      if (byBuild) Object.assign(states[taskName], { ResultSelector: byBuild, ResultPath: `$.steps.${key}` });
      else if (keyed) Object.assign(states[taskName], { ResultSelector: { k: key }, ResultPath: ENDING });
    }
    const start = environment ? emitLock(scope, info, first, failed, states) : first;
    // A redrive carries a step that succeeded: its record back into `$.steps`, then its signals and what follows.
    let carried: string | undefined;
    const carry = (): string => {
      if (carried) return carried;
      carried = scope.names.claim(stem, 'carried');
      // Straight to the next step's lean check when nothing comes between (as `after` routes).
      const lean = signals || environment ? undefined : next.carried?.(key);
      states[carried] = {
        Type: 'Pass',
        InputPath: `${CONTEXT}.prev.${key}`,
        ResultPath: `$.steps.${key}`,
        Next: lean ?? continuation(),
      };
      return carried;
    };
    entry = checkEntry(scope, info, guards, { task: start, carry }, write, states);
  }
  return gated ? stateEntry(emitGate(scope, key, stem, entry.name(), failed, states)) : entry;
}

type Write = (suffix: string, status: 'skipped', reason: StringValue, chain?: StringValue) => string;

/** What did not succeed: a need's write with one of these statuses may route past the check only when it skips. */
const UNSUCCESSFUL: FinalStatus[] = ['failed', 'skipped', 'cancelled'];

/**
 * The check that decides run, skip or carry, as an Entry: the Choice state (made on first use),
 * and, when the check only reads the status of one need, a route the need's own status writes use
 * directly, so a chain pays no Choice. Skip writes are made only when something targets them.
 * That need's carry Pass (it succeeded on an earlier attempt) enters a lean check instead, whose
 * only rule carries the step and whose Default is where the need's success routes: the skip rules
 * cannot hold there. In a chain no step then has the full check (−88 bytes per step).
 *
 * Its first rule carries the step on a redrive (compile.ts, `run redrive`): when the attempt that
 * failed recorded it `succeeded` (`$.ctx.prev`), it is not run again. A route bypasses that rule,
 * so there is one only when the step cannot have succeeded unless its need did: then a need that
 * runs again (it did not succeed) leads to a step that did not succeed either, and a carried need
 * enters the Choice (its carry Pass goes to `name()`). A step with no guard (a root step, an
 * `if: always()`) thus pays one Choice per run for the redrive.
 */
function checkEntry(
  scope: Scope,
  info: InstanceInfo,
  guards: Guard[],
  targets: { task: string; carry: () => string },
  write: Write,
  states: Record<string, State>,
): Entry {
  const { task } = targets;
  const rules = guards.flatMap((g) => {
    const negated = not(g.cond);
    let skip: string | undefined;
    return negated.kind === 'rule'
      ? [{ rule: negated.rule, skip: () => (skip ??= write(g.suffix, 'skipped', g.reason, g.chain)) }]
      : [];
  });
  let choice: string | undefined;
  const name = (): string => {
    if (choice) return choice;
    choice = scope.names.claim(info.inst.name, 'check');
    states[choice] = {
      Type: 'Choice',
      Choices: [
        { ...carriedRule(info.key), Next: targets.carry() },
        ...rules.map((r) => ({ ...r.rule, Next: r.skip() }) as ChoiceRule & { Next: string }),
      ],
      Default: task,
    };
    return choice;
  };
  const path = rules.length === 0 ? undefined : soleStatusPath(rules.map((r) => r.rule));
  if (path === undefined || !UNSUCCESSFUL.every((status) => rules.some((r) => holds(r.rule, status)))) return { name };
  const route = (from: string, status: FinalStatus): string | undefined => {
    if (path !== `$.steps.${from}.status`) return undefined;
    const hit = rules.find((r) => holds(r.rule, status));
    return hit ? hit.skip() : task;
  };
  let lean: string | undefined;
  const carried = (from: string): string | undefined => {
    const onSuccess = route(from, 'succeeded');
    if (onSuccess === undefined) return undefined;
    if (lean) return lean;
    lean = scope.names.claim(info.inst.name, 'check');
    states[lean] = {
      Type: 'Choice',
      Choices: [{ ...carriedRule(info.key), Next: targets.carry() }],
      Default: onSuccess,
    };
    return lean;
  };
  return { name, route, carried, warm: targets.carry };
}

/**
 * The attempt that failed recorded step `key` succeeded: its record has the success mark (status.ts
 * `SUCCEEDED_MARK`).
 */
function carriedRule(key: string): ChoiceRule {
  return { Variable: `${CONTEXT}.prev.${key}.${Object.keys(SUCCEEDED_MARK)[0]}`, IsPresent: true };
}

/** The one `$.steps.<key>.status` every rule tests with StringEquals only, if so. */
function soleStatusPath(rules: ChoiceRule[]): string | undefined {
  const paths = new Set<string>();
  const visit = (r: ChoiceRule): boolean => {
    if ('And' in r) return (r.And as ChoiceRule[]).every(visit);
    if ('Or' in r) return (r.Or as ChoiceRule[]).every(visit);
    if ('Not' in r) return visit(r.Not as ChoiceRule);
    const keys = Object.keys(r);
    paths.add(String(r.Variable));
    return (
      keys.length === 2 && typeof r.StringEquals === 'string' && /^\$\.steps\.\w+\.status$/.test(String(r.Variable))
    );
  };
  return rules.every(visit) && paths.size === 1 ? [...paths][0] : undefined;
}

/** Evaluates a rule of `soleStatusPath` for one value of its path. */
function holds(r: ChoiceRule, value: string): boolean {
  if ('And' in r) return (r.And as ChoiceRule[]).every((x) => holds(x, value));
  if ('Or' in r) return (r.Or as ChoiceRule[]).some((x) => holds(x, value));
  if ('Not' in r) return !holds(r.Not as ChoiceRule, value);
  return r.StringEquals === value;
}

/**
 * In order: no secrets (nor registry credentials) for untrusted runs (the role they build as reads none either); the needs (an `if` without success()/failure()/always()
 * implies success(), as in GitHub Actions); the written condition.
 */
function stepGuards(scope: Scope, info: InstanceInfo): Guard[] {
  const step = info.inst.step;
  const needs = needViews(scope, info);
  const guards: Guard[] = [];
  if (skipsWhenUntrusted(step)) {
    const secrets = step.kind === 'run' && Object.keys(step.secrets).length > 0;
    guards.push({
      cond: not({ kind: 'rule', rule: { Variable: '$.run.builds.untrusted', BooleanEquals: true } }),
      suffix: 'skip (untrusted)',
      reason: { literal: secrets ? UNTRUSTED_REASON : UNTRUSTED_CREDENTIALS_REASON },
    });
  }
  const compiled = compileCondition(step.if, {
    pipeline: scope.pipeline,
    matrix: info.inst.matrix,
    needs,
    records: recordPaths(scope, info.key),
  });
  if (typeof compiled === 'string') {
    scope.diagnostics.push({
      code: 'bad-condition',
      message: `if: ${compiled}`,
      path: ['steps', step.name, 'if'],
      span: step.if.span,
    });
    return guards;
  }
  if (step.branches) {
    const { globs, environment } = step.branches;
    const cond = any(
      globs.map((g) => ({ kind: 'rule', rule: { Variable: '$.run.branch', StringMatches: g } }) as Cond),
    );
    guards.push({
      cond,
      suffix: 'skip (branch)',
      reason: { literal: `environment ${environment} takes only branches ${globs.join(', ')}` },
    });
  }
  const checksStatus = [...walkExpr(step.if)].some((e) => e.kind === 'call' && STATUS_FUNCTIONS.has(e.name));
  const chain = needsSkipChain(scope, info);
  if (!checksStatus)
    guards.push({ cond: all(needs.map(needSucceeded)), suffix: 'skip', reason: needsReason(scope, needs), chain });
  const reason = step.ifWritten ? { literal: `condition false: ${exprText(step.if)}` } : needsReason(scope, needs);
  // `success()` is the needs' guard itself.
  guards.push({
    cond: compiled,
    suffix: checksStatus ? 'skip' : 'skip (if)',
    reason,
    chain: isSuccessCall(step.if) ? chain : undefined,
  });
  return guards;
}

function needViews(scope: Scope, info: InstanceInfo): NeedView[] {
  return info.needKeys.map((n) => ({
    key: n,
    allowFailure: scope.byKey.get(n)!.inst.step.allowFailure,
    statusPath: needPath(scope, info.key, n, 'status'),
  }));
}

/** "needs did not succeed: lint failed, build skipped", from the statuses at run time. */
function needsReason(scope: Scope, needs: NeedView[]): StringValue {
  if (needs.length === 0) return { literal: 'condition false' };
  const text = needs.map((n) => `${formatEscape(scope.byKey.get(n.key)!.inst.name)} {}`).join(', ');
  return { expr: `States.Format('needs did not succeed: ${text}', ${needs.map((n) => n.statusPath).join(', ')})` };
}
