/**
 * Every integration Task the compiler emits, checked against the AWS API model of its service
 * (test/aws/api-model.ts) and the documented limits the models leave out (test/aws/limits.ts):
 * the golden definitions, every example pipeline, the random-DAG corpus, and pipelines made to
 * stress the StartBuild parameters (a 16-producer fan-in, Lambda compute, registry credentials).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { compile } from '../statemachines/compiler/harness.ts';
import { rolloutPipeline, TARGETS } from '../statemachines/compiler/rollout-fixtures.ts';
import type { State, StateMachine, TaskState } from '../../statemachines/asl/types.ts';
import { dagYaml, prng, randomDag } from '../statemachines/compiler/random-dags.ts';
import { inputShape, validateInput, type ModelProblem, type Service } from './api-model.ts';
import { limitProblems } from './limits.ts';

/** Optimized integrations → the API operation behind them (Step Functions developer guide, "Integrating optimized services"). */
const OPTIMIZED: Record<string, { service: Service; operation: string; jsonMembers?: string[] }> = {
  'arn:aws:states:::codebuild:startBuild.sync': { service: 'codebuild', operation: 'StartBuild' },
  'arn:aws:states:::dynamodb:updateItem': { service: 'dynamodb', operation: 'UpdateItem' },
  'arn:aws:states:::dynamodb:getItem': { service: 'dynamodb', operation: 'GetItem' },
  // the optimized integration takes Input as a JSON object as well as a string:
  // https://docs.aws.amazon.com/step-functions/latest/dg/connect-stepfunctions.html
  'arn:aws:states:::states:startExecution.sync:2': {
    service: 'sfn',
    operation: 'StartExecution',
    jsonMembers: ['StartExecutionInput.input'],
  },
};

/** `arn:aws:states:::aws-sdk:<service>:<action>[.waitForTaskToken]` → the SDK operation. */
function integration(resource: string): { service: Service; operation: string; jsonMembers?: string[] } {
  const optimized = OPTIMIZED[resource];
  if (optimized) return optimized;
  const sdk = /^arn:aws:states:::aws-sdk:(\w+):(\w+)(?:\.waitForTaskToken)?$/.exec(resource);
  if (!sdk) throw new Error(`no API model mapped for ${resource}: add it to this judge`);
  return { service: sdk[1] as Service, operation: sdk[2]!.charAt(0).toUpperCase() + sdk[2]!.slice(1) };
}

/** Every Task, in Parallel branches and Map item processors too (an environment's wake-ups). */
function tasks(m: StateMachine): Array<[string, TaskState]> {
  return Object.entries(m.States).flatMap(
    ([n, s]: [string, State]): Array<[string, TaskState]> => [
      ...(s.Type === 'Task' ? [[n, s] as [string, TaskState]] : []),
      ...(s.Type === 'Parallel' ? s.Branches.flatMap(tasks) : []),
      ...(s.Type === 'Map' ? tasks(s.ItemProcessor) : []),
    ],
  );
}

/** Every problem of every integration Task of `definition`. */
export function taskProblems(definition: StateMachine): string[] {
  return tasks(definition).flatMap(([name, task]) => {
    const { service, operation, jsonMembers } = integration(task.Resource);
    const params = task.Parameters ?? {};
    const problems: ModelProblem[] = [
      ...validateInput(service, inputShape(service, operation), params, {
        stepFunctions: true,
        jsonMembers: jsonMembers ?? [],
      }),
      ...limitProblems(`${service}:${operation}`, params),
    ];
    return problems.map((p) => `${name} (${service}:${operation}) ${p.path}: ${p.message}`);
  });
}

const examples = readdirSync('examples')
  .filter((f) => f.endsWith('.yml'))
  .map((f) => join('examples', f));

