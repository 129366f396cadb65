/**
 * The `lambda` and `alb` rollouts' ASL executed in aws-local-stepfunctions against fake Lambda,
 * ELBv2 and CloudWatch services that keep the traffic weights the calls set and serve the
 * metrics that traffic would produce: a healthy canary reaches 100 % and records a release, a
 * failing one is rolled back at the first weight with the reason, an alarm rolls back, and no
 * requests at all fail safe. Every call the fakes receive is also judged by the AWS API models.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ROLLOUT_RESOURCES as R } from '../../../statemachines/asl/types.ts';
import { inputShape, validateInput, type Service } from '../../aws/api-model.ts';
import { compile, execute, runInput, stepItem } from './harness.ts';
import { rolloutPipeline, TARGETS } from './rollout-fixtures.ts';

/** What the candidate does with its share of `volume` requests per interval. */
interface Traffic {
  volume: number;
  errorRate: number;
  /** Alarms in ALARM once the candidate takes at least this weight. */
  alarmAt?: { weight: number; name: string };
}

type Call = { resource: string; input: Record<string, any> };

/** Fake Lambda + ELBv2 + CloudWatch over one candidate's weight. */
class FakeAws {
  weight = 0;
  readonly weights: number[] = [];
  readonly calls: Call[] = [];
  alias = { version: '6', routing: {} as Record<string, number> };

  constructor(private readonly traffic: Traffic) {}

  async call(resource: string, input: Record<string, any>): Promise<unknown> {
    this.calls.push({ resource, input });
    switch (resource) {
      case R.getAlias:
        return { FunctionVersion: this.alias.version, Name: input.Name };
      case R.updateAlias: {
        const routing = input.RoutingConfig.AdditionalVersionWeights as Record<string, number>;
        this.alias = { version: input.FunctionVersion, routing };
        const share = routing['7'];
        return this.record(input.FunctionVersion === '7' ? 100 : share !== undefined ? Math.round(share * 100) : 0);
      }
      case R.modifyListener:
      case R.modifyRule: {
        const groups = (input.DefaultActions ?? input.Actions)[0].ForwardConfig.TargetGroups as Array<{
          TargetGroupArn: string;
          Weight: number;
        }>;
        return this.record(groups.find((g) => g.TargetGroupArn.includes('/green/'))!.Weight);
      }
      case R.getMetricData:
        return this.metrics(input);
      case R.describeAlarms: {
        const alarm = this.traffic.alarmAt;
        const firing = alarm && this.weight >= alarm.weight && input.AlarmNames.includes(alarm.name);
        return { MetricAlarms: firing ? [{ AlarmName: alarm.name, StateValue: 'ALARM' }] : [], CompositeAlarms: [] };
      }
      default:
        throw new Error(`fake AWS: no ${resource}`);
    }
  }

  private record(weight: number): object {
    this.weight = weight;
    this.weights.push(weight);
    return {};
  }

  /** The candidate's requests and 5xx in the interval, by the metric math the definition sends. */
  private metrics(input: Record<string, any>): object {
    const queries = input.MetricDataQueries as Array<{
      Id: string;
      Expression?: string;
      MetricStat?: { Metric: { Dimensions: Array<{ Name: string; Value: string }> } };
    }>;
    const dims = queries.find((q) => q.Id === 'requests')!.MetricStat!.Metric.Dimensions;
    const candidate = dims.some(
      (d) =>
        (d.Name === 'ExecutedVersion' && d.Value === '7') || (d.Name === 'TargetGroup' && d.Value.includes('/green/')),
    );
    assert.ok(candidate, `metrics asked for the candidate: ${JSON.stringify(dims)}`);
    assert.equal(queries.find((q) => q.Id === 'rate')!.Expression, 'FLOOR(1000 * FILL(errors, 0) / requests) / 10');
    const requests = Math.round((this.traffic.volume * this.weight) / 100);
    const errors = Math.round(requests * this.traffic.errorRate);
    const series = (id: string, values: number[]) => ({
      Id: id,
      Label: id,
      StatusCode: 'Complete',
      Timestamps: values.map(() => '2026-11-28T00:00:00Z'),
      Values: values,
    });
    return {
      MetricDataResults:
        requests > 0
          ? [series('requests', [requests]), series('rate', [Math.floor((1000 * errors) / requests) / 10])]
          : [series('requests', []), series('rate', [])],
    };
  }
}

