import {
  RedriveExecutionCommand,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  StartExecutionCommand,
  StopExecutionCommand,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import { NotRedrivableError } from '../core/control.ts';
import type { ExecutionRedriver, ExecutionStarter, TaskTokens } from '../core/ports.ts';
import { executionArnFor } from './names.ts';
import { errorName } from './client-config.ts';

/** Step Functions executions, started on a version ARN with a deterministic name. */
/** Step Functions' answers that mean "this execution cannot be redriven" (the API's documented errors). */
const NOT_REDRIVABLE = new Set(['ExecutionNotRedrivable', 'ExecutionDoesNotExist']);

export class SfnExecutions implements ExecutionStarter, ExecutionRedriver, TaskTokens {
  constructor(private readonly client: SFNClient) {}

  async start(request: { stateMachine: string; name: string; input: unknown }): Promise<string> {
    try {
      const out = await this.client.send(
        new StartExecutionCommand({
          stateMachineArn: request.stateMachine,
          name: request.name,
          input: JSON.stringify(request.input),
        }),
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
      await this.client.send(
        new StopExecutionCommand({ executionArn, error: 'sci.Cancelled', cause: cause.slice(0, 32768) }),
      );
    } catch (error) {
      if (errorName(error) !== 'ExecutionDoesNotExist') throw error;
    }
  }

  /**
   * `RedriveExecution`: the same execution (ARN, definition, input) continues from its
   * unsuccessful states. Refused for a running or succeeded execution, one closed more than
   * 14 days ago, or after 1,000 redrives (docs/dashboard.md, "Redrive").
   */
  async redrive(executionArn: string): Promise<void> {
    try {
      await this.client.send(new RedriveExecutionCommand({ executionArn }));
    } catch (error) {
      const name = errorName(error);
      if (name && NOT_REDRIVABLE.has(name))
        throw new NotRedrivableError(`${name}: ${error instanceof Error ? error.message : String(error)}`);
      throw error;
    }
  }

  async succeed(token: string, output: unknown): Promise<void> {
    await this.client.send(new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify(output) }));
  }

  async fail(token: string, error: string, cause: string): Promise<void> {
    await this.client.send(new SendTaskFailureCommand({ taskToken: token, error, cause }));
  }
}
