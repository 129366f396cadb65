/**
 * Reads what the engine needs from a compiled ASL definition: every Task state by name (Parallel
 * branches and Map iterators included, since the interpreter keys overrides by state name alone),
 * its Resource and TimeoutSeconds.
 */

/** The subset of an ASL state the engine inspects. */
export interface AslState {
  Type: string;
  Resource?: string;
  TimeoutSeconds?: number;
  Parameters?: unknown;
  Next?: string;
  Branches?: AslMachine[];
  Iterator?: AslMachine;
  ItemProcessor?: AslMachine;
}

export interface AslMachine {
  StartAt: string;
  States: Record<string, AslState>;
  TimeoutSeconds?: number;
}

export interface TaskState {
  name: string;
  resource: string;
  /** The interpreter's default when the state sets none. */
  timeoutSeconds: number;
}

/** aws-local-stepfunctions' Task timeout when `TimeoutSeconds` is absent. */
export const DEFAULT_TASK_TIMEOUT_SECONDS = 60;

/** Every Task state of the machine and its nested machines, by state name. */
export function taskStates(machine: AslMachine): Map<string, TaskState> {
  const found = new Map<string, TaskState>();
  const visit = (m: AslMachine): void => {
    for (const [name, state] of Object.entries(m.States)) {
      if (state.Type === 'Task' && state.Resource) {
        if (found.has(name)) throw new Error(`state name ${name} is used twice; local overrides are keyed by name`);
        found.set(name, {
          name,
          resource: state.Resource,
          timeoutSeconds: state.TimeoutSeconds ?? DEFAULT_TASK_TIMEOUT_SECONDS,
        });
      }
      for (const nested of [...(state.Branches ?? []), state.Iterator, state.ItemProcessor]) if (nested) visit(nested);
    }
  };
  visit(machine);
  return found;
}
