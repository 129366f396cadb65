/**
 * The Task of each step kind: a CodeBuild build (`run`), a person's decision through a
 * task token stored on the step item (`approval`), a child execution (`pipeline`).
 */
import { RESOURCES, type Catcher, type Json, type Retrier, type TaskState } from '../asl/types.ts';
import type { InputSpec, Step } from '../pipeline/model.ts';
import { buildParameters, buildTimeouts } from './run-task.ts';
import { aslTemplate } from './templates.ts';
import { itemKey, templateScope, type InstanceInfo, type Scope } from './scope.ts';
import { exportedSelector } from './outputs.ts';
import { stepSk, stepSourcesFor } from '../lifecycle.ts';

/** Error a reject sends with SendTaskFailure (docs/architecture.md). */
export const REJECTED = 'sci.Rejected';

/**
 * Where the task goes on each outcome; `rejected` only for approvals. A timeout goes to
 * `failed` too (one write tells them apart by `$.error.Error`).
 */
export interface Outcomes {
  succeeded: string;
  failed: string;
  rejected?: string;
}

/** Callee key in `$.run.callees`: the pipeline id with every non-identifier character as `_`. */
export function calleeKey(pipelineId: string): string {
  return pipelineId.replace(/[^A-Za-z0-9_]/g, '_');
}

/**
 * Errors the `.sync` integration surfaces when CodeBuild refuses to start a build for now: the
 * account's concurrent-build or queue limit (a new account may allow one build), or throttling.
 * Retried with backoff before the user's own `retry`, which they do not count against.
 * Sources: docs/aws-review.md, "CodeBuild throttling".
 */
export const CODEBUILD_CAPACITY_ERRORS = ['CodeBuild.AccountLimitExceededException', 'CodeBuild.CodeBuildException'];

const CAPACITY_RETRY: Retrier = {
  ErrorEquals: CODEBUILD_CAPACITY_ERRORS,
  IntervalSeconds: 30,
  MaxAttempts: 6,
  MaxDelaySeconds: 300,
  JitterStrategy: 'FULL',
};

function retry(step: Step): Retrier[] | undefined {
  if (step.kind !== 'run') return undefined;
  if (step.retry.max === 0) return [CAPACITY_RETRY];
  const errors = step.retry.on.map((o) => (o === 'failure' ? 'States.TaskFailed' : 'States.Timeout'));
  return [CAPACITY_RETRY, { ErrorEquals: errors, IntervalSeconds: 10, MaxAttempts: step.retry.max }];
}

function catchers(o: Outcomes): Catcher[] {
  const list: Catcher[] = [];
  if (o.rejected) list.push({ ErrorEquals: [REJECTED], Next: o.rejected, ResultPath: '$.error' });
  list.push({ ErrorEquals: ['States.ALL'], Next: o.failed, ResultPath: '$.error' });
  return list;
}

/** The Task state that does the work of one instance. */
export function stepTask(scope: Scope, info: InstanceInfo, o: Outcomes): TaskState {
  const step = info.inst.step;
  const task: TaskState = {
    Type: 'Task',
    Resource: RESOURCES.startBuild,
    Parameters: {},
    ResultPath: null,
    TimeoutSeconds: step.kind === 'run' ? buildTimeouts(step).stateSeconds : step.timeout,
    Catch: catchers(o),
    Next: o.succeeded,
  };
  const r = retry(step);
  if (r) task.Retry = r;
  if (step.kind === 'run') task.Parameters = buildParameters(scope, info, step);
  if (step.kind === 'run' && step.outputs.length > 0)
    Object.assign(task, { ResultSelector: exportedSelector(step.outputs), ResultPath: `$.steps.${info.key}` });
  if (step.kind === 'approval')
    Object.assign(task, { Resource: RESOURCES.updateItemWaitForToken, Parameters: approvalParameters(scope, info) });
  if (step.kind === 'pipeline')
    Object.assign(task, { Resource: RESOURCES.startExecution, Parameters: callParameters(scope, info) });
  return task;
}

/** Where an approval may start waiting from, per the lifecycle (`pending` only: `= :pending`). */
const APPROVAL_FROM = (() => {
  const sources = stepSourcesFor('waiting');
  const names = sources.map((from) => `:${from}`);
  return {
    expression: names.length === 1 ? `#status = ${names[0]}` : `#status IN (${names.join(', ')})`,
    values: Object.fromEntries(sources.map((from, i) => [names[i] as string, { S: from } as Json])),
  };
})();

