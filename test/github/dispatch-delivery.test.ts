import { after, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mockClient } from 'aws-sdk-client-mock';
import {
  CreateStateMachineCommand,
  DescribeStateMachineCommand,
  ListStateMachineVersionsCommand,
  PublishStateMachineVersionCommand,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
  UpdateStateMachineCommand,
} from '@aws-sdk/client-sfn';
import { SfnExecutions } from '../../src/aws/sfn-executions.ts';
import { SfnStateMachineRegistry } from '../../src/aws/sfn-registry.ts';
import { consoleUrl, executionArnFor, stateMachineName } from '../../src/aws/names.ts';
import { dispatchDelivery, type DeliveryDeps } from '../../src/github/dispatch-delivery.ts';
import { slimPayload } from '../../src/github/slim-payload.ts';
import type { QueuedDelivery, RunRecord } from '../../src/core/ports.ts';
import { onExecutionStatus, type ReportDeps } from '../../src/core/report.ts';
import { cancelLeftWaiting, resumeQueues } from '../../src/core/concurrency.ts';
import { closeSharedTables, freshStore } from '../store/local-table.ts';
import { fixedRepos, recordingStatuses, REPO_FILES } from '../core/fixtures.ts';
import { examples } from './helpers.ts';
import { judgeSdkCalls } from '../aws/sdk-judge.ts';

const ARN_PREFIX = 'arn:aws:states:eu-west-1:123456789012:stateMachine:';
const sfn = mockClient(SFNClient);
judgeSdkCalls({ sfn });
const notFound = (name: string) => Object.assign(new Error(name), { name });

after(closeSharedTables);

/** Runs are ids only: the store's listing, oldest first. */
async function runIds(store: DeliveryDeps['store']): Promise<string[]> {
  return (await store.listRuns({})).map((r) => r.id).reverse();
}

const BUILD_ROLES = {
  trusted: 'arn:aws:iam::123456789012:role/steps',
  untrusted: 'arn:aws:iam::123456789012:role/untrusted-steps',
};

async function deps(files = REPO_FILES, changed?: string[]) {
  const { store } = await freshStore();
  const statuses = recordingStatuses();
  const repos = fixedRepos(files, changed);
  const d: DeliveryDeps = {
    store,
    statuses,
    repos,
    registry: new SfnStateMachineRegistry(new SFNClient({ region: 'eu-west-1' }), {
      roleArn: 'arn:aws:iam::123456789012:role/x',
      arnPrefix: ARN_PREFIX,
    }),
    executions: new SfnExecutions(new SFNClient({ region: 'eu-west-1' })),
    clock: { now: () => new Date('2026-11-27T04:00:00Z') },
    target: { tableName: 't', buildProject: 'p', artifactBucket: 'b' },
    machineName: (repo, id) => stateMachineName('sci-', repo, id),
    runUrl: (machine, runId) => consoleUrl(executionArnFor(machine, runId)),
    buildRoles: BUILD_ROLES,
  };
  return { d, store, statuses, repos };
}

function delivery(event: string, payload: Record<string, unknown>, id = 'guid-1'): QueuedDelivery {
  return {
    hookId: '1',
    deliveryId: id,
    event,
    receivedAt: '2026-11-27T04:00:00Z',
    payload: slimPayload(event, payload),
  };
}

const pushToMaster = () => examples('push').find((p) => p.ref === 'refs/heads/master')!;

/** The repository's files with `ci`'s concurrency group queueing (no cancel_in_progress). */
const QUEUE_FILES = REPO_FILES.map((f) =>
  f.path === '.sci/ci.yml'
    ? { ...f, text: f.text.replace('cancel_in_progress: true', 'cancel_in_progress: false') }
    : f,
);

/** A reporter built afresh on the dispatcher's table (a cold Lambda). */
function reporter(d: DeliveryDeps): ReportDeps {
  return {
    store: d.store,
    statuses: d.statuses,
    clock: d.clock,
    runUrl: (arn) => arn,
    startUrl: (machine, id) => consoleUrl(executionArnFor(machine, id)),
    startFollowers: async () => undefined,
    executions: new SfnExecutions(new SFNClient({ region: 'eu-west-1' })),
  };
}

