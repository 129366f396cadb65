/**
 * `rollout:` of a step (schema-valid) → RolloutSpec, with the rules across its fields: exactly one
 * target, weights ascending to 100, `blue_green` as one switch, alarms only where CloudWatch is.
 */
import type { Diagnostic } from '../diagnostics.ts';
import type { RolloutSpec, RolloutTarget, Template } from './model.ts';
import { durationSeconds, type StepFile } from './schema.ts';
import { keySpanOf, spanOf, type Path, type YamlSource } from './yaml-source.ts';

/** Bake time at each weight when `interval` is not written. */
export const DEFAULT_INTERVAL = 300;
/** Seconds a rollout step allows itself beyond its intervals, per weight (the calls between waits). */
const MARGIN_PER_WEIGHT = 120;
const TARGETS = ['lambda', 'alb', 'local'] as const;
/** CloudWatch's standard resolution: an AWS target's interval holds at least one datapoint. */
const MIN_CLOUDWATCH_INTERVAL = 60;

type RolloutFile = NonNullable<StepFile['rollout']>;

export interface RolloutBuild {
  source: YamlSource;
  diagnostics: Diagnostic[];
  template(value: string | number, path: Path): Template;
}

/** The spec and the step timeout it implies, or undefined (with diagnostics) when it cannot be built. */
export function buildRollout(
  b: RolloutBuild,
  path: Path,
  file: RolloutFile,
): { rollout: RolloutSpec; timeout: number } | undefined {
  const problem = (at: Path, message: string, key = false) =>
    b.diagnostics.push({
      code: 'bad-rollout',
      message,
      path: at,
      span: key ? keySpanOf(b.source, at) : spanOf(b.source, at),
    });
  const target = buildTarget(b, [...path, 'target'], file.target, problem);
  const strategy = file.strategy ?? 'canary';
  const weights = file.weights ?? (strategy === 'blue_green' ? [100] : undefined);
  if (weights === undefined) {
    problem(path, 'a canary rollout needs weights, e.g. [10, 50, 100] (or strategy: blue_green)', true);
    return undefined;
  }
  const weightsPath = [...path, 'weights'];
  if (strategy === 'blue_green' && (weights.length !== 1 || weights[0] !== 100)) {
    problem(weightsPath, 'blue_green switches all traffic at once: weights must be [100] or left out');
  }
  weights.forEach((w, i) => {
    if (i > 0 && w <= weights[i - 1]!) problem([...weightsPath, i], `weights must go up: ${w} after ${weights[i - 1]}`);
  });
  if (weights.at(-1) !== 100) problem(weightsPath, 'the last weight must be 100 (the candidate takes all traffic)');
  const analysis = file.analysis ?? {};
  const alarms = analysis.alarms ?? [];
  if (target?.kind === 'local' && alarms.length > 0) {
    problem(
      [...path, 'analysis', 'alarms'],
      'alarms are CloudWatch alarms: they apply to lambda and alb targets, not local',
      true,
    );
  }
  if (target === undefined) return undefined;
  const maxErrorRate =
    typeof analysis.max_error_rate === 'string'
      ? Number(analysis.max_error_rate.slice(0, -1))
      : analysis.max_error_rate;
  const interval = file.interval !== undefined ? durationSeconds(file.interval) : DEFAULT_INTERVAL;
  if (target.kind !== 'local' && interval < MIN_CLOUDWATCH_INTERVAL) {
    problem(
      [...path, 'interval'],
      `a ${target.kind} target is measured by CloudWatch, one datapoint a minute: interval must be at least 1m`,
    );
  }
  const rollout: RolloutSpec = {
    target,
    strategy,
    weights,
    interval,
    analysis: {
      ...(maxErrorRate !== undefined ? { maxErrorRate } : {}),
      minRequests: analysis.min_requests ?? 0,
      alarms,
    },
    span: keySpanOf(b.source, path),
  };
  return { rollout, timeout: weights.length * (interval + MARGIN_PER_WEIGHT) };
}

function buildTarget(
  b: RolloutBuild,
  path: Path,
  file: RolloutFile['target'],
  problem: (at: Path, message: string, key?: boolean) => void,
): RolloutTarget | undefined {
  const written = TARGETS.filter((t) => file[t] !== undefined);
  if (written.length !== 1) {
    problem(
      path,
      written.length === 0
        ? 'a rollout target needs one of lambda, alb or local'
        : `a rollout has one target, not ${written.join(' and ')}`,
      true,
    );
    return undefined;
  }
  if (file.lambda) {
    const { function: fn, alias, version } = file.lambda;
    return { kind: 'lambda', function: fn, alias, version: b.template(version, [...path, 'lambda', 'version']) };
  }
  if (file.alb) {
    const { listener, rule, stable, candidate } = file.alb;
    if (stable === candidate)
      problem([...path, 'alb', 'candidate'], 'candidate must be another target group than stable');
    return { kind: 'alb', listener, ...(rule !== undefined ? { rule } : {}), stable, candidate };
  }
  const local = file.local!;
  const port = (url: string) => Number(/:(\d+)\/?$/.exec(url)![1]);
  for (const side of ['stable', 'candidate'] as const) {
    if (port(local[side]) === local.listen)
      problem([...path, 'local', side], `${side} cannot be the proxy's own port ${local.listen}`);
  }
  return {
    kind: 'local',
    listen: local.listen,
    stable: local.stable.replace(/\/$/, ''),
    candidate: local.candidate.replace(/\/$/, ''),
  };
}
