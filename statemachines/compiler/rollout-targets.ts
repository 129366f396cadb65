/**
 * The calls a rollout makes on its target, as Task fragments (Resource, Parameters,
 * ResultSelector); rollout.ts adds the flow. Results land under `$.rollouts.<key>`:
 * `stable.version` (lambda), `shifted.at`, `measured.{requests,rate}` (see MEASURED) and
 * `alarms` (DescribeAlarms' answer).
 * Sources for every AWS behaviour: docs/delivery.md, "AWS calls".
 */
import { ROLLOUT_RESOURCES as RESOURCES, type Json, type TaskState } from '../asl/types.ts';
import type { RolloutSpec, RolloutStep } from '../pipeline/model.ts';
import { aslTemplate } from './templates.ts';
import { templateScope, type InstanceInfo, type Scope } from './scope.ts';

export type Call = Pick<TaskState, 'Resource' | 'Parameters' | 'ResultSelector'>;

export interface TargetCalls {
  /** Reads what a rollback returns to (the alias's current version). */
  prepare?: Call;
  /** Puts `weight` percent of traffic on the candidate. */
  shift(weight: number): Call;
  /** The candidate's requests and error rate (percent, one decimal) since the last shift. */
  measure: Call;
  /** Every traffic back on stable. */
  rollback: Call;
}

/** Where this rollout keeps its data in the execution's state. */
export function rolloutPath(key: string): string {
  return `$.rollouts.${key}`;
}

/** The error rate as metric math: percent with one decimal, no datapoint when there were no requests. */
const RATE_EXPRESSION = 'FLOOR(1000 * FILL(errors, 0) / requests) / 10';

/** CloudWatch's standard resolution is one minute: a period is a whole number of minutes. */
export function metricPeriod(interval: number): number {
  return Math.max(60, Math.ceil(interval / 60) * 60);
}

function metricQueries(
  spec: RolloutSpec,
  namespace: string,
  requests: string,
  errors: string,
  dimensions: Json[],
): Json[] {
  const stat = (id: string, metric: string, returned: boolean): Json => ({
    Id: id,
    MetricStat: {
      Metric: { Namespace: namespace, MetricName: metric, Dimensions: dimensions },
      Period: metricPeriod(spec.interval),
      Stat: 'Sum',
    },
    ReturnData: returned,
  });
  return [
    stat('requests', requests, true),
    stat('errors', errors, false),
    { Id: 'rate', Expression: RATE_EXPRESSION, ReturnData: true },
  ];
}

/**
 * The candidate's series as the judge reads them: `{ requests: [[n]], rate: [[percent]] }`, the
 * inner list empty when there was no datapoint (CloudWatch answers every query that returns
 * data, with empty Values when it has none, so the filter always matches).
 */
const MEASURED: Record<string, Json> = {
  'requests.$': "$.MetricDataResults[?(@.Id == 'requests')].Values",
  'rate.$': "$.MetricDataResults[?(@.Id == 'rate')].Values",
};

/** GetMetricData over the interval, newest datapoint first. */
function cloudWatchMeasure(key: string, queries: Json[]): Call {
  return {
    Resource: RESOURCES.getMetricData,
    Parameters: {
      'StartTime.$': `${rolloutPath(key)}.shifted.at`,
      'EndTime.$': '$$.State.EnteredTime',
      ScanBy: 'TimestampDescending',
      MetricDataQueries: queries,
    },
    ResultSelector: MEASURED,
  };
}

/** A weight as Lambda's alias routing takes it: the share on the additional version, 0–1. */
const share = (weight: number) => weight / 100;

function lambdaCalls(
  scope: Scope,
  info: InstanceInfo,
  spec: RolloutSpec & { target: { kind: 'lambda' } },
): TargetCalls {
  const { function: fn, alias } = spec.target;
  const compiled = aslTemplate('FunctionVersion', spec.target.version, templateScope(scope, info));
  if (!compiled.ok) {
    const path = ['steps', info.inst.step.name, 'rollout', 'target', 'lambda', 'version'];
    scope.diagnostics.push({ code: 'bad-template', message: compiled.message, path, span: spec.target.version.span });
  }
  const version = compiled.ok ? compiled.value : { FunctionVersion: '' };
  const dynamic = version['FunctionVersion.$'] as string | undefined;
  const literal = version.FunctionVersion as string | undefined;
  const alias0 = { FunctionName: fn, Name: alias };
  // AdditionalVersionWeights is keyed by the candidate version: built as JSON text when the version is a value of the run.
  const weights = (weight: number): Record<string, Json> =>
    dynamic === undefined
      ? { AdditionalVersionWeights: { [literal!]: share(weight) } }
      : {
          'AdditionalVersionWeights.$': `States.StringToJson(States.Format('\\{"{}":${share(weight)}\\}', ${dynamic}))`,
        };
  const executed: Json =
    dynamic === undefined
      ? { Name: 'ExecutedVersion', Value: literal! }
      : { Name: 'ExecutedVersion', 'Value.$': dynamic };
  const dimensions: Json[] = [
    { Name: 'FunctionName', Value: fn },
    { Name: 'Resource', Value: `${fn}:${alias}` },
    executed,
  ];
  return {
    prepare: { Resource: RESOURCES.getAlias, Parameters: alias0, ResultSelector: { 'version.$': '$.FunctionVersion' } },
    shift: (weight) => ({
      Resource: RESOURCES.updateAlias,
      Parameters:
        weight === 100
          ? { ...alias0, ...version, RoutingConfig: { AdditionalVersionWeights: {} } }
          : {
              ...alias0,
              'FunctionVersion.$': `${rolloutPath(info.key)}.stable.version`,
              RoutingConfig: weights(weight),
            },
      ResultSelector: { 'at.$': '$$.State.EnteredTime' },
    }),
    measure: cloudWatchMeasure(info.key, metricQueries(spec, 'AWS/Lambda', 'Invocations', 'Errors', dimensions)),
    rollback: {
      Resource: RESOURCES.updateAlias,
      Parameters: {
        ...alias0,
        'FunctionVersion.$': `${rolloutPath(info.key)}.stable.version`,
        RoutingConfig: { AdditionalVersionWeights: {} },
      },
    },
  };
}