describe('integration Tasks against the AWS API models and documented limits', () => {
  for (const golden of readdirSync('test/golden').filter((f) => f.endsWith('.asl.json'))) {
    it(`golden ${golden}`, () => {
      assert.deepEqual(taskProblems(JSON.parse(readFileSync(join('test/golden', golden), 'utf8')) as StateMachine), []);
    });
  }

  for (const file of [...examples, 'examples/demo/.sci/ci.yml', 'test/statemachines/pipeline/fixtures/full.yml']) {
    it(`example ${file}`, () =>
      assert.deepEqual(taskProblems(compile(readFileSync(file, 'utf8'), { file }).definition), []));
  }

  for (const target of ['lambda', 'alb'] as const) {
    it(`a ${target} rollout: every weight, the measures, the alarms and the rollback`, () => {
      const yaml = rolloutPipeline(
        TARGETS[target],
        'weights: [1, 50, 100]\n      interval: 1m\n      analysis: { max_error_rate: 0.5%, min_requests: 20, alarms: [a, b] }',
      );
      const definition = compile(yaml, { file: '.sci/deliver.yml', target: { engine: 'aws' } }).definition;
      const resources = new Set(tasks(definition).map(([, t]) => t.Resource));
      assert.ok(
        resources.has(`arn:aws:states:::aws-sdk:cloudwatch:describeAlarms`) &&
          resources.has('arn:aws:states:::aws-sdk:sfn:sendTaskSuccess'),
      );
      assert.deepEqual(taskProblems(definition), []);
    });
  }

  it('an ALB rollout on a listener rule', () => {
    const rule =
      'arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener-rule/app/web/50dc6c495c0c9188/f2f7dc8efc522ab2/9683b2d02a6cabee';
    const target = TARGETS.alb.replace('listener:', `rule: "${rule}", listener:`);
    assert.deepEqual(
      taskProblems(
        compile(rolloutPipeline(target), { file: '.sci/deliver.yml', target: { engine: 'aws' } }).definition,
      ),
      [],
    );
  });

  it('the random-DAG corpus (40 pipelines of 2 to 40 steps)', () => {
    const rand = prng(8);
    for (let i = 0; i < 40; i++) {
      const yaml = dagYaml(randomDag(rand, 2 + Math.floor(rand() * 39)));
      assert.deepEqual(taskProblems(compile(yaml, { file: '.sci/random.yml' }).definition), [], yaml);
    }
  });

  it('a step that needs 16 artifact producers (a 4x4 matrix) stays within StartBuild limits', () => {
    const definition = compile(
      `
steps:
  test:
    matrix: { os: [a, b, c, d], node: [1, 2, 3, 4] }
    run: make test
    artifacts: [coverage/**]
    cache: { key: npm, paths: [~/.npm] }
    timeout: 36h
  report: { needs: [test], if: always(), run: make report, timeout: 30s }
`,
      { file: '.sci/fan.yml' },
    ).definition;
    assert.deepEqual(taskProblems(definition), []);
  });

  it('registry credentials: RegistryCredentialOverride with SERVICE_ROLE pulls, from defaults and per step', () => {
    const definition = compile(
      `
defaults: { image: { name: "node:22", credentials: "secretsmanager:sci/dockerhub" } }
steps:
  test: { run: npm test }
  matrix:
    matrix: { v: [1, 2] }
    image:
      name: "ghcr.io/team/tool:\${{ matrix.v }}"
      credentials: "secretsmanager:arn:aws:secretsmanager:eu-west-1:123456789012:secret:sci/ghcr-AbCdEf"
    run: tool
`,
      { file: '.sci/hub.yml' },
    ).definition;
    const builds = tasks(definition).filter(([, t]) => t.Resource.includes('codebuild'));
    assert.deepEqual(
      builds.map(([, t]) => [t.Parameters?.ImagePullCredentialsTypeOverride, t.Parameters?.RegistryCredentialOverride]),
      [
        ['SERVICE_ROLE', { Credential: 'sci/dockerhub', CredentialProvider: 'SECRETS_MANAGER' }],
        ...[1, 2].map(() => [
          'SERVICE_ROLE',
          {
            Credential: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:sci/ghcr-AbCdEf',
            CredentialProvider: 'SECRETS_MANAGER',
          },
        ]),
      ],
    );
    assert.deepEqual(taskProblems(definition), []);
  });

  it('the judge itself: it refuses a wrong member, a wrong enum value, a missing required member and a broken limit', () => {
    const definition = {
      StartAt: 'x',
      States: {
        x: {
          Type: 'Task',
          Resource: 'arn:aws:states:::codebuild:startBuild.sync',
          TimeoutSeconds: 60,
          End: true,
          Parameters: {
            ProjectNam: 'p',
            ComputeTypeOverride: 'BUILD_GENERAL1_HUGE',
            TimeoutInMinutesOverride: 1,
            EnvironmentVariablesOverride: [{ Value: 'v' }],
            ImageOverride: 'aws/codebuild/standard:7.0',
            RegistryCredentialOverride: { Credential: 'sci/hub', CredentialProvider: 'SSM' },
            SecondarySourcesOverride: Array.from({ length: 13 }, (_, i) => ({
              Type: 'S3',
              Location: `b/${i}.zip`,
              SourceIdentifier: `s${i}`,
            })),
          },
        },
      },
    } as unknown as StateMachine;
    const problems = taskProblems(definition).join('\n');
    assert.match(problems, /StartBuildInput has no member ProjectNam/);
    assert.match(problems, /StartBuildInput requires ProjectName/);
    assert.match(problems, /BUILD_GENERAL1_HUGE is not one of/);
    assert.match(problems, /EnvironmentVariable requires Name/);
    assert.match(problems, /at most 12 items/);
    assert.match(problems, /5 to 2160/);
    assert.match(problems, /SSM is not one of/);
    assert.match(problems, /a registry credential needs imagePullCredentialsType SERVICE_ROLE/);
  });
});
