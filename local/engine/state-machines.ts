/**
 * The local `StateMachineRegistry`: a "version" is `local:<name>:<hash>` and maps to the compiled
 * definition, kept in memory for the process that runs it (a definition is content-addressed, so
 * registering it again changes nothing).
 */
import type { StateMachineRegistry } from '../../src/core/ports.ts';
import type { AslMachine } from './definition.ts';

export interface RegisteredMachine {
  /** The state machine's name (the pipeline id locally). */
  name: string;
  definition: AslMachine;
}

export class LocalStateMachines implements StateMachineRegistry {
  private readonly versions = new Map<string, RegisteredMachine>();

  async ensureVersion(spec: { name: string; definition: string; hash: string }): Promise<string> {
    const arn = `local:${spec.name}:${spec.hash}`;
    if (!this.versions.has(arn)) this.versions.set(arn, { name: spec.name, definition: JSON.parse(spec.definition) as AslMachine });
    return arn;
  }

  /** The machine a version ARN names, if this process registered it. */
  lookup(arn: string): RegisteredMachine | undefined {
    return this.versions.get(arn);
  }
}
