/**
 * The validated pipeline: what the parser produces and the compiler, the trigger
 * matcher and the engines consume. Plain data, JSON-serialisable, no YAML left in it.
 * Durations are in seconds. Every user-written node keeps its span for later diagnostics.
 */
import type { SourceSpan } from '../diagnostics.ts';

export type RunStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
export type StepStatus = 'pending' | 'running' | 'succeeded' | 'failed' | 'skipped' | 'cancelled' | 'waiting';

export type Compute =
  | 'small'
  | 'medium'
  | 'large'
  | 'xlarge'
  | 'lambda-1gb'
  | 'lambda-2gb'
  | 'lambda-4gb'
  | 'lambda-8gb'
  | 'lambda-10gb';

export type EventName = 'push' | 'pull_request' | 'schedule' | 'manual' | 'pipeline';

// ---------------------------------------------------------------- expressions

/** Context roots an expression may read; `matrix` only inside a matrix step. */
export const CONTEXT_ROOTS = [
  'event',
  'branch',
  'tag',
  'sha',
  'ref',
  'repo',
  'actor',
  'pr',
  'inputs',
  'matrix',
  'pipeline',
  'run',
  'steps',
] as const;
export type ContextRoot = (typeof CONTEXT_ROOTS)[number];

export type Expr =
  | { kind: 'literal'; value: string | number | boolean | null; span: SourceSpan }
  /** e.g. `branch` → ['branch'], `inputs.target` → ['inputs', 'target'], `pr.number` → ['pr', 'number'] */
  | { kind: 'context'; path: [ContextRoot, ...string[]]; span: SourceSpan }
  | { kind: 'not'; operand: Expr; span: SourceSpan }
  | { kind: 'binary'; op: '==' | '!=' | '&&' | '||'; left: Expr; right: Expr; span: SourceSpan }
  | {
      kind: 'call';
      name: 'startsWith' | 'matches' | 'success' | 'failure' | 'always' | 'cancelled';
      args: Expr[];
      span: SourceSpan;
    };

/** A string that may hold `${{ expr }}` parts; a plain string is one text part. */
export interface Template {
  parts: Array<{ text: string } | { expr: Expr }>;
  span: SourceSpan;
}

// ---------------------------------------------------------------- triggers

export interface PushTrigger {
  /** Glob patterns (`release/*`); absent = any branch. */
  branches?: string[];
  branchesIgnore?: string[];
  /** Absent = tags do not trigger (as in GitHub Actions when only branches are given). */
  tags?: string[];
  paths?: string[];
  pathsIgnore?: string[];
}

export interface PullRequestTrigger {
  /** Target (base) branch globs; absent = any. */
  branches?: string[];
  /** @default ['opened', 'synchronize', 'reopened'] */
  types: string[];
  paths?: string[];
  pathsIgnore?: string[];
}

export interface ScheduleTrigger {
  /** 5-field cron, UTC. */
  cron: string;
  /** Branch to build; absent = the repository's default branch. */
  branch?: string;
  span: SourceSpan;
}

export type InputSpec =
  | { type: 'string'; default?: string; required: boolean; description?: string }
  | { type: 'number'; default?: number; required: boolean; description?: string }
  | { type: 'boolean'; default?: boolean; required: boolean; description?: string }
  | { type: 'choice'; options: string[]; default?: string; required: boolean; description?: string };

export interface PipelineTrigger {
  /** Id of the upstream pipeline in the same repository. */
  name: string;
  /** @default ['succeeded'] */
  status: RunStatus[];
  span: SourceSpan;
}

/** Absent `on:` in the file means `{ push: {} }`. */
export interface Triggers {
  push?: PushTrigger;
  pullRequest?: PullRequestTrigger;
  schedule?: ScheduleTrigger[];
  manual?: { inputs: Record<string, InputSpec> };
  pipeline?: PipelineTrigger[];
}

// ---------------------------------------------------------------- steps

export type MatrixValue = string | number | boolean;

/**
 * A step's matrix as written: GitHub Actions' `strategy.matrix`. The cells are the product of
 * `axes`, minus `exclude`, then extended or added to by `include` (matrix.ts has the rules).
 */
export interface Matrix {
  /** Axes in file order; empty when the matrix is only `include` entries. */
  axes: Record<string, MatrixValue[]>;
  /** Partial cells: a product cell matching every key:value of one of them is dropped. */
  exclude: Array<Record<string, MatrixValue>>;
  /** Entries applied in order after `exclude`. */
  include: Array<Record<string, MatrixValue>>;
  /** The `matrix` key: where cell-count problems point. */
  span: SourceSpan;
}

export interface RetryPolicy {
  max: number;
  /** @default ['failure', 'timeout'] */
  on: Array<'failure' | 'timeout'>;
}

/** `secretsmanager:ci/npm-token` or `ssm:/ci/npm-token`. */
export interface SecretRef {
  store: 'secretsmanager' | 'ssm';
  id: string;
  span: SourceSpan;
}

/** `environment:` of a step: where its success is recorded as a release. */
export interface EnvironmentSpec {
  name: string;
  url?: string;
  /** @default false — true puts an approval step (`approve <step>`) before the step. */
  approval: boolean;
  /** Branch globs the environment accepts; absent = any branch. */
  branches?: string[];
  span: SourceSpan;
}

