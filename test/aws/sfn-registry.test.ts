/**
 * Published versions on mocked Step Functions (aws-sdk-client-mock): a new pipeline never depends
 * on ListStateMachineVersions' errors, an unchanged one costs no DescribeStateMachine per version,
 * and old versions are pruned to a bound, never one a running execution uses.
 */
import { beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mockClient } from 'aws-sdk-client-mock';
import {
  CreateStateMachineCommand,
  DeleteStateMachineVersionCommand,
  DescribeStateMachineCommand,
  ListExecutionsCommand,
  ListStateMachineVersionsCommand,
  PublishStateMachineVersionCommand,
  SFNClient,
  UpdateStateMachineCommand,
} from '@aws-sdk/client-sfn';
import { SfnStateMachineRegistry, VERSION_LIMITS } from '../../src/aws/sfn-registry.ts';

const PREFIX = 'arn:aws:states:eu-west-1:123456789012:stateMachine:';
const ROLE = 'arn:aws:iam::123456789012:role/exec';
const NOW = Date.parse('2026-11-28T12:00:00Z');
const sfn = mockClient(SFNClient);
const named = (name: string) => Object.assign(new Error(name), { name });
const spec = (definition = '{"StartAt":"a"}', hash = 'a'.repeat(64)) => ({ name: 'sci-0a1b2c3d-ci', definition, hash });
const registry = () =>
  new SfnStateMachineRegistry(new SFNClient({ region: 'eu-west-1' }), {
    roleArn: ROLE,
    arnPrefix: PREFIX,
    now: () => NOW,
  });

/** `count` versions, newest first, one hour apart and older than the minimum age. */
function versions(count: number) {
  return Array.from({ length: count }, (_, i) => ({
    stateMachineVersionArn: `${PREFIX}sci-0a1b2c3d-ci:${count - i}`,
    creationDate: new Date(NOW - VERSION_LIMITS.minAgeMs - (i + 1) * 3_600_000),
  }));
}

beforeEach(() => {
  sfn.reset();
  sfn.on(ListStateMachineVersionsCommand).resolves({ stateMachineVersions: [] });
  sfn.on(ListExecutionsCommand).resolves({ executions: [] });
});

