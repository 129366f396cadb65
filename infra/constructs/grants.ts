/**
 * The permissions the Lambdas need, one function per capability, each scoped to serverless-ci's
 * own resources (and name prefixes for what is created at run time). The list of SDK calls
 * behind each capability is in src/aws/ (the only SDK importers).
 */
import { Stack } from 'aws-cdk-lib';
import type { TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { type IRole, PolicyStatement, type Role } from 'aws-cdk-lib/aws-iam';
import type { ScheduleGroup } from 'aws-cdk-lib/aws-scheduler';
import { RUN_TABLE } from '../../src/store/table.ts';
import { DELIVERY_PREFIX } from '../../statemachines/lifecycle.ts';
import { executionsArn, STATE_MACHINE_PREFIX, stateMachinesArn } from './arns.ts';
import { acknowledgeWildcards } from './nag.ts';

/** Partition key prefix of delivery items (`deliveryPk` in statemachines/lifecycle.ts). */
export const DELIVERY_KEY_PREFIX = DELIVERY_PREFIX;

/** Table and index ARNs, each index by name (src/store/table.ts), so no wildcard. */
function tableResources(table: TableV2): string[] {
  return [table.tableArn, ...RUN_TABLE.indexes.map((index) => `${table.tableArn}/index/${index.name}`)];
}

/**
 * What the Lambdas do with the run store (src/store/): conditional puts and updates, reads and
 * index queries, batched writes of a new run's steps, and the deletes of a redriven run's DAG gates
 * (the reporter reopens a run whose execution was redriven: src/store/reopen-run.ts). No Scan: only
 * the local CLI lists runs without a repository.
 */
export function grantRunStore(role: Role, table: TableV2): void {
  role.addToPolicy(
    new PolicyStatement({
      sid: 'RunStore',
      actions: [
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
        'dynamodb:Query',
        'dynamodb:BatchWriteItem',
        'dynamodb:DeleteItem',
      ],
      resources: tableResources(table),
    }),
  );
}

/** The webhook only records deliveries: conditional puts of `DELIVERY#…` items, nothing else. */
export function grantDeliveryLog(role: Role, table: TableV2): void {
  role.addToPolicy(
    new PolicyStatement({
      sid: 'DeliveryLog',
      actions: ['dynamodb:PutItem'],
      resources: [table.tableArn],
      conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${DELIVERY_KEY_PREFIX}*`] } },
    }),
  );
}

/** Create/update the `sci-*` state machines, publish and prune versions, start and stop their runs. */
export function grantPipelineDeployment(role: Role, executionRole: IRole): void {
  role.addToPolicy(
    new PolicyStatement({
      sid: 'PipelineStateMachines',
      actions: [
        'states:CreateStateMachine',
        'states:UpdateStateMachine',
        'states:PublishStateMachineVersion',
        'states:DescribeStateMachine',
        'states:ListStateMachineVersions',
        // Pruning old versions (src/aws/sfn-registry.ts): only those no execution runs on.
        'states:ListExecutions',
        'states:DeleteStateMachineVersion',
        'states:StartExecution',
      ],
      resources: [stateMachinesArn(role)],
    }),
  );
  grantExecutionControl(role);
  role.addToPolicy(
    new PolicyStatement({
      sid: 'PassExecutionRole',
      actions: ['iam:PassRole'],
      resources: [executionRole.roleArn],
      conditions: { StringEquals: { 'iam:PassedToService': 'states.amazonaws.com' } },
    }),
  );
  acknowledgeWildcards(role, [
    {
      resource: stateMachinesArn(role),
      reason: `One state machine per pipeline, created at run time; names are ${STATE_MACHINE_PREFIX}<repo hash>-<pipeline>, so only the prefix is known.`,
    },
  ]);
}

/** Stop and describe runs of `sci-*` state machines (cancel, concurrency groups). */
export function grantExecutionControl(role: Role): void {
  role.addToPolicy(
    new PolicyStatement({
      sid: 'PipelineExecutions',
      actions: ['states:StopExecution', 'states:DescribeExecution'],
      resources: [executionsArn(role)],
    }),
  );
  acknowledgeWildcards(role, [
    {
      resource: executionsArn(role),
      reason: 'Executions are named by run id at run time, on sci-* state machines only.',
    },
  ]);
}

/** Redrive failed runs of `sci-*` state machines (`POST /runs/{id}/redrive`): the api only. */
export function grantExecutionRedrive(role: Role): void {
  role.addToPolicy(
    new PolicyStatement({ sid: 'RedriveRuns', actions: ['states:RedriveExecution'], resources: [executionsArn(role)] }),
  );
}

/**
 * Approve or reject a waiting approval. SendTaskSuccess/Failure have no resource-level permissions
 * (docs/aws-review.md): a statement naming state machines would never match, so the grant is on
 * "*", and the api only answers tokens it read from a waiting step of the run store.
 */
export function grantTaskTokens(role: Role): void {
  role.addToPolicy(
    new PolicyStatement({
      sid: 'Approvals',
      actions: ['states:SendTaskSuccess', 'states:SendTaskFailure'],
      resources: ['*'],
    }),
  );
  acknowledgeWildcards(role, [
    {
      resource: '*',
      reason:
        'states:SendTaskSuccess/SendTaskFailure support no resource-level permissions; the api answers only task tokens read from waiting approval steps.',
    },
  ]);
}

/** Keep one schedule per pipeline cron in the serverless-ci group, running as `scheduleRole`. */
export function grantScheduleSync(role: Role, group: ScheduleGroup, scheduleRole: IRole): void {
  const schedules = Stack.of(role).formatArn({
    service: 'scheduler',
    resource: 'schedule',
    resourceName: `${group.scheduleGroupName}/${STATE_MACHINE_PREFIX}*`,
  });
  role.addToPolicy(
    new PolicyStatement({
      sid: 'Schedules',
      actions: ['scheduler:CreateSchedule', 'scheduler:UpdateSchedule', 'scheduler:DeleteSchedule'],
      resources: [schedules],
    }),
  );
  role.addToPolicy(
    new PolicyStatement({ sid: 'ListSchedules', actions: ['scheduler:ListSchedules'], resources: ['*'] }),
  );
  role.addToPolicy(
    new PolicyStatement({
      sid: 'PassScheduleRole',
      actions: ['iam:PassRole'],
      resources: [scheduleRole.roleArn],
      conditions: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
    }),
  );
  acknowledgeWildcards(role, [
    {
      resource: schedules,
      reason: 'Schedules are named per repository, pipeline and cron at run time, inside the serverless-ci group only.',
    },
    {
      resource: '*',
      reason:
        'scheduler:ListSchedules supports no resource-level permissions; it only lists names (filtered by group in the call).',
    },
  ]);
}
