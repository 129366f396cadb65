/**
 * The local `StateMachineRegistry`: a "version" is `local:<name>:<hash>` and maps to the compiled
 * definition. Each is also written once under the state home, so a run that waits in a
 * concurrency queue can start after `sci serve` restarted, or from another `sci` process.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { StateMachineRegistry } from '../../src/core/ports.ts';
import type { AslMachine } from './definition.ts';

export interface RegisteredMachine {
  /** The state machine's name (the pipeline id locally). */
  name: string;
  definition: AslMachine;
}

/** One file per version; pipeline ids hold `/`, hashes are hex. */
const fileOf = (dir: string, arn: string) => join(dir, `${encodeURIComponent(arn)}.json`);

export class LocalStateMachines implements StateMachineRegistry {
  private readonly versions = new Map<string, RegisteredMachine>();

  constructor(private readonly dir: string) {}

  async ensureVersion(spec: { name: string; definition: string; hash: string }): Promise<string> {
    const arn = `local:${spec.name}:${spec.hash}`;
    if (this.versions.has(arn)) return arn;
    await mkdir(this.dir, { recursive: true });
    // written whole then renamed: a reader never sees half a definition
    const file = fileOf(this.dir, arn);
    await writeFile(
      `${file}.${process.pid}`,
      JSON.stringify({ name: spec.name, definition: JSON.parse(spec.definition) as unknown }),
    );
    await rename(`${file}.${process.pid}`, file);
    this.versions.set(arn, { name: spec.name, definition: JSON.parse(spec.definition) as AslMachine });
    return arn;
  }

  /** The machine a version ARN names, if it was ever registered under this state home. */
  async lookup(arn: string): Promise<RegisteredMachine | undefined> {
    const known = this.versions.get(arn);
    if (known) return known;
    const text = await readFile(fileOf(this.dir, arn), 'utf8').catch(() => undefined);
    if (text === undefined) return undefined;
    const machine = JSON.parse(text) as RegisteredMachine;
    this.versions.set(arn, machine);
    return machine;
  }
}