/** Runs of `ci` by status, and the group item's slot. */
async function groupState(store: DeliveryDeps['store']) {
  const runs = await store.listRuns({ pipeline: 'ci', limit: 100 });
  const by = (status: string) => runs.filter((r) => r.status === status);
  return { runs, by, slot: await store.readGroup(runs[0]!.repo, 'ci-master') };
}

beforeEach(() => {
  sfn.reset();
  sfn.on(ListStateMachineVersionsCommand).resolves({ stateMachineVersions: [] });
  sfn.on(CreateStateMachineCommand).callsFake((input: { name: string }) => ({
    stateMachineArn: ARN_PREFIX + input.name,
    stateMachineVersionArn: `${ARN_PREFIX}${input.name}:1`,
  }));
  sfn.on(StartExecutionCommand).callsFake((input: { stateMachineArn: string; name: string }) => ({
    executionArn: `${input.stateMachineArn.replace(':stateMachine:', ':execution:').replace(/:\d+$/, '')}:${input.name}`,
  }));
});

describe('dispatcher', () => {
  test('a push publishes a version and starts the execution on the VERSION ARN with the contract input', async () => {
    const { d, store, statuses } = await deps();
    const outcome = await dispatchDelivery(d, delivery('push', pushToMaster()));
    assert.equal(outcome.ok, true);
    const create = sfn.commandCalls(CreateStateMachineCommand);
    assert.equal(create.length, 1);
    const machine = create[0]!.args[0].input;
    assert.equal(machine.name, stateMachineName('sci-', 'Codertocat/Hello-World', 'ci'));
    assert.ok(machine.name!.length <= 80);
    assert.equal(machine.publish, true);
    assert.match(machine.versionDescription!, /^[0-9a-f]{64}$/);
    const start = sfn.commandCalls(StartExecutionCommand);
    assert.equal(start.length, 1);
    const call = start[0]!.args[0].input;
    assert.equal(call.stateMachineArn, `${ARN_PREFIX}${machine.name}:1`);
    const input = JSON.parse(call.input!);
    assert.equal(call.name, input.run.id);
    assert.deepEqual(input.run, {
      id: input.run.id,
      pipeline: 'ci',
      repo: 'Codertocat/Hello-World',
      repoUrl: 'https://github.com/Codertocat/Hello-World.git',
      sha: '6113728f27ae82c7b1a177c8d03f9e96e0adf246',
      ref: 'refs/heads/master',
      branch: 'master',
      tag: '',
      event: 'push',
      actor: 'Codertocat',
      pr: { number: 0, base: '', fork: false },
      inputs: {},
      callees: {},
      builds: { untrusted: false, role: BUILD_ROLES.trusted, artifacts: 'runs', cache: 'cache' },
    });
    assert.deepEqual(input.steps, {});
    const run = (await store.getRun(input.run.id))!;
    assert.equal(run.run.status, 'running');
    assert.equal(run.run.definitionHash, machine.versionDescription);
    assert.deepEqual(
      run.steps.map((s) => [s.name, s.status]),
      [
        ['lint', 'pending'],
        ['test (node=20)', 'pending'],
        ['test (node=22)', 'pending'],
        ['publish', 'pending'],
      ],
    );
    assert.deepEqual(
      statuses.statuses.map((s) => [s.context, s.state]),
      [['sci/ci', 'pending']],
    );
    assert.match(statuses.statuses[0]!.targetUrl!, /console\.aws\.amazon\.com\/states\/.*execution/);
  });

  test('a retry after a crash (same delivery, cold container) reuses the version and starts no second run', async () => {
    const first = await deps();
    await dispatchDelivery(first.d, delivery('push', pushToMaster()));
    const created = sfn.commandCalls(CreateStateMachineCommand)[0]!.args[0].input;
    // The machine exists now with this very definition: the current revision is re-published (idempotent).
    sfn.on(CreateStateMachineCommand).rejects(notFound('StateMachineAlreadyExists'));
    sfn
      .on(DescribeStateMachineCommand)
      .resolves({ definition: created.definition, roleArn: created.roleArn, revisionId: 'rev-1' });
    sfn
      .on(PublishStateMachineVersionCommand)
      .resolves({ stateMachineVersionArn: `${ARN_PREFIX}${created.name}:1`, creationDate: new Date() });
    sfn.on(StartExecutionCommand).rejects(notFound('ExecutionAlreadyExists'));
    const retry = await deps();
    retry.d.store = first.store;
    const outcome = await dispatchDelivery(retry.d, delivery('push', pushToMaster()));
    assert.equal(outcome.ok, true);
    assert.equal(sfn.commandCalls(UpdateStateMachineCommand).length, 0, 'no new version');
    assert.equal(sfn.commandCalls(PublishStateMachineVersionCommand)[0]!.args[0].input.revisionId, 'rev-1');
    assert.equal((await runIds(first.store)).length, 1);
    const runId = (await runIds(first.store))[0]!;
    assert.ok(sfn.commandCalls(StartExecutionCommand).every((c) => c.args[0].input.name === runId));
  });

  test('a changed definition publishes a new version through UpdateStateMachine', async () => {
    sfn
      .on(DescribeStateMachineCommand)
      .resolves({ definition: '{"StartAt":"old"}', roleArn: 'arn:aws:iam::123456789012:role/x', revisionId: 'rev-1' });
    sfn.on(CreateStateMachineCommand).rejects(notFound('StateMachineAlreadyExists'));
    sfn.on(UpdateStateMachineCommand).resolves({ stateMachineVersionArn: `${ARN_PREFIX}x:2` });
    const { d } = await deps();
    await dispatchDelivery(d, delivery('push', pushToMaster()));
    const update = sfn.commandCalls(UpdateStateMachineCommand);
    assert.equal(update.length, 1);
    assert.equal(update[0]!.args[0].input.publish, true);
    assert.equal(sfn.commandCalls(StartExecutionCommand)[0]!.args[0].input.stateMachineArn, `${ARN_PREFIX}x:2`);
  });

  test('an invalid pipeline sets a failed status with file:line:col and runs nothing', async () => {
    const broken = [{ path: '.sci/ci.yml', text: 'steps:\n  lint:\n    rnu: npm run lint\n' }];
    const { d, statuses, store } = await deps(broken);
    const outcome = await dispatchDelivery(d, delivery('push', pushToMaster()));
    assert.deepEqual(!outcome.ok && outcome.error.kind === 'invalid' && outcome.error.problems, [
      { message: statuses.statuses[0]?.description, at: { file: '.sci/ci.yml', line: 2, col: 3 } },
    ]);
    assert.equal(sfn.calls().length, 0);
    assert.equal((await runIds(store)).length, 0);
    assert.equal(statuses.statuses.length, 1);
    assert.equal(statuses.statuses[0]!.state, 'failure');
    assert.equal(statuses.statuses[0]!.context, 'sci/ci');
    assert.match(statuses.statuses[0]!.description, /^\.sci\/ci\.yml:2:3: step .lint.: /);
  });

  test('deleted refs, [skip ci], tag pushes without a tag trigger and paths_ignore start nothing', async () => {
    const { d } = await deps();
    const deleted = examples('push').find((p) => p.deleted)!;
    assert.deepEqual(await dispatchDelivery(d, delivery('push', deleted)), {
      ok: true,
      value: { runs: [], ignored: 'refs/tags/simple-tag was deleted' },
    });
    const skip = pushToMaster();
    (skip.head_commit as { message: string }).message = 'docs [skip ci]';
    assert.deepEqual(await dispatchDelivery(d, delivery('push', skip)), { ok: true, value: { runs: [] } });
    const docsOnly = pushToMaster();
    docsOnly.created = false;
    docsOnly.commits = [{ id: 'x', message: 'm', added: ['docs/a.md'], modified: [], removed: [] }];
    assert.deepEqual(await dispatchDelivery(d, delivery('push', docsOnly)), { ok: true, value: { runs: [] } });
    assert.equal(sfn.commandCalls(StartExecutionCommand).length, 0);
  });

  test('a pull request from a fork starts with run.pr.fork = true and the PR facts', async () => {
    const pr = examples('pull_request').find((p) => p.action === 'opened')!;
    const pull = pr.pull_request as { head: { repo: { id: number; full_name: string } } };
    pull.head.repo = { ...pull.head.repo, id: 999, full_name: 'stranger/Hello-World' };
    const { d } = await deps();
    const outcome = await dispatchDelivery(d, delivery('pull_request', pr));
    assert.equal(outcome.ok, true);
    const input = JSON.parse(sfn.commandCalls(StartExecutionCommand)[0]!.args[0].input.input!);
    assert.equal(input.run.event, 'pull_request');
    assert.deepEqual(input.run.pr, { number: 2, base: 'master', fork: true });
    assert.equal(input.run.ref, 'refs/pull/2/head');
    // the dispatcher's trust decision travels with it: the untrusted role and namespace
    assert.deepEqual(input.run.builds, {
      untrusted: true,
      role: BUILD_ROLES.untrusted,
      artifacts: 'untrusted/runs',
      cache: 'untrusted/cache',
    });
  });

  test('every push and pull_request example is handled without error', async () => {
    for (const [event, list] of [
      ['push', examples('push')],
      ['pull_request', examples('pull_request')],
    ] as const) {
      for (const [i, payload] of list.entries()) {
        const { d } = await deps();
        const outcome = await dispatchDelivery(d, delivery(event, payload, `${event}-${i}`));
        assert.ok(outcome.ok, `${event} #${i}: ${JSON.stringify(outcome)}`);
      }
    }
  });

  test('cancel_in_progress stops the older execution of the group and records why', async () => {
    const { d, store } = await deps();
    await dispatchDelivery(d, delivery('push', pushToMaster(), 'older'));
    const older = (await store.listRuns({})).at(-1)!;
    d.clock = { now: () => new Date('2026-11-27T04:05:00Z') };
    await dispatchDelivery(d, delivery('push', pushToMaster(), 'newer'));
    const stop = sfn.commandCalls(StopExecutionCommand);
    assert.equal(stop.length, 1);
    assert.equal(stop[0]!.args[0].input.executionArn, older.executionArn);
    const after = (await store.getRun(older.id))!.run;
    assert.equal(after.status, 'cancelled');
    assert.match(after.reason!, /concurrency group ci-master/);
  });

  test('without cancel_in_progress a newer run waits, a third replaces it, and a cold reporter starts it when the older ends', async () => {
    const { d, store, statuses } = await deps(QUEUE_FILES);
    for (const [i, id] of ['first', 'second', 'third'].entries()) {
      d.clock = { now: () => new Date(`2026-11-27T04:0${i}:00Z`) };
      await dispatchDelivery(d, delivery('push', pushToMaster(), id));
    }
    const [first, second, third] = (await store.listRuns({ pipeline: 'ci' })).reverse() as [
      RunRecord,
      RunRecord,
      RunRecord,
    ];
    assert.deepEqual([first.status, second.status, third.status], ['running', 'cancelled', 'queued']);
    assert.equal(third.waitingFor, first.id);
    assert.match(second.reason!, new RegExp(`replaced by run ${third.id}`));
    assert.equal(sfn.commandCalls(StartExecutionCommand).length, 1);
    assert.equal(sfn.commandCalls(StopExecutionCommand).length, 0, 'a waiting run has no execution to stop');
    assert.deepEqual(
      statuses.statuses.filter((s) => s.sha === first.sha).map((s) => [s.state, s.description.split(':')[0]]),
      // first running, second waiting, third waiting (posted before it takes the waiting place), second replaced
      [
        ['pending', 'ci'],
        ['pending', 'ci'],
        ['pending', 'ci'],
        ['error', 'cancelled'],
      ],
    );
    // The queue is the table: a reporter built afresh (a cold Lambda) starts the waiting run on the older one's end.
    const report = reporter(d);
    const ended = { executionArn: first.executionArn!, name: first.id, status: 'SUCCEEDED' };
    assert.match(await onExecutionStatus(report, ended), new RegExp(`started run ${third.id}`));
    await onExecutionStatus(report, ended);
    const starts = sfn.commandCalls(StartExecutionCommand);
    assert.equal(starts.length, 2, 'a duplicate end event starts nothing more');
    assert.equal(starts[1]!.args[0].input.name, third.id);
    assert.equal(JSON.parse(starts[1]!.args[0].input.input!).run.id, third.id);
    const started = (await store.getRun(third.id))!.run;
    assert.deepEqual(
      [started.status, started.executionArn],
      [
        'running',
        starts[1]!.args[0].input.stateMachineArn!.replace(':stateMachine:', ':execution:').replace(/:\d+$/, '') +
          `:${third.id}`,
      ],
    );
  });

  test('N deliveries of one group at once, queueing: exactly one starts, one waits, the others are replaced; its end starts the waiting one', async () => {
    const { d, store, statuses } = await deps(QUEUE_FILES);
    const N = 8;
    const outcomes = await Promise.all(
      Array.from({ length: N }, (_, i) => dispatchDelivery(d, delivery('push', pushToMaster(), `burst-${i}`))),
    );
    assert.ok(outcomes.every((o) => o.ok));
    const { runs, by, slot } = await groupState(store);
    assert.equal(runs.length, N);
    assert.equal(sfn.commandCalls(StartExecutionCommand).length, 1, 'one execution for the whole group');
    const [running] = by('running');
    const [waiting] = by('queued');
    assert.deepEqual([by('running').length, by('queued').length, by('cancelled').length], [1, 1, N - 2]);
    assert.deepEqual([slot.holder, slot.waiting], [running!.id, waiting!.id]);
    assert.equal(waiting!.waitingFor, running!.id);
    for (const replaced of by('cancelled'))
      assert.match(replaced.reason!, /^replaced by run \S+ .*concurrency group ci-master/);
    // each replaced run's end is on the commit (no execution will report it)
    assert.equal(statuses.statuses.filter((s) => s.state === 'error').length, N - 2);
    const ended = { executionArn: running!.executionArn!, name: running!.id, status: 'SUCCEEDED' };
    assert.match(await onExecutionStatus(reporter(d), ended), new RegExp(`started run ${waiting!.id}`));
    assert.equal(sfn.commandCalls(StartExecutionCommand).length, 2);
    assert.equal((await store.getRun(waiting!.id))!.run.status, 'running');
    assert.deepEqual(await store.readGroup(running!.repo, 'ci-master'), {
      holder: waiting!.id,
      holderKey: slot.waitingKey,
    });
  });

  test('N deliveries of one group at once, cancel_in_progress: only the newest is left running', async () => {
    const { d, store } = await deps();
    const N = 8;
    await Promise.all(
      Array.from({ length: N }, (_, i) => dispatchDelivery(d, delivery('push', pushToMaster(), `rush-${i}`))),
    );
    const { runs, by, slot } = await groupState(store);
    const newest = runs[0]!; // newest first: by creation time, then id
    assert.deepEqual(
      by('running').map((r) => r.id),
      [newest.id],
    );
    assert.equal(by('cancelled').length, N - 1);
    assert.equal(slot.holder, newest.id);
    // every older run that had started was stopped (twice when its canceller and its starter both saw it)
    const started = sfn.commandCalls(StartExecutionCommand).map((c) => c.args[0].input.name);
    const stopped = sfn.commandCalls(StopExecutionCommand).map((c) => c.args[0].input.executionArn!.split(':').at(-1));
    assert.deepEqual(started.filter((id) => id !== newest.id).sort(), [...new Set(stopped)].sort());
  });

  test('a holder whose end was never recorded in its group (a crash) does not hold it forever', async () => {
    const { d, store } = await deps(QUEUE_FILES);
    await dispatchDelivery(d, delivery('push', pushToMaster(), 'crashed'));
    const { slot } = await groupState(store);
    // The run ended but its group item still names it (what a crash between the two writes leaves).
    await store.transitionRun(slot.holder!, 'failed', { endedAt: '2026-11-27T04:01:00Z', reason: 'abandoned' });
    await d.store.claimGroup(
      { id: slot.holder!, repo: 'Codertocat/Hello-World', group: 'ci-master', createdAt: '2026-11-27T04:00:00.000Z' },
      'free',
    );
    d.clock = { now: () => new Date('2026-11-27T04:02:00Z') };
    await dispatchDelivery(d, delivery('push', pushToMaster(), 'next'));
    const after = await groupState(store);
    assert.equal(after.by('running').length, 1);
    assert.equal(after.slot.holder, after.by('running')[0]!.id);
    assert.notEqual(after.slot.holder, slot.holder);
  });

  test('a waiting run whose holder was abandoned starts when the queues resume (sci serve restarting)', async () => {
    const { d, store } = await deps(QUEUE_FILES);
    await dispatchDelivery(d, delivery('push', pushToMaster(), 'held'));
    d.clock = { now: () => new Date('2026-11-27T04:01:00Z') };
    await dispatchDelivery(d, delivery('push', pushToMaster(), 'queued'));
    const { by } = await groupState(store);
    const [holder] = by('running');
    const [waiting] = by('queued');
    assert.equal(await store.markAbandoned(holder!.id, 'abandoned'), true);
    assert.equal(
      (await store.readGroup(holder!.repo, 'ci-master')).holder,
      waiting!.id,
      'the end handed the group over',
    );
    assert.deepEqual(await resumeQueues({ ...reporter(d) }), [waiting!.id]);
    assert.equal((await store.getRun(waiting!.id))!.run.status, 'running');
  });

  test("a run its replacer's dispatcher left waiting (it died between taking the place and the cancel) is cancelled by the next end in the group, or when the queues resume", async () => {
    for (const endBy of ['report', 'resume'] as const) {
      const { d, store, statuses } = await deps(QUEUE_FILES);
      for (const [i, id] of ['first', 'second'].entries()) {
        d.clock = { now: () => new Date(`2026-11-27T04:0${i}:00Z`) };
        await dispatchDelivery(d, delivery('push', pushToMaster(), id));
      }
      // the third arrival's dispatcher dies right after it took the waiting place from the second
      const dying = Object.create(store) as typeof store;
      dying.waitInGroup = async (...args) => {
        await store.waitInGroup(...args);
        throw new Error('dispatcher killed');
      };
      d.clock = { now: () => new Date('2026-11-27T04:02:00Z') };
      await dispatchDelivery({ ...d, store: dying }, delivery('push', pushToMaster(), 'third')).catch(() => undefined);
      const [first, second, third] = (await store.listRuns({ pipeline: 'ci' })).reverse() as [
        RunRecord,
        RunRecord,
        RunRecord,
      ];
      assert.deepEqual([first.status, second.status, third.status], ['running', 'queued', 'queued']);
      assert.equal((await store.readGroup(first.repo, 'ci-master')).waiting, third.id, 'the second is left outside');
      const later = { ...reporter(d), clock: { now: () => new Date('2026-11-27T04:05:00Z') } };
      if (endBy === 'report') {
        const ended = { executionArn: first.executionArn!, name: first.id, status: 'SUCCEEDED' };
        assert.match(await onExecutionStatus(later, ended), new RegExp(`started run ${third.id}`));
      } else assert.deepEqual(await resumeQueues(later), []);
      const left = (await store.getRun(second.id))!.run;
      assert.equal(left.status, 'cancelled', endBy);
      assert.match(left.reason!, new RegExp(`^replaced by run ${third.id} in concurrency group ci-master`));
      assert.equal(statuses.statuses.filter((s) => s.state === 'error').length, 1, 'its end is on the commit');
      assert.equal((await store.getRun(third.id))!.run.status, endBy === 'report' ? 'running' : 'queued');
    }
  });

  test('a run marked waiting moments ago is not taken for one left outside its group', async () => {
    const { d, store } = await deps(QUEUE_FILES);
    for (const [i, id] of ['first', 'second', 'third'].entries()) {
      d.clock = { now: () => new Date(`2026-11-27T04:0${i}:00Z`) };
      await dispatchDelivery(d, delivery('push', pushToMaster(), id));
    }
    const [first, , third] = (await store.listRuns({ pipeline: 'ci' })).reverse() as [RunRecord, RunRecord, RunRecord];
    // an older arrival between marking itself waiting and taking the place: within the grace it is left alone
    const late = { ...third, id: `${third.id}-early`, createdAt: '2026-11-27T04:01:30.000Z' };
    await store.createRun(late, []);
    await store.markWaiting(late.id, first.id);
    const soon = { ...reporter(d), clock: { now: () => new Date('2026-11-27T04:02:10Z') } };
    assert.deepEqual(await cancelLeftWaiting(soon, first.repo, 'ci-master'), []);
    const later = { ...reporter(d), clock: { now: () => new Date('2026-11-27T04:03:00Z') } };
    assert.deepEqual(await cancelLeftWaiting(later, first.repo, 'ci-master'), [late.id]);
  });

  test('a tag push calls the deploy pipeline: its version ARN goes into run.callees', async () => {
    const tag = examples('push').find((p) => p.ref === 'refs/tags/simple-tag' && !p.deleted)!;
    tag.ref = 'refs/tags/v1.0.0';
    const { d } = await deps();
    const outcome = await dispatchDelivery(d, delivery('push', tag));
    assert.equal(outcome.ok, true);
    const names = sfn.commandCalls(CreateStateMachineCommand).map((c) => c.args[0].input.name);
    assert.deepEqual(names, [
      stateMachineName('sci-', 'Codertocat/Hello-World', 'deploy'),
      stateMachineName('sci-', 'Codertocat/Hello-World', 'release'),
    ]);
    const input = JSON.parse(sfn.commandCalls(StartExecutionCommand)[0]!.args[0].input.input!);
    assert.deepEqual(Object.values(input.run.callees), [`${ARN_PREFIX}${names[0]}:1`]);
    assert.equal(input.run.tag, 'v1.0.0');
    const child = (await d.store.getRun(`${input.run.id}.deploy`))!;
    assert.deepEqual(
      [child.run.pipeline, child.run.status, child.run.parentRunId, child.run.event],
      ['deploy', 'queued', input.run.id, 'pipeline'],
    );
    assert.deepEqual(
      child.steps.map((s) => [s.key, s.status]),
      [['ship', 'pending']],
    );
  });
});

