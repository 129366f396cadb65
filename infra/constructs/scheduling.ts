/**
 * The EventBridge Scheduler group that holds one schedule per pipeline cron (kept in sync by
 * the `schedule-sync` Lambda) and the role those schedules run as.
 */
import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { ScheduleGroup } from 'aws-cdk-lib/aws-scheduler';
import { Construct } from 'constructs';

/** The schedule group and the role its schedules assume to invoke the `scheduled` Lambda. */
export class Scheduling extends Construct {
  readonly group: ScheduleGroup;
  readonly role: Role;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    // Schedules are derived from the pipeline files (re-synced on push): they go with the stack.
    this.group = new ScheduleGroup(this, 'Group', { removalPolicy: RemovalPolicy.DESTROY });
    this.role = new Role(this, 'Role', {
      description: 'serverless-ci schedules: invoke the scheduled-run Lambda',
      // Only schedules of this group in this account may assume it (confused-deputy guard).
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
        conditions: {
          StringEquals: { 'aws:SourceAccount': Stack.of(this).account },
          ArnEquals: { 'aws:SourceArn': this.group.scheduleGroupArn },
        },
      }),
    });
  }

  /** Lets the schedules invoke `target` (and nothing else). */
  allowInvoke(target: IFunction): void {
    this.role.addToPolicy(
      new PolicyStatement({
        sid: 'InvokeScheduledRun',
        actions: ['lambda:InvokeFunction'],
        resources: [target.functionArn],
      }),
    );
  }
}
