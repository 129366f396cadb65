import { SendTaskFailureCommand, SendTaskSuccessCommand, StartExecutionCommand, StopExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import type { ExecutionStarter, TaskTokens } from '../core/ports.ts';
import { executionArnFor } from './names.ts';
import { errorName } from './client-config.ts';

/** Step Functions executions, started on a version ARN with a deterministic name. */
export class SfnExecutions implements ExecutionStarter, TaskTokens {
  constructor(private readonly client: SFNClient) {}

  async start(request: { stateMachine: string; name: string; input: unknown }): Promise<string> {
    try {
      const out = await this.client.send(
        new StartExecutionCommand({ stateMachineArn: request.stateMachine, name: request.name, input: JSON.stringify(request.input) }),
      );
      return out.executionArn ?? executionArnFor(request.stateMachine, request.name);
    } catch (error) {
      // The name is derived from the delivery: it exists because an earlier attempt started it.
      if (errorName(error) === 'ExecutionAlreadyExists') return executionArnFor(request.stateMachine, request.name);
      throw error;
    }
  }

  async stop(executionArn: string, cause: string): Promise<void> {
    try {
      await this.client.send(new StopExecutionCommand({ executionArn, error: 'sci.Cancelled', cause: cause.slice(0, 32768) }));
    } catch (error) {
      if (errorName(error) !== 'ExecutionDoesNotExist') throw error;
    }
  }

  async succeed(token: string, output: unknown): Promise<void> {
    await this.client.send(new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify(output) }));
  }

  async fail(token: string, error: string, cause: string): Promise<void> {
    await this.client.send(new SendTaskFailureCommand({ taskToken: token, error, cause }));
  }
}