describe('inputs on events other than manual', () => {
  test('a required manual input does not stop a push: it gets its empty value', async () => {
    const files = [
      {
        path: '.sci/ci.yml',
        text: 'on:\n  push: {}\n  manual:\n    inputs:\n      version: { type: string, required: true }\n      dry: { type: boolean, default: true }\nsteps:\n  a:\n    run: echo\n',
      },
    ];
    const { d } = await deps(files);
    const outcome = await dispatchDelivery(d, delivery('push', pushToMaster(), 'inputs-1'));
    assert.equal(outcome.ok, true);
    const input = JSON.parse(sfn.commandCalls(StartExecutionCommand)[0]!.args[0].input.input!);
    assert.deepEqual(input.run.inputs, { version: '', dry: true });
  });
});

describe('a late redelivery', () => {
  test('after the run ended, the same delivery posts no status and starts nothing', async () => {
    const { d, store, statuses } = await deps();
    await dispatchDelivery(d, delivery('push', pushToMaster(), 'late'));
    const runId = (await runIds(store))[0]!;
    await store.transitionRun(runId, 'succeeded');
    const before = { statuses: statuses.statuses.length, starts: sfn.commandCalls(StartExecutionCommand).length };
    await dispatchDelivery(d, delivery('push', pushToMaster(), 'late'));
    assert.deepEqual(
      { statuses: statuses.statuses.length, starts: sfn.commandCalls(StartExecutionCommand).length },
      before,
    );
    assert.equal((await store.getRun(runId))!.run.status, 'succeeded');
  });

  test('the pending status is posted before the start and links the execution to be', async () => {
    const { d, statuses } = await deps();
    sfn.on(StartExecutionCommand).rejects(new Error('throttled for good'));
    await assert.rejects(dispatchDelivery(d, delivery('push', pushToMaster(), 'early')), /throttled/);
    assert.deepEqual(
      statuses.statuses.map((s) => s.state),
      ['pending', 'failure'],
      'a run that could not start ends as failed, on the commit too',
    );
    assert.match(statuses.statuses[0]!.targetUrl!, /:execution:sci-[0-9a-f]{10}-ci:[0-9A-Z]{26}$/);
  });
});
