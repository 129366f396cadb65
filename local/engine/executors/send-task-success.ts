/** `aws-sdk:sfn:sendTaskSuccess`: releases a task waiting in this process (a DAG gate). */
import { TaskError } from '../errors.ts';
import type { Executor } from '../services.ts';

function parseOutput(output: unknown): unknown {
  if (typeof output !== 'string') return output ?? {};
  try {
    return JSON.parse(output);
  } catch {
    throw new TaskError('Sfn.InvalidOutputException', 'sendTaskSuccess Output is not JSON');
  }
}

export const sendTaskSuccessExecutor: Executor = async (input, _state, _run, services) => {
  const { TaskToken, Output } = input as { TaskToken?: unknown; Output?: unknown };
  if (typeof TaskToken !== 'string')
    throw new TaskError('Sfn.InvalidTokenException', 'sendTaskSuccess without a TaskToken');
  services.tokens.succeed(TaskToken, parseOutput(Output));
  return {};
};
