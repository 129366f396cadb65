/**
 * How a build's commands run: as a local process group (process mode) or in the step's image
 * (container mode, local/containers/). The runner prepares the workspace, environment,
 * artifacts and cache the same way for both; a launcher only starts and stops the commands.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { killMarked, MARKER_VARIABLE } from './escaped-processes.ts';
import { removeGroupRecord, writeGroupRecord } from './group-records.ts';
import { trustedJail, type Jail } from './isolation.ts';
import type { LogSink } from './log-sink.ts';
import type { Buildspec } from './params.ts';
import { spawnGroup } from './process-group.ts';
import type { Workspace } from './workspace.ts';

/** A step that cannot be launched as asked, for a reason the user can act on. */
export class LaunchError extends Error {
  override name = 'LaunchError';
}

export interface Launch {
  phases: Buildspec['phases'];
  /** The workspace on this machine. */
  ws: Workspace;
  /** The step's environment, with paths as the step sees them (`view`). */
  env: NodeJS.ProcessEnv;
  log: LogSink;
  /** Aborted on timeout or cancel: the commands must stop. */
  stop: AbortSignal;
  /** Where the running process group is recorded for crash recovery. */
  recordFile: string;
  /** A name unique to this run, step and attempt (the container's name). */
  name: string;
  runId: string;
  stepKey: string;
  /** Process mode: what the shells run inside (a PID namespace, or a bubblewrap sandbox). @default trustedJail() */
  jail?: Jail;
}

export interface StepLauncher {
  /** Where the step runs, for its log and the run's output: `a local process`, `image node:22 (podman)`. */
  readonly where: string;
  /** False when the step runs in its own image: the host's PATH, locale and TMPDIR stay outside. */
  readonly hostVariables: boolean;
  /** The workspace's paths as the step's commands see them. */
  view(ws: Workspace): Workspace;
  /** Runs the phases in order; resolves with the first failing exit code, or 0. */
  run(launch: Launch): Promise<number>;
}

/** Writes each phase's commands to `<ws.root>/<phase>.sh`; returns the scripts' names in order. */
export async function writePhaseScripts(phases: Buildspec['phases'], ws: Workspace): Promise<string[]> {
  return Promise.all(
    phases.map(async (phase) => {
      await writeFile(join(ws.root, `${phase.name}.sh`), `${phase.commands.join('\n')}\n`);
      return `${phase.name}.sh`;
    }),
  );
}

/** How long output may still arrive once a step's shell is gone (what was already in the pipes). */
const DRAIN_MS = 500;

/**
 * Process mode: each phase in one `bash -eo pipefail` leading its own process group inside the
 * jail, recorded so crash recovery can end it if we die first. When a shell exits its phase is
 * over, as on CodeBuild where the container ends: what it started is killed (with the PID
 * namespace, else the group and whatever carries the step's marker) and its output is no longer read.
 */
export const processLauncher: StepLauncher = {
  where: 'a local process',
  hostVariables: true,
  view: (ws) => ws,
  async run({ phases, ws, env, log, stop, recordFile, jail = trustedJail() }) {
    const scripts = await writePhaseScripts(phases, ws);
    for (const script of scripts) {
      if (stop.aborted) return 143;
      const [file, ...args] = [...jail.prefix, 'bash', '-eo', 'pipefail', join(ws.root, script)];
      const proc = spawnGroup(file!, args, ws.src, env);
      const recorded = proc.pid
        ? writeGroupRecord(recordFile, proc.pid).catch((e: Error) =>
            log.note(`not recorded for crash recovery: ${e.message}`),
          )
        : Promise.resolve();
      const onStop = () => void proc.kill();
      stop.addEventListener('abort', onStop, { once: true });
      const piped = Promise.all([log.pipe(proc.stdout), log.pipe(proc.stderr)]);
      const code = await proc.exited;
      stop.removeEventListener('abort', onStop);
      // in a namespace or sandbox the kernel has ended the rest with the shell; here the group,
      // then whatever escaped it
      proc.reap();
      if (jail.kind === 'process' && env[MARKER_VARIABLE]) await killMarked(env[MARKER_VARIABLE] as string);
      await recorded;
      await removeGroupRecord(recordFile);
      // unreferenced: once the pipes have drained, the bound must not hold the process (a `sci run` whose last
      // step just ended would wait it out before exiting); while they are open, they hold it themselves
      const drained = await Promise.race([piped.then(() => true), delay(DRAIN_MS, false, { ref: false })]);
      if (!drained) {
        proc.stdout.destroy();
        proc.stderr.destroy();
        log.note('output still open after the step ended (a background process?); no longer read');
      }
      if (code !== 0) return code;
    }
    return 0;
  },
};
