/**
 * The trust decision (docs/security.md): the dispatcher decides from the event alone whether a
 * run's builds are trusted, and the execution input carries the role and namespaces the compiled
 * steps use. A fork's pull request, and every run it leads to, builds as the untrusted role.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateStateMachineCommand,
  ListStateMachineVersionsCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { SfnExecutions } from '../../src/aws/sfn-executions.ts';
import { SfnStateMachineRegistry } from '../../src/aws/sfn-registry.ts';
import { stateMachineName } from '../../src/aws/names.ts';
import { dispatch, type DispatchDeps } from '../../src/core/dispatch.ts';
import { startFollowers } from '../../src/core/followers.ts';
import { triggerEventOf } from '../../src/core/pipelines.ts';
import type { RunFacts } from '../../src/core/run-facts.ts';
import { judgeSdkCalls } from '../aws/sdk-judge.ts';
import { mockInstance } from '../mock-instance.ts';
import { closeSharedTables, freshStore } from '../store/local-table.ts';
import { CI, DEPLOY, fixedSource, recordingStatuses } from './fixtures.ts';

const PREFIX = 'arn:aws:states:eu-west-1:123456789012:stateMachine:';
const ROLES = {
  trusted: 'arn:aws:iam::123456789012:role/steps',
  untrusted: 'arn:aws:iam::123456789012:role/untrusted-steps',
};
const client = new SFNClient({ region: 'eu-west-1' });
const sfn = mockInstance(client);
judgeSdkCalls({ sfn });
sfn
  .on(CreateStateMachineCommand)
  .callsFake((i: { name: string }) => ({ stateMachineVersionArn: `${PREFIX}${i.name}:1` }));
sfn.on(ListStateMachineVersionsCommand).resolves({ stateMachineVersions: [] });
sfn.on(StartExecutionCommand).callsFake((i: { name: string }) => ({
  executionArn: `arn:aws:states:eu-west-1:123456789012:execution:m:${i.name}`,
}));

after(async () => {
  sfn.restore();
  await closeSharedTables();
});

async function deps(): Promise<DispatchDeps> {
  const { store } = await freshStore();
  return {
    store,
    statuses: recordingStatuses(),
    registry: new SfnStateMachineRegistry(client, {
      roleArn: 'arn:aws:iam::123456789012:role/x',
      arnPrefix: PREFIX,
    }),
    executions: new SfnExecutions(client),
    clock: { now: () => new Date('2026-11-28T23:00:00Z') },
    target: { tableName: 't', buildProject: 'p', artifactBucket: 'b' },
    machineName: (repo, id) => stateMachineName('sci-', repo, id),
    runUrl: (arn) => arn,
    buildRoles: ROLES,
  };
}

const SOURCE = fixedSource([
  { path: '.sci/ci.yml', text: CI },
  { path: '.sci/deploy.yml', text: DEPLOY },
]);
const BASE: RunFacts = {
  event: 'push',
  repo: 'o/r',
  repoUrl: 'https://github.com/o/r.git',
  sha: 'a'.repeat(40),
  ref: 'refs/heads/master',
  branch: 'master',
  tag: '',
  actor: 'octocat',
  pr: { number: 0, base: '', fork: false },
};
const PULL: RunFacts = {
  ...BASE,
  event: 'pull_request',
  ref: 'refs/pull/7/head',
  branch: 'feature',
  pr: { number: 7, base: 'master', fork: false },
};

/** The `run.builds` of every execution started since `from`, by pipeline. */
function builds(from: number): Array<[string, unknown]> {
  return sfn
    .commandCalls(StartExecutionCommand)
    .slice(from)
    .map((c) => {
      const run = JSON.parse(c.args[0].input.input!).run as { pipeline: string; builds: unknown };
      return [run.pipeline, run.builds];
    });
}

const TRUSTED = { untrusted: false, role: ROLES.trusted, artifacts: 'runs', cache: 'cache' };
const UNTRUSTED = { untrusted: true, role: ROLES.untrusted, artifacts: 'untrusted/runs', cache: 'untrusted/cache' };

test('a push and a pull request from a branch of the repository build as the trusted role', async () => {
  const d = await deps();
  const from = sfn.commandCalls(StartExecutionCommand).length;
  await dispatch(d, SOURCE, { seed: 'push-1', facts: BASE, trigger: { event: 'push', branch: 'master', tag: '' } });
  await dispatch(d, SOURCE, { seed: 'pr-1', facts: PULL, trigger: triggerEventOf(PULL, { action: 'opened' }) });
  assert.deepEqual(builds(from), [
    ['ci', TRUSTED],
    ['ci', TRUSTED],
  ]);
  assert.deepEqual(
    (await d.store.listRuns({ repo: 'o/r' })).map((r) => r.untrusted),
    [undefined, undefined],
  );
});

test('a pull request from a fork builds as the untrusted role, and so do the followers it starts', async () => {
  const d = await deps();
  const from = sfn.commandCalls(StartExecutionCommand).length;
  const fork = { ...PULL, pr: { ...PULL.pr, fork: true } };
  const outcome = await dispatch(d, SOURCE, {
    seed: 'pr-fork',
    facts: fork,
    trigger: triggerEventOf(fork, { action: 'opened' }),
  });
  assert.equal(outcome.ok, true);
  const run = (await d.store.listRuns({ repo: 'o/r' }))[0]!;
  assert.equal(run.untrusted, true);
  // `deploy` follows `ci`: it runs the fork's commit, so it is no more trusted than the fork's run.
  await startFollowers(d, SOURCE, { ...run, status: 'succeeded' }, fork.repoUrl);
  assert.deepEqual(builds(from), [
    ['ci', UNTRUSTED],
    ['deploy', UNTRUSTED],
  ]);
  const follower = (await d.store.listRuns({ repo: 'o/r' })).find((r) => r.pipeline === 'deploy')!;
  assert.equal(follower.untrusted, true);
});
