import { beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateScheduleCommand,
  DeleteScheduleCommand,
  ListSchedulesCommand,
  SchedulerClient,
  UpdateScheduleCommand,
} from '@aws-sdk/client-scheduler';
import { EventBridgeScheduler } from '../../src/aws/scheduler.ts';
import { scheduleName, schedulePrefix } from '../../src/aws/names.ts';
import { desiredSchedules, syncSchedules, toEventBridgeCron } from '../../src/core/schedules.ts';
import { validPipelines } from '../../src/core/pipelines.ts';
import { REPO_FILES } from './fixtures.ts';
import { judgeSdkCalls } from '../aws/sdk-judge.ts';
import { mockInstance } from '../mock-instance.ts';

const client = new SchedulerClient({ region: 'eu-west-1' });
const scheduler = mockInstance(client);
judgeSdkCalls({ scheduler });
const options = {
  group: 'sci',
  targetArn: 'arn:aws:lambda:eu-west-1:1:function:scheduled',
  roleArn: 'arn:aws:iam::1:role/scheduler',
};

describe('schedules', () => {
  beforeEach(() => scheduler.reset());

  const crons: Array<[string, string]> = [
    ['0 3 * * 1-5', 'cron(0 3 ? * 2-6 *)'],
    ['*/15 * * * *', 'cron(0/15 * * * ? *)'],
    ['0 */2 */3 * *', 'cron(0 0/2 1/3 * ? *)'],
    ['0 0 1 * *', 'cron(0 0 1 * ? *)'],
    ['30 6 * * 0,6', 'cron(30 6 ? * 1,7 *)'],
    ['0 12 * * 7', 'cron(0 12 ? * 1 *)'],
    ['0 12 * * MON-FRI', 'cron(0 12 ? * MON-FRI *)'],
  ];
  for (const [cron, expected] of crons)
    test(`${cron} → ${expected}`, () => assert.equal(toEventBridgeCron(cron), expected));

  test('a cron with both day fields cannot be expressed and says so', () => {
    assert.throws(() => toEventBridgeCron('0 0 1 * 1'), /cannot combine/);
  });

  test('sync creates the wanted schedule, updates on conflict and deletes the stale one', async () => {
    const pipelines = validPipelines(REPO_FILES)!;
    const { schedules: desired, problems } = desiredSchedules('o/r', 'main', pipelines, (id, cron) =>
      scheduleName('sci-', 'o/r', id, cron),
    );
    assert.equal(desired.length, 1);
    assert.deepEqual(problems, []);
    const stale = scheduleName('sci-', 'o/r', 'old', '0 1 * * *');
    scheduler.on(ListSchedulesCommand).resolves({ Schedules: [{ Name: stale }, { Name: desired[0]!.name }] });
    scheduler.on(CreateScheduleCommand).rejects(Object.assign(new Error('exists'), { name: 'ConflictException' }));
    scheduler.on(UpdateScheduleCommand).resolves({});
    scheduler.on(DeleteScheduleCommand).resolves({});
    const result = await syncSchedules(
      new EventBridgeScheduler(client, options),
      schedulePrefix('sci-', 'o/r'),
      desired,
    );
    assert.deepEqual(result.removed, [stale]);
    assert.equal(
      scheduler.commandCalls(ListSchedulesCommand)[0]!.args[0].input.NamePrefix,
      schedulePrefix('sci-', 'o/r'),
    );
    const update = scheduler.commandCalls(UpdateScheduleCommand)[0]!.args[0].input;
    assert.equal(update.Name, desired[0]!.name);
    assert.equal(update.GroupName, 'sci');
    assert.equal(update.ScheduleExpression, 'cron(0 3 ? * 2-6 *)');
    assert.equal(update.ScheduleExpressionTimezone, 'UTC');
    assert.deepEqual(JSON.parse(update.Target!.Input!), {
      repo: 'o/r',
      pipeline: 'release',
      branch: 'main',
      cron: '0 3 * * 1-5',
      invocation: '<aws.scheduler.execution-id>',
      scheduledTime: '<aws.scheduler.scheduled-time>',
    });
    assert.equal(update.Target!.Arn, options.targetArn);
    assert.deepEqual(
      scheduler.commandCalls(DeleteScheduleCommand).map((c) => c.args[0].input),
      [{ Name: stale, GroupName: 'sci' }],
    );
    assert.ok(desired[0]!.name.length <= 64);
  });
});
