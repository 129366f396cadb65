import {
  CreateScheduleCommand,
  DeleteScheduleCommand,
  ListSchedulesCommand,
  UpdateScheduleCommand,
  type SchedulerClient,
} from '@aws-sdk/client-scheduler';
import type { ScheduleSpec, Scheduler } from '../core/ports.ts';
import { errorName } from './client-config.ts';

/** EventBridge Scheduler schedules in one group, each targeting the `scheduled` Lambda. */
export class EventBridgeScheduler implements Scheduler {
  constructor(
    private readonly client: SchedulerClient,
    private readonly options: { group: string; targetArn: string; roleArn: string },
  ) {}

  async list(prefix: string): Promise<string[]> {
    const names: string[] = [];
    let NextToken: string | undefined;
    do {
      const page = await this.client.send(
        new ListSchedulesCommand({
          GroupName: this.options.group,
          NamePrefix: prefix,
          ...(NextToken ? { NextToken } : {}),
        }),
      );
      for (const s of page.Schedules ?? []) if (s.Name) names.push(s.Name);
      NextToken = page.NextToken;
    } while (NextToken);
    return names.sort();
  }

  async upsert(schedule: ScheduleSpec): Promise<void> {
    const body = {
      Name: schedule.name,
      GroupName: this.options.group,
      ScheduleExpression: schedule.expression,
      ScheduleExpressionTimezone: 'UTC',
      FlexibleTimeWindow: { Mode: 'OFF' as const },
      State: 'ENABLED' as const,
      Target: {
        Arn: this.options.targetArn,
        RoleArn: this.options.roleArn,
        // Scheduler substitutes these context attributes; the execution id seeds the run id.
        Input: JSON.stringify({
          ...schedule.target,
          invocation: '<aws.scheduler.execution-id>',
          scheduledTime: '<aws.scheduler.scheduled-time>',
        }),
      },
    };
    try {
      await this.client.send(new CreateScheduleCommand(body));
    } catch (error) {
      if (errorName(error) !== 'ConflictException') throw error;
      await this.client.send(new UpdateScheduleCommand(body));
    }
  }

  async remove(name: string): Promise<void> {
    try {
      await this.client.send(new DeleteScheduleCommand({ Name: name, GroupName: this.options.group }));
    } catch (error) {
      if (errorName(error) !== 'ResourceNotFoundException') throw error;
    }
  }
}
