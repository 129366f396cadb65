/**
 * The events that drive the reporter: Step Functions execution status changes of `sci-*` state
 * machines and CodeBuild build state changes of the step project. Failed deliveries are retried
 * by EventBridge, then kept in a dead-letter queue instead of being dropped.
 */
import { Duration } from 'aws-cdk-lib';
import { Rule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { STATE_MACHINE_PREFIX } from './arns.ts';
import { acknowledge } from './nag.ts';
import { Stack } from 'aws-cdk-lib';

export interface ReporterEventsProps {
  reporter: IFunction;
  projectName: string;
}

/** The two rules targeting the reporter, and their shared dead-letter queue. */
export class ReporterEvents extends Construct {
  readonly executionRule: Rule;
  readonly buildRule: Rule;
  readonly deadLetterQueue: Queue;

  constructor(scope: Construct, id: string, props: ReporterEventsProps) {
    super(scope, id);
    this.deadLetterQueue = new Queue(this, 'Dlq', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    acknowledge(this.deadLetterQueue, 'AwsSolutions-SQS3', 'This queue is the dead-letter queue of the reporter event targets.');
    const target = new LambdaFunction(props.reporter, {
      deadLetterQueue: this.deadLetterQueue,
      retryAttempts: 8,
      maxEventAge: Duration.hours(2),
    });
    const stack = Stack.of(this);
    this.executionRule = new Rule(this, 'ExecutionStatus', {
      description: 'serverless-ci: sci-* execution status changes -> reporter',
      eventPattern: {
        source: ['aws.states'],
        detailType: ['Step Functions Execution Status Change'],
        detail: {
          stateMachineArn: [{ prefix: `arn:${stack.partition}:states:${stack.region}:${stack.account}:stateMachine:${STATE_MACHINE_PREFIX}` }],
        },
      },
      targets: [target],
    });
    this.buildRule = new Rule(this, 'BuildState', {
      description: 'serverless-ci: step build state changes -> reporter',
      eventPattern: {
        source: ['aws.codebuild'],
        detailType: ['CodeBuild Build State Change'],
        detail: { 'project-name': [props.projectName] },
      },
      targets: [target],
    });
  }
}
