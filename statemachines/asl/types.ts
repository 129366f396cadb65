/**
 * The subset of the Amazon States Language (JSONPath flavour) the compiler emits.
 * Plain JSON-serialisable data; `render.ts` turns it into deterministic text.
 */

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** A Choice rule without `Next`: a data test or a boolean combination. */
export type ChoiceRule =
  | { And: ChoiceRule[] }
  | { Or: ChoiceRule[] }
  | { Not: ChoiceRule }
  | ({ Variable: string } & Record<string, Json>);

export interface Retrier {
  ErrorEquals: string[];
  IntervalSeconds?: number;
  MaxAttempts: number;
  BackoffRate?: number;
  MaxDelaySeconds?: number;
  JitterStrategy?: 'FULL' | 'NONE';
}

export interface Catcher {
  ErrorEquals: string[];
  Next: string;
  ResultPath?: string | null;
}

interface Flow {
  Next?: string;
  End?: true;
}

export interface TaskState extends Flow {
  Type: 'Task';
  Comment?: string;
  Resource: string;
  Parameters?: Record<string, Json>;
  ResultSelector?: Record<string, Json>;
  ResultPath?: string | null;
  OutputPath?: string;
  /** Always set: Step Functions' own default is a year, aws-local-stepfunctions' is 60 s. */
  TimeoutSeconds: number;
  Retry?: Retrier[];
  Catch?: Catcher[];
}

export interface PassState extends Flow {
  Type: 'Pass';
  Comment?: string;
  InputPath?: string;
  Result?: Json;
  Parameters?: Record<string, Json>;
  ResultPath?: string | null;
  OutputPath?: string;
}

export interface ChoiceState {
  Type: 'Choice';
  Comment?: string;
  Choices: Array<ChoiceRule & { Next: string }>;
  /** Absent: no rule matching fails the state with `States.NoChoiceMatched` (the run's `run failed`). */
  Default?: string;
}

export interface ParallelState extends Flow {
  Type: 'Parallel';
  Comment?: string;
  Branches: StateMachine[];
  ResultSelector?: Record<string, Json>;
  ResultPath?: string | null;
}

export interface MapState extends Flow {
  Type: 'Map';
  Comment?: string;
  ItemsPath: string;
  ItemProcessor: StateMachine & { ProcessorConfig: { Mode: 'INLINE' } };
  ResultPath?: string | null;
}

export interface WaitState extends Flow {
  Type: 'Wait';
  Comment?: string;
  Seconds: number;
}

export interface SucceedState {
  Type: 'Succeed';
  Comment?: string;
}

export interface FailState {
  Type: 'Fail';
  Comment?: string;
  Error: string;
  Cause: string;
}

export type State =
  | TaskState
  | PassState
  | ChoiceState
  | ParallelState
  | MapState
  | WaitState
  | SucceedState
  | FailState;

export interface StateMachine {
  Comment?: string;
  StartAt: string;
  States: Record<string, State>;
}

/** Resources the definitions use (docs/architecture.md, "Task resources"). */
export const RESOURCES = {
  startBuild: 'arn:aws:states:::codebuild:startBuild.sync',
  updateItem: 'arn:aws:states:::dynamodb:updateItem',
  getItem: 'arn:aws:states:::dynamodb:getItem',
  updateItemWaitForToken: 'arn:aws:states:::aws-sdk:dynamodb:updateItem.waitForTaskToken',
  sendTaskSuccess: 'arn:aws:states:::aws-sdk:sfn:sendTaskSuccess',
  startExecution: 'arn:aws:states:::states:startExecution.sync:2',
} as const;

/**
 * Resources of `rollout:` steps (docs/delivery.md): calls on the deployment's own targets, which
 * the execution role may make only on the targets the deployment names (infra/config.ts).
 */
export const ROLLOUT_RESOURCES = {
  getAlias: 'arn:aws:states:::aws-sdk:lambda:getAlias',
  updateAlias: 'arn:aws:states:::aws-sdk:lambda:updateAlias',
  modifyListener: 'arn:aws:states:::aws-sdk:elasticloadbalancingv2:modifyListener',
  modifyRule: 'arn:aws:states:::aws-sdk:elasticloadbalancingv2:modifyRule',
  getMetricData: 'arn:aws:states:::aws-sdk:cloudwatch:getMetricData',
  describeAlarms: 'arn:aws:states:::aws-sdk:cloudwatch:describeAlarms',
  /** `sci run` only (a `local` rollout target): the weighted reverse proxy of the local engine. */
  localRolloutShift: 'arn:aws:states:::sci-local:rolloutShift',
  localRolloutMeasure: 'arn:aws:states:::sci-local:rolloutMeasure',
} as const;

/** Resources only the local engine implements: a definition holding one is never deployed. */
export const LOCAL_ONLY_RESOURCES: readonly string[] = [
  ROLLOUT_RESOURCES.localRolloutShift,
  ROLLOUT_RESOURCES.localRolloutMeasure,
];
