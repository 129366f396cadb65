/**
 * The role every pipeline state machine runs as. The dispatcher creates those state machines
 * at run time and passes this role; it may do exactly what the task resources of
 * architecture.md ("Task resources the definitions use") need, on serverless-ci's own resources.
 */
import { Stack } from 'aws-cdk-lib';
import { type IRole, PolicyDocument, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { executionsArn, lambdaFunctionArn, managedRuleArn, stateMachinesArn } from './arns.ts';
import { acknowledgeWildcards } from './nag.ts';
import { rolloutStatements } from './rollout-grants.ts';
import type { RolloutTargets } from '../config.ts';

export interface ExecutionRoleProps {
  /** The run store (only its ARN is used). */
  table: { readonly tableArn: string };
  /** The step project's ARN. */
  projectArn: string;
  /** What `rollout:` steps may act on. @default nothing */
  rolloutTargets?: RolloutTargets;
  /** The service roles builds run as (`ServiceRoleOverride`): trusted and untrusted. */
  buildRoles: IRole[];
}

/**
 * Managed rules Step Functions maintains for `codebuild:startBuild.sync` and `states:startExecution.sync`.
 * Note the singular "Event" of the CodeBuild rule: that is its real name (aws-cdk-lib's CodeBuildStartBuild
 * grants the same, and test/infra/iam-task-grants.test.ts checks ours against it).
 */
export const SYNC_RULES = [
  'StepFunctionsGetEventForCodeBuildStartBuildRule',
  'StepFunctionsGetEventsForStepFunctionsExecutionRule',
] as const;

/** The Step Functions execution role for `sci-*` state machines. */
export class ExecutionRole extends Construct {
  readonly role: Role;

  constructor(scope: Construct, id: string, props: ExecutionRoleProps) {
    super(scope, id);
    this.role = new Role(this, 'Role', {
      description: 'serverless-ci pipeline state machines (sci-*): step builds, run store, child pipelines, DAG gates',
      // Only our own account's sci-* state machines may assume it (confused-deputy guard).
      assumedBy: new ServicePrincipal('states.amazonaws.com', {
        conditions: {
          StringEquals: { 'aws:SourceAccount': Stack.of(this).account },
          ArnLike: { 'aws:SourceArn': stateMachinesArn(this) },
        },
      }),
      inlinePolicies: { Pipeline: this.policy(props) },
    });
    acknowledgeWildcards(this.role, [
      {
        resource: stateMachinesArn(this),
        reason:
          'Pipelines start child pipelines, sci-* state machines which the dispatcher creates at run time (one per pipeline).',
      },
      {
        resource: executionsArn(this),
        reason: 'Child pipeline executions of sci-* state machines are named at run time.',
      },
      {
        resource: '*',
        reason:
          'states:SendTaskSuccess has no resource-level permissions (Service Authorization Reference); gates release only task tokens their own execution read from the run store. cloudwatch:GetMetricData has none either; rollouts read the metrics of their candidates with it.',
      },
      ...(props.rolloutTargets?.functions ?? []).map((f) => ({
        resource: `${lambdaFunctionArn(this, f)}:*`,
        reason:
          'GetAlias/UpdateAlias on a function the deployment names for rollouts: an alias is a qualified ARN of the function.',
      })),
    ]);
  }

  private policy(props: ExecutionRoleProps): PolicyDocument {
    return new PolicyDocument({
      statements: [
        new PolicyStatement({
          sid: 'StepBuilds',
          actions: ['codebuild:StartBuild', 'codebuild:StopBuild', 'codebuild:BatchGetBuilds'],
          resources: [props.projectArn],
        }),
        // Naming a build's role (ServiceRoleOverride) passes it to CodeBuild: only these two roles.
        new PolicyStatement({
          sid: 'PassBuildRoles',
          actions: ['iam:PassRole'],
          resources: props.buildRoles.map((role) => role.roleArn),
          conditions: { StringEquals: { 'iam:PassedToService': 'codebuild.amazonaws.com' } },
        }),
        new PolicyStatement({
          sid: 'SyncIntegrationRules',
          actions: ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'],
          resources: SYNC_RULES.map((rule) => managedRuleArn(this, rule)),
        }),
        new PolicyStatement({
          sid: 'RunStore',
          actions: ['dynamodb:UpdateItem', 'dynamodb:GetItem'],
          resources: [props.table.tableArn],
        }),
        new PolicyStatement({
          sid: 'ChildPipelines',
          actions: ['states:StartExecution'],
          resources: [stateMachinesArn(this)],
        }),
        new PolicyStatement({
          sid: 'GateReleases',
          actions: ['states:SendTaskSuccess'],
          resources: ['*'],
        }),
        new PolicyStatement({
          sid: 'ChildExecutions',
          actions: ['states:DescribeExecution', 'states:StopExecution'],
          resources: [executionsArn(this)],
        }),
        ...rolloutStatements(this, props.rolloutTargets),
      ],
    });
  }
}