const str = (a: unknown): string | undefined => (a as { S?: string } | undefined)?.S;

const SERVICE: Record<string, Service> = {
  lambda: 'lambda',
  elasticloadbalancingv2: 'elasticloadbalancingv2',
  cloudwatch: 'cloudwatch',
};

/** Each call as the API model of its service sees it (parameters after path resolution). */
function modelProblems(calls: Call[]): string[] {
  return calls.flatMap(({ resource, input }) => {
    const [, service, action] = /aws-sdk:(\w+):(\w+)$/.exec(resource)!;
    const operation = action!.charAt(0).toUpperCase() + action!.slice(1);
    return validateInput(SERVICE[service!]!, inputShape(SERVICE[service!]!, operation), input, {
      stepFunctions: false,
    }).map((p) => `${operation} ${p.path}: ${p.message}`);
  });
}

const ANALYSIS =
  'weights: [10, 50, 100]\n      interval: 5m\n      analysis: { max_error_rate: 2%, min_requests: 20, alarms: [web-5xx] }';

async function rollout(target: string, traffic: Traffic) {
  const compiled = compile(rolloutPipeline(target, ANALYSIS), { file: '.sci/deliver.yml', target: { engine: 'aws' } });
  const aws = new FakeAws(traffic);
  const out = await execute(compiled.definition, runInput(), compiled.steps, {
    build: async () => [{ Name: 'SCI_OUT_version', Value: '7' }],
    service: (resource, input) => aws.call(resource, input),
  });
  assert.deepEqual(modelProblems(aws.calls), []);
  const deploy = stepItem(out, 'deploy')!;
  const releases = [...out.items.keys()].filter((k) => k.startsWith('ENV#production|REL#'));
  return { out, aws, deploy, releases, lock: out.items.get('ENV#production|#LOCK') };
}

test('lambda: a healthy candidate goes 10 → 50 → 100 % and the release is recorded', async () => {
  const { aws, deploy, releases, lock } = await rollout(TARGETS.lambda, { volume: 2120, errorRate: 0.001 });
  assert.equal(str(deploy.status), 'succeeded', JSON.stringify(deploy));
  assert.deepEqual(aws.weights, [10, 50, 100]);
  assert.deepEqual(aws.alias, { version: '7', routing: {} });
  assert.equal(
    deploy.startedAt !== undefined && deploy.attempts !== undefined,
    true,
    'the rollout marked its step running',
  );
  assert.equal(releases.length, 1);
  assert.equal(lock?.holder, undefined, 'the environment is free again');
  assert.ok(lock, 'the environment was held');
});

test('lambda: 30 % errors at 10 % roll back to the stable version with the reason; no release', async () => {
  const { aws, deploy, releases } = await rollout(TARGETS.lambda, { volume: 2120, errorRate: 0.3 });
  assert.equal(str(deploy.status), 'failed');
  assert.equal(str(deploy.reason), 'rolled back at 10%: error rate 30.1% > 2% (212 requests)');
  assert.deepEqual(aws.weights, [10, 0]);
  assert.deepEqual(aws.alias, { version: '6', routing: {} });
  assert.deepEqual(releases, []);
});

test('alb: an alarm in ALARM at 50 % sends all traffic back to the stable target group', async () => {
  const { aws, deploy, releases } = await rollout(TARGETS.alb, {
    volume: 1000,
    errorRate: 0,
    alarmAt: { weight: 50, name: 'web-5xx' },
  });
  assert.equal(str(deploy.status), 'failed');
  assert.equal(str(deploy.reason), 'rolled back at 50%: alarm web-5xx is in ALARM');
  assert.deepEqual(aws.weights, [10, 50, 0]);
  assert.deepEqual(releases, []);
});

test('alb: no requests to the candidate is too little evidence: it fails safe at the first weight', async () => {
  const { aws, deploy } = await rollout(TARGETS.alb, { volume: 0, errorRate: 0 });
  assert.equal(str(deploy.reason), 'rolled back at 10%: no requests to the candidate (at least 20 needed)');
  assert.deepEqual(aws.weights, [10, 0]);
});

test('alb: a healthy candidate reaches 100 %', async () => {
  const { aws, deploy, releases } = await rollout(TARGETS.alb, { volume: 1000, errorRate: 0.01 });
  assert.equal(str(deploy.status), 'succeeded', JSON.stringify(deploy));
  assert.deepEqual(aws.weights, [10, 50, 100]);
  assert.equal(releases.length, 1);
});
