/**
 * `states:startExecution.sync:2`: a `pipeline:` step. The callee's compiled definition runs as a
 * child execution in the same engine (its own run in the store, with parentRunId) and this task
 * resolves with the DescribeExecution shape the `.sync:2` integration returns.
 */
import { TaskError } from '../errors.ts';
import { taskSignal, type Executor } from '../services.ts';

export const startExecutionExecutor: Executor = async (input, state, run, services) => {
  const { StateMachineArn, Input } = input as { StateMachineArn?: unknown; Input?: unknown };
  if (typeof StateMachineArn !== 'string')
    throw new TaskError('StepFunctions.InvalidArnException', 'startExecution without StateMachineArn');
  // no build runner reports a pipeline step's start, so the caller marks it running itself
  const step = run.steps.find((s) => s.name === state.name);
  if (step && run.carried?.has(step.key))
    return { ExecutionArn: `local:${run.runId}.${step.key}`, StateMachineArn, Status: 'SUCCEEDED', Output: null };
  if (step)
    await services.store.transitionStep(run.runId, step.key, 'running', {
      startedAt: services.now().toISOString(),
      incrementAttempts: true,
    });
  const childInput = typeof Input === 'string' ? (JSON.parse(Input) as unknown) : (Input ?? {});
  const child = await services.startChild({
    stateMachine: StateMachineArn,
    input: childInput,
    untrusted: run.untrusted,
    signal: taskSignal(run, state),
    ...(run.carried ? { carried: run.carried } : {}),
  });
  const description = {
    ExecutionArn: `local:${child.runId}`,
    StateMachineArn,
    Status: child.status === 'succeeded' ? 'SUCCEEDED' : child.status === 'cancelled' ? 'ABORTED' : 'FAILED',
    Output: child.output,
  };
  if (child.status === 'succeeded') return description;
  throw new TaskError('States.TaskFailed', JSON.stringify({ ...description, Error: child.error ?? child.status }));
};