function approvalParameters(scope: Scope, info: InstanceInfo): NonNullable<TaskState['Parameters']> {
  const step = info.inst.step as Extract<Step, { kind: 'approval' }>;
  const ts = templateScope(scope, info);
  const message = aslTemplate('S', step.message, ts);
  if (!message.ok)
    scope.diagnostics.push({
      code: 'bad-template',
      message: message.message,
      path: ['steps', step.name, 'approval', 'message'],
      span: step.message.span,
    });
  return {
    TableName: scope.target.tableName,
    Key: itemKey(stepSk(info.key)),
    UpdateExpression: 'SET #status = :waiting, #token = :token, #message = :message, #startedAt = :now',
    ConditionExpression: `attribute_not_exists(#status) OR ${APPROVAL_FROM.expression}`,
    ExpressionAttributeNames: {
      '#status': 'status',
      '#token': 'taskToken',
      '#message': 'message',
      '#startedAt': 'startedAt',
    },
    ExpressionAttributeValues: {
      ':waiting': { S: 'waiting' },
      ':token': { 'S.$': '$$.Task.Token' },
      ':message': message.ok ? message.value : { S: '' },
      ':now': { 'S.$': '$$.State.EnteredTime' },
      ...APPROVAL_FROM.values,
    },
  };
}

const ZERO: Record<InputSpec['type'], Json> = { string: '', choice: '', number: 0, boolean: false };

/** A literal input value typed as the callee declares it (`'true'` → true); undefined if unknown. */
function typedLiteral(spec: InputSpec | undefined, text: string): Json | undefined {
  if (spec?.type === 'boolean' && (text === 'true' || text === 'false')) return text === 'true';
  if (spec?.type === 'number' && text.trim() !== '' && Number.isFinite(Number(text))) return Number(text);
  return spec ? text : undefined;
}

function callParameters(scope: Scope, info: InstanceInfo): NonNullable<TaskState['Parameters']> {
  const step = info.inst.step as Extract<Step, { kind: 'pipeline' }>;
  const ts = templateScope(scope, info);
  const declared = scope.callees.get(step.pipeline)?.triggers.manual?.inputs ?? {};
  const inputs: Record<string, Json> = {};
  for (const [name, t] of Object.entries(step.inputs)) {
    const text = t.parts.every((p) => 'text' in p)
      ? t.parts.map((p) => ('text' in p ? p.text : '')).join('')
      : undefined;
    const typed = text === undefined ? undefined : typedLiteral(declared[name], text);
    if (typed !== undefined) {
      inputs[name] = typed;
      continue;
    }
    const v = aslTemplate(name, t, ts);
    if (v.ok) Object.assign(inputs, v.value);
    else
      scope.diagnostics.push({
        code: 'bad-template',
        message: v.message,
        path: ['steps', step.name, 'pipeline', 'inputs', name],
        span: t.span,
      });
  }
  // The execution input contract: every declared input present, defaults applied.
  for (const [name, spec] of Object.entries(declared)) {
    if (!Object.hasOwn(step.inputs, name)) inputs[name] = spec.default ?? ZERO[spec.type];
  }
  return {
    'StateMachineArn.$': `$.run.callees.${calleeKey(step.pipeline)}`,
    Input: {
      run: {
        'id.$': `States.Format('{}.${info.key}', $.run.id)`,
        pipeline: step.pipeline,
        'repo.$': '$.run.repo',
        'repoUrl.$': '$.run.repoUrl',
        'sha.$': '$.run.sha',
        'ref.$': '$.run.ref',
        'branch.$': '$.run.branch',
        'tag.$': '$.run.tag',
        event: 'pipeline',
        'actor.$': '$.run.actor',
        'pr.$': '$.run.pr',
        inputs,
        // Callee keys derive from pipeline ids, so the caller's map serves its callees too.
        'callees.$': '$.run.callees',
        // The caller's trust decision holds for everything it calls.
        'builds.$': '$.run.builds',
      },
      steps: {},
      'AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$': '$$.Execution.Id',
    },
  };
}
