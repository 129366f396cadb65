/**
 * One instance as a fragment of states:
 *   [gate] → [check: fork / needs / if] → Task → one terminal status write → [gate signals] → next
 * The check skips with a recorded reason; every failure of the Task is caught, so the
 * branch it sits in never fails and independent branches keep going.
 */
import type { ChoiceRule, State } from '../asl/types.ts';
import { STATUS_FUNCTIONS, walkExpr } from '../pipeline/expressions.ts';
import { all, compileCondition, needSucceeded, not, type Cond, type NeedView } from './conditions.ts';
import { exprText } from './expr-text.ts';
import { emitGate, emitSignals } from './gate.ts';
import { stepTask, type Outcomes } from './kinds.ts';
import { needPath, type InstanceInfo, type Scope } from './scope.ts';
import { formatEscape } from './templates.ts';
import { settledPass, statusWrite, type StringValue } from './status.ts';

const FORK_REASON = 'secrets are not available to pull requests from forks';

/** One reason to skip: the step runs only when `cond` holds. */
interface Guard {
  cond: Cond;
  suffix: string;
  reason: StringValue;
}

/** Emits the states of instance `key` into `states`; returns the state to enter it by. */
export function emitStep(scope: Scope, key: string, next: string, states: Record<string, State>): string {
  const info = scope.byKey.get(key)!;
  const stem = info.inst.name;
  const guards = stepGuards(scope, info);
  // A guard false for this cell (`matrix.node == 20` elsewhere) means no Task at all:
  // Step Functions rejects unreachable states.
  const never = guards.find((g) => g.cond.kind === 'const' && !g.cond.value);
  const taskName = never ? '' : scope.names.claim(stem);
  const after = emitSignals(scope, key, stem, next, states);
  const settled = scope.names.claim(stem, 'settled');
  states[settled] = settledPass(info, after);
  const write = (suffix: string, status: 'succeeded' | 'failed' | 'skipped', reason: StringValue): string => {
    const name = scope.names.claim(stem, suffix);
    states[name] = statusWrite(scope, info, { status, reason, settled, next: after });
    return name;
  };
  const gated = scope.gates.has(key);
  // Reached from the Task's and the gate's catchers; a step with neither has no failure.
  const failed = !never || gated ? write('failed', 'failed', { expr: "States.Format('failed ({})', $.error.Error)" }) : '';
  let entry: string;
  if (never) {
    entry = write(never.suffix, 'skipped', never.reason);
  } else {
    const outcomes: Outcomes = {
      succeeded: write('succeeded', 'succeeded', { literal: '' }),
      failed,
      timedOut: write('timed out', 'failed', { literal: 'timed out' }),
    };
    if (info.inst.step.kind === 'approval') outcomes.rejected = write('rejected', 'failed', { literal: 'rejected' });
    states[taskName] = stepTask(scope, info, outcomes);
    entry = emitCheck(scope, info, guards, taskName, write, states);
  }
  return gated ? emitGate(scope, key, stem, entry, failed, states) : entry;
}

type Write = (suffix: string, status: 'skipped', reason: StringValue) => string;

/** The Choice that decides run or skip; returns the entry state (the task when nothing to decide). */
function emitCheck(scope: Scope, info: InstanceInfo, guards: Guard[], task: string, write: Write, states: Record<string, State>): string {
  const choices = guards.flatMap((g): Array<ChoiceRule & { Next: string }> => {
    const negated = not(g.cond);
    return negated.kind === 'rule' ? [{ ...negated.rule, Next: write(g.suffix, 'skipped', g.reason) } as ChoiceRule & { Next: string }] : [];
  });
  if (choices.length === 0) return task;
  const name = scope.names.claim(info.inst.name, 'check');
  states[name] = { Type: 'Choice', Choices: choices, Default: task };
  return name;
}

/**
 * In order: no secrets for forks; the needs (an `if` without success()/failure()/always()
 * implies success(), as in GitHub Actions); the written condition.
 */
function stepGuards(scope: Scope, info: InstanceInfo): Guard[] {
  const step = info.inst.step;
  const needs = needViews(scope, info);
  const guards: Guard[] = [];
  if (step.kind === 'run' && Object.keys(step.secrets).length > 0) {
    guards.push({ cond: not({ kind: 'rule', rule: { Variable: '$.run.pr.fork', BooleanEquals: true } }), suffix: 'skip (fork)', reason: { literal: FORK_REASON } });
  }
  const compiled = compileCondition(step.if, { pipeline: scope.pipeline, matrix: info.inst.matrix, needs });
  if (typeof compiled === 'string') {
    scope.diagnostics.push({ code: 'bad-condition', message: `if: ${compiled}`, path: ['steps', step.name, 'if'], span: step.if.span });
    return guards;
  }
  const checksStatus = [...walkExpr(step.if)].some((e) => e.kind === 'call' && STATUS_FUNCTIONS.has(e.name));
  if (!checksStatus) guards.push({ cond: all(needs.map(needSucceeded)), suffix: 'skip', reason: needsReason(scope, needs) });
  const reason = step.ifWritten ? { literal: `condition false: ${exprText(step.if)}` } : needsReason(scope, needs);
  guards.push({ cond: compiled, suffix: checksStatus ? 'skip' : 'skip (if)', reason });
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
