/**
 * The events that drive the reporter: Step Functions execution status changes of `sci-*` state
 * machines and CodeBuild build state changes of the step project. Events EventBridge cannot
 * deliver are retried, then kept in the failed-events queue instead of being dropped.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import { Rule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { STATE_MACHINE_PREFIX } from './arns.ts';

export interface ReporterEventsProps {
  reporter: IFunction;
  projectName: string;
  /** Where undeliverable events go (shared with the reporter's own async failures). */
  failedEvents: IQueue;
}

/** The two rules targeting the reporter. */
export class ReporterEvents extends Construct {
  readonly executionRule: Rule;
  readonly buildRule: Rule;

  constructor(scope: Construct, id: string, props: ReporterEventsProps) {
    super(scope, id);
    const target = new LambdaFunction(props.reporter, {
      deadLetterQueue: props.failedEvents,
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
          stateMachineArn: [
            {
              prefix: `arn:${stack.partition}:states:${stack.region}:${stack.account}:stateMachine:${STATE_MACHINE_PREFIX}`,
            },
          ],
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