interface StepCommon {
  /** The key under `steps:`. */
  name: string;
  /** Names of other steps (not instances); a need on a matrix step means all its instances. */
  needs: string[];
  /** @default success() — the parser fills the default so consumers never special-case absence. */
  if: Expr;
  /** True when `if` was written by the user (for messages/skip reasons). */
  ifWritten: boolean;
  /** @default false */
  allowFailure: boolean;
  /** Absent = not a matrix step. */
  matrix?: Matrix;
  /** The environment this step releases to (run steps). */
  environment?: EnvironmentSpec;
  /** Branch globs outside which the step is skipped with a reason (an environment's `branches`). */
  branches?: { globs: string[]; environment: string };
  span: SourceSpan;
}

export interface RunStep extends StepCommon {
  kind: 'run';
  commands: Template[];
  image: Template;
  /**
   * `image: { name, credentials }`: the Secrets Manager secret (`{ "username", "password" }`)
   * CodeBuild logs in to the image's registry with; absent = an anonymous pull.
   */
  imageCredentials?: SecretRef;
  compute: Compute;
  /** Seconds. @default defaults.timeout, else 3600 */
  timeout: number;
  /** @default { max: 0, on: ['failure', 'timeout'] } */
  retry: RetryPolicy;
  env: Record<string, Template>;
  secrets: Record<string, SecretRef>;
  /** Glob patterns, relative to the workspace. */
  artifacts: string[];
  cache?: { key: Template; paths: string[] };
  /** Names the step may write to `$SCI_OUTPUT` (`NAME=value` lines); other names are ignored. */
  outputs: string[];
}

export interface ApprovalStep extends StepCommon {
  kind: 'approval';
  message: Template;
  /** Seconds. @default 86400 */
  timeout: number;
}

export interface PipelineCallStep extends StepCommon {
  kind: 'pipeline';
  /** Id of the called pipeline in the same repository. */
  pipeline: string;
  inputs: Record<string, Template>;
  /** Seconds. @default defaults.timeout, else 3600 */
  timeout: number;
}

/** Where a rollout moves traffic (exactly one per rollout). */
export type RolloutTarget =
  /** An alias's weighted routing between its current version (stable) and `version`. */
  | { kind: 'lambda'; function: string; alias: string; version: Template }
  /** A listener's (or one of its rules') forward action over two target groups. */
  | { kind: 'alb'; listener: string; rule?: string; stable: string; candidate: string }
  /** `sci run` only: a weighted reverse proxy on 127.0.0.1:`listen` in front of two local servers. */
  | { kind: 'local'; listen: number; stable: string; candidate: string };

/** `rollout:` of a step: progressive delivery with automatic rollback (docs/delivery.md). */
export interface RolloutSpec {
  target: RolloutTarget;
  strategy: 'canary' | 'blue_green';
  /** Percent of traffic on the candidate at each stage, ascending, the last 100 (`blue_green`: [100]). */
  weights: number[];
  /** Seconds of bake time at each weight. @default 300 */
  interval: number;
  analysis: {
    /** Percent: the candidate's 5xx (Lambda: Errors) over its requests in an interval, above which it rolls back. */
    maxErrorRate?: number;
    /** Fewer candidate requests than this in an interval is too little evidence: roll back. @default 0 */
    minRequests: number;
    /** CloudWatch alarms; any in ALARM at the end of an interval rolls back. */
    alarms: string[];
  };
  span: SourceSpan;
}

export interface RolloutStep extends StepCommon {
  kind: 'rollout';
  rollout: RolloutSpec;
  /** Seconds: every interval plus a margin for the calls between them. */
  timeout: number;
}

export type Step = RunStep | ApprovalStep | PipelineCallStep | RolloutStep;

// ---------------------------------------------------------------- pipeline

export interface Pipeline {
  /** Path under `.sci/` without extension, e.g. `deploy/prod`. */
  id: string;
  /** Repository-relative path of the file, e.g. `.sci/deploy/prod.yml`. */
  file: string;
  /** @default id */
  name: string;
  triggers: Triggers;
  env: Record<string, Template>;
  defaults: { image: Template; imageCredentials?: SecretRef; compute: Compute; timeout: number };
  concurrency?: { group: Template; cancelInProgress: boolean };
  /** In file order. */
  steps: Step[];
  /**
   * A re-release (`sci promote`, `sci rollback`) runs only the steps releasing to one environment;
   * the steps they read outputs from are not run but given, by name with their output names, and
   * read from the execution input at `run.released.<step>.outputs`.
   */
  released?: Record<string, string[]>;
}

/**
 * One executable unit after matrix expansion: `test (node=20, shard=1)`.
 * `needs` are instance names. Produced by the plan (statemachines/pipeline/plan.ts).
 */
export interface StepInstance {
  /** Display name and Step Functions state-name stem; unique, ≤ 80 chars. */
  name: string;
  /** Identifier-safe unique key (`[A-Za-z_][A-Za-z0-9_]*`) used in ASL paths and DynamoDB. */
  key: string;
  step: Step;
  /** The matrix cell, empty for a plain step. */
  matrix: Record<string, MatrixValue>;
  needs: string[];
}

/**
 * A file of a repository's `.sci/` as a source read it. `symlink` (the link's target) marks a
 * symbolic link, which is refused: a link can point outside the repository, and git, the working
 * tree and GitHub would each read a different thing through it.
 */
export interface PipelineFile {
  path: string;
  text: string;
  symlink?: string;
}