/** `arn:…:targetgroup/name/id` → `targetgroup/name/id`; `arn:…:listener/app/lb/id/l` → `app/lb/id`: the metric dimensions. */
export function elbDimension(arn: string, kind: 'TargetGroup' | 'LoadBalancer'): string {
  const resource = arn.split(':').slice(5).join(':');
  return kind === 'TargetGroup' ? resource : resource.split('/').slice(1, 4).join('/');
}

function albCalls(key: string, spec: RolloutSpec & { target: { kind: 'alb' } }): TargetCalls {
  const { listener, rule, stable, candidate } = spec.target;
  const forward = (weight: number): Json[] => [
    {
      Type: 'forward',
      ForwardConfig: {
        TargetGroups: [
          { TargetGroupArn: stable, Weight: 100 - weight },
          { TargetGroupArn: candidate, Weight: weight },
        ],
      },
    },
  ];
  const modify = (weight: number): Call =>
    rule === undefined
      ? { Resource: RESOURCES.modifyListener, Parameters: { ListenerArn: listener, DefaultActions: forward(weight) } }
      : { Resource: RESOURCES.modifyRule, Parameters: { RuleArn: rule, Actions: forward(weight) } };
  const dimensions: Json[] = [
    { Name: 'TargetGroup', Value: elbDimension(candidate, 'TargetGroup') },
    { Name: 'LoadBalancer', Value: elbDimension(listener, 'LoadBalancer') },
  ];
  return {
    shift: (weight) => ({ ...modify(weight), ResultSelector: { 'at.$': '$$.State.EnteredTime' } }),
    measure: cloudWatchMeasure(
      key,
      metricQueries(spec, 'AWS/ApplicationELB', 'RequestCount', 'HTTPCode_Target_5XX_Count', dimensions),
    ),
    rollback: modify(0),
  };
}

function localCalls(spec: RolloutSpec & { target: { kind: 'local' } }): TargetCalls {
  const { listen, stable, candidate } = spec.target;
  const proxy = { Listen: listen, Stable: stable, Candidate: candidate };
  return {
    shift: (weight) => ({ Resource: RESOURCES.localRolloutShift, Parameters: { ...proxy, Weight: weight } }),
    measure: { Resource: RESOURCES.localRolloutMeasure, Parameters: { Listen: listen }, ResultSelector: MEASURED },
    rollback: { Resource: RESOURCES.localRolloutShift, Parameters: { ...proxy, Weight: 0 } },
  };
}

/** The calls of `info`'s rollout on its target. */
export function targetCalls(scope: Scope, info: InstanceInfo): TargetCalls {
  const spec = (info.inst.step as RolloutStep).rollout;
  const t = spec.target;
  if (t.kind === 'lambda') return lambdaCalls(scope, info, { ...spec, target: t });
  if (t.kind === 'alb') return albCalls(info.key, { ...spec, target: t });
  if (scope.target.engine === 'aws') {
    const message = 'a local rollout target runs only under sci run: deploy with a lambda or alb target';
    scope.diagnostics.push({
      code: 'local-target',
      message,
      path: ['steps', info.inst.step.name, 'rollout', 'target'],
      span: spec.span,
    });
  }
  return localCalls({ ...spec, target: t });
}

/**
 * DescribeAlarms of the named alarms that are in ALARM (metric and composite), kept whole: the
 * judge asks whether `MetricAlarms[0]` / `CompositeAlarms[0]` exists, which holds whether an
 * empty list is answered as `[]` or left out.
 */
export function alarmsCall(alarms: string[]): Call {
  return {
    Resource: RESOURCES.describeAlarms,
    Parameters: { AlarmNames: alarms, AlarmTypes: ['MetricAlarm', 'CompositeAlarm'], StateValue: 'ALARM' },
  };
}
