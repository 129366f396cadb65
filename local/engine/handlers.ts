/**
 * Builds aws-local-stepfunctions' `taskResourceLocalHandlers` for one execution: every Task state
 * of the definition (nested ones too) dispatched on its Resource to the executor for it.
 */
import { ROLLOUT_RESOURCES } from '../../statemachines/asl/types.ts';
import { taskStates, type AslMachine } from './definition.ts';
import { codebuildExecutor } from './executors/codebuild.ts';
import { getItemExecutor, updateItemExecutor } from './executors/dynamodb.ts';
import { localRolloutMeasureExecutor, localRolloutShiftExecutor } from './executors/local-rollout.ts';
import { sendTaskSuccessExecutor } from './executors/send-task-success.ts';
import { startExecutionExecutor } from './executors/start-execution.ts';
import { waitForTaskTokenExecutor } from './executors/wait-for-task-token.ts';
import type { EngineServices, Executor, TaskRun } from './services.ts';

/** Exactly the task resources of the execution contract (docs/architecture.md), and the local rollout target's. */
export const EXECUTORS: Record<string, Executor> = {
  'arn:aws:states:::codebuild:startBuild.sync': codebuildExecutor,
  'arn:aws:states:::dynamodb:updateItem': updateItemExecutor,
  'arn:aws:states:::dynamodb:getItem': getItemExecutor,
  'arn:aws:states:::aws-sdk:dynamodb:updateItem.waitForTaskToken': waitForTaskTokenExecutor,
  'arn:aws:states:::aws-sdk:sfn:sendTaskSuccess': sendTaskSuccessExecutor,
  'arn:aws:states:::states:startExecution.sync:2': startExecutionExecutor,
  [ROLLOUT_RESOURCES.localRolloutShift]: localRolloutShiftExecutor,
  [ROLLOUT_RESOURCES.localRolloutMeasure]: localRolloutMeasureExecutor,
};

/** The interpreter calls it with the state's effective input (JSON). */
export type TaskHandler = (input: unknown) => Promise<unknown>;

/** One handler per Task state name; throws for a resource the local engine does not implement. */
export function taskHandlers(
  definition: AslMachine,
  run: TaskRun,
  services: EngineServices,
): Record<string, TaskHandler> {
  const handlers: Record<string, TaskHandler> = {};
  for (const state of taskStates(definition).values()) {
    const executor = EXECUTORS[state.resource];
    if (!executor)
      throw new Error(`state ${state.name}: resource ${state.resource} is not supported by the local engine`);
    handlers[state.name] = (input) => executor(input, state, run, services);
  }
  return handlers;
}