describe('state machine versions', () => {
  test('a new pipeline: one CreateStateMachine publishing the first version, nothing listed before', async () => {
    sfn.on(CreateStateMachineCommand).resolves({
      stateMachineArn: `${PREFIX}sci-0a1b2c3d-ci`,
      stateMachineVersionArn: `${PREFIX}sci-0a1b2c3d-ci:1`,
      creationDate: new Date(),
    });
    assert.equal(await registry().ensureVersion(spec()), `${PREFIX}sci-0a1b2c3d-ci:1`);
    const calls = sfn.calls().map((c) => c.args[0].constructor.name);
    assert.equal(
      calls[0],
      'CreateStateMachineCommand',
      'no ListStateMachineVersions (and its undocumented errors) before the create',
    );
    const input = sfn.commandCalls(CreateStateMachineCommand)[0]!.args[0].input;
    assert.deepEqual([input.publish, input.versionDescription, input.roleArn], [true, 'a'.repeat(64), ROLE]);
  });

  test('an unchanged pipeline re-publishes its current revision: three calls however many versions exist', async () => {
    sfn.on(CreateStateMachineCommand).rejects(named('StateMachineAlreadyExists'));
    sfn.on(DescribeStateMachineCommand).resolves({ definition: '{"StartAt":"a"}', roleArn: ROLE, revisionId: 'rev-9' });
    sfn
      .on(PublishStateMachineVersionCommand)
      .resolves({ stateMachineVersionArn: `${PREFIX}sci-0a1b2c3d-ci:9`, creationDate: new Date() });
    sfn.on(ListStateMachineVersionsCommand).resolves({ stateMachineVersions: versions(500) });
    const r = registry();
    assert.equal(await r.ensureVersion(spec()), `${PREFIX}sci-0a1b2c3d-ci:9`);
    assert.deepEqual(
      sfn.calls().map((c) => c.args[0].constructor.name),
      ['CreateStateMachineCommand', 'DescribeStateMachineCommand', 'PublishStateMachineVersionCommand'],
    );
    assert.equal(
      sfn.commandCalls(DescribeStateMachineCommand)[0]!.args[0].input.stateMachineArn,
      `${PREFIX}sci-0a1b2c3d-ci`,
      'the machine, not a version',
    );
    assert.equal(sfn.commandCalls(PublishStateMachineVersionCommand)[0]!.args[0].input.revisionId, 'rev-9');
    // The same container asks again: no call at all.
    await r.ensureVersion(spec());
    assert.equal(sfn.calls().length, 3);
  });

  test('a changed pipeline is updated and published; the old versions beyond the bound are deleted', async () => {
    sfn.on(CreateStateMachineCommand).rejects(named('StateMachineAlreadyExists'));
    sfn
      .on(DescribeStateMachineCommand)
      .resolves({ definition: '{"StartAt":"old"}', roleArn: ROLE, revisionId: 'rev-1' });
    sfn
      .on(UpdateStateMachineCommand)
      .resolves({ stateMachineVersionArn: `${PREFIX}sci-0a1b2c3d-ci:106`, updateDate: new Date() });
    sfn.on(ListStateMachineVersionsCommand).resolves({ stateMachineVersions: versions(VERSION_LIMITS.keep + 5) });
    // Version 2 still has a running execution.
    sfn.on(ListExecutionsCommand, { stateMachineArn: `${PREFIX}sci-0a1b2c3d-ci:2` }).resolves({
      executions: [{ executionArn: 'x', stateMachineArn: 'y', name: 'run', status: 'RUNNING', startDate: new Date() }],
    });
    assert.equal(await registry().ensureVersion(spec()), `${PREFIX}sci-0a1b2c3d-ci:106`);
    const update = sfn.commandCalls(UpdateStateMachineCommand)[0]!.args[0].input;
    assert.deepEqual([update.publish, update.versionDescription], [true, 'a'.repeat(64)]);
    const deleted = sfn
      .commandCalls(DeleteStateMachineVersionCommand)
      .map((c) => c.args[0].input.stateMachineVersionArn!.split(':').at(-1));
    assert.deepEqual(deleted, ['1', '3', '4', '5'], 'the five oldest beyond the newest 100, except the one in use');
    for (const call of sfn.commandCalls(ListExecutionsCommand))
      assert.equal(call.args[0].input.statusFilter, 'RUNNING');
  });

  test('young versions are kept (ListExecutions is eventually consistent), and at most a few are deleted per publish', async () => {
    sfn.on(CreateStateMachineCommand).resolves({
      stateMachineArn: `${PREFIX}sci-0a1b2c3d-ci`,
      stateMachineVersionArn: `${PREFIX}sci-0a1b2c3d-ci:400`,
      creationDate: new Date(),
    });
    const young = versions(VERSION_LIMITS.keep + 3).map((v) => ({ ...v, creationDate: new Date(NOW - 60_000) }));
    sfn.on(ListStateMachineVersionsCommand).resolves({ stateMachineVersions: young });
    await registry().ensureVersion(spec());
    assert.equal(sfn.commandCalls(DeleteStateMachineVersionCommand).length, 0);
    sfn.on(ListStateMachineVersionsCommand).resolves({ stateMachineVersions: versions(VERSION_LIMITS.keep + 50) });
    await registry().ensureVersion(spec('{"StartAt":"b"}', 'b'.repeat(64)));
    assert.equal(sfn.commandCalls(DeleteStateMachineVersionCommand).length, VERSION_LIMITS.deletePerPublish);
  });

  test('a failure while pruning never fails the dispatch', async () => {
    sfn.on(CreateStateMachineCommand).resolves({
      stateMachineArn: `${PREFIX}sci-0a1b2c3d-ci`,
      stateMachineVersionArn: `${PREFIX}sci-0a1b2c3d-ci:1`,
      creationDate: new Date(),
    });
    sfn.on(ListStateMachineVersionsCommand).rejects(named('ThrottlingException'));
    assert.equal(await registry().ensureVersion(spec()), `${PREFIX}sci-0a1b2c3d-ci:1`);
  });

  test('the 1000-version quota is far above the bound', () => {
    assert.ok(VERSION_LIMITS.keep + VERSION_LIMITS.deletePerPublish < 1000);
  });
});
