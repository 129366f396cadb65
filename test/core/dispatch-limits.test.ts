import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SfnExecutions } from '../../src/aws/sfn-executions.ts';
import { SfnStateMachineRegistry } from '../../src/aws/sfn-registry.ts';
import { stateMachineName } from '../../src/aws/names.ts';
import { dispatch } from '../../src/core/dispatch.ts';
import { closeSharedTables, freshStore } from '../store/local-table.ts';
import type { RunStore } from '../../src/core/ports.ts';
import { CI, fixedSource, recordingStatuses } from './fixtures.ts';
import { mockInstance } from '../mock-instance.ts';

const PREFIX = 'arn:aws:states:eu-west-1:1:stateMachine:';

/** Valid YAML and a valid pipeline, that only the compiler for AWS refuses: a rollout to a local target. */
const LOCAL_ROLLOUT = `steps:
  canary:
    rollout:
      target:
        local: { listen: 8080, stable: "http://127.0.0.1:8081", candidate: "http://127.0.0.1:8082" }
      weights: [10, 100]
`;

after(closeSharedTables);

/** The dispatcher as the Lambda wires it for AWS (SFN mocked per test), on the real store. */
function awsDeps(store: RunStore, statuses: ReturnType<typeof recordingStatuses>, client: SFNClient) {
  return {
    store,
    statuses,
    registry: new SfnStateMachineRegistry(client, {
      roleArn: 'arn:aws:iam::1:role/x',
      arnPrefix: PREFIX,
    }),
    executions: new SfnExecutions(client),
    clock: { now: () => new Date('2026-11-27T05:00:00Z') },
    target: { tableName: 't', buildProject: 'p', artifactBucket: 'b', engine: 'aws' as const },
    machineName: (repo: string, id: string) => stateMachineName('sci-', repo, id),
    runUrl: (arn: string) => arn,
  };
}

const PUSH = {
  event: 'push' as const,
  repo: 'o/r',
  repoUrl: 'https://github.com/o/r.git',
  sha: 'a'.repeat(40),
  ref: 'refs/heads/main',
  branch: 'main',
  tag: '',
  actor: 'octocat',
  pr: { number: 0, base: '', fork: false },
};

test('a pipeline only the compiler refuses is a failed commit status at its position, and nothing of the push starts', async () => {
  const client = new SFNClient({ region: 'eu-west-1' });
  const sfn = mockInstance(client);
  const { store } = await freshStore();
  const statuses = recordingStatuses();
  const deps = awsDeps(store, statuses, client);
  const source = fixedSource([
    { path: '.sci/ci.yml', text: CI },
    { path: '.sci/canary.yml', text: LOCAL_ROLLOUT },
  ]);

  const outcome = await dispatch(deps, source, {
    seed: 'delivery-1',
    facts: PUSH,
    trigger: { event: 'push', branch: 'main', tag: '' },
  });

  assert.equal(!outcome.ok && outcome.error.kind, 'invalid');
  assert.deepEqual(
    statuses.statuses.map((s) => [s.context, s.state]),
    [['sci/canary', 'failure']],
  );
  assert.match(
    statuses.statuses[0]!.description,
    /^\.sci\/canary\.yml:3:5: a local rollout target runs only under sci run/,
  );
  assert.equal(sfn.calls().length, 0, 'no state machine created, no execution started');
  assert.equal((await store.listRuns({})).length, 0);
  sfn.restore();
});

test('a secret outside the deployed prefix is a failed commit status at its position, and nothing of the push starts', async () => {
  const client = new SFNClient({ region: 'eu-west-1' });
  const sfn = mockInstance(client);
  const { store } = await freshStore();
  const statuses = recordingStatuses();
  const deps = {
    ...awsDeps(store, statuses, client),
    secretPrefixes: { secretsManager: 'team/', parameterStore: '/team/' },
  };
  const deploy =
    'steps:\n  ship:\n    secrets: { KEY: "secretsmanager:team/key", URL: "ssm:/ci/url" }\n    run: ./ship.sh\n';
  const source = fixedSource([{ path: '.sci/deploy.yml', text: deploy }]);

  const outcome = await dispatch(deps, source, {
    seed: 'delivery-2',
    facts: PUSH,
    trigger: { event: 'push', branch: 'main', tag: '' },
  });

  assert.equal(!outcome.ok && outcome.error.kind, 'invalid');
  assert.deepEqual(
    statuses.statuses.map((s) => [s.context, s.state, s.description]),
    [
      [
        'sci/deploy',
        'failure',
        ".sci/deploy.yml:3:53: SSM parameter '/ci/url' is outside '/team/', the only path steps may read on AWS: store it as '/team/ci/url'",
      ],
    ],
  );
  assert.equal(sfn.calls().length, 0, 'no state machine created, no execution started');
  assert.equal((await store.listRuns({ repo: 'o/r' })).length, 0);
  sfn.restore();
});
