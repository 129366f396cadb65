/**
 * Container mode: a build's phases run in one `<engine> run` of the step's image, as on CodeBuild
 * where one container serves the whole build. The workspace is bind-mounted at CONTAINER_ROOT
 * (the checkout at `/codebuild/output/sci/src`, the working directory); variables travel by
 * environment (`--env NAME`, the value read from the engine's own environment), never on the
 * command line; the container is named after the run, step and attempt, labelled `sci.run` /
 * `sci.step`, and keeps the user's uid/gid so the workspace's files stay theirs.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { removeGroupRecord, writeGroupRecord } from '../build-runner/group-records.ts';
import { LaunchError, writePhaseScripts, type Launch, type StepLauncher } from '../build-runner/launcher.ts';
import { KILL_GRACE_MS, spawnGroup } from '../build-runner/process-group.ts';
import type { Workspace } from '../build-runner/workspace.ts';
import type { ContainerEngine } from './engine.ts';

/** Where the workspace is mounted inside the container. */
export const CONTAINER_ROOT = '/codebuild/output/sci';

/** The exit code Docker and Podman use for their own errors (the container never ran). */
const ENGINE_ERROR = 125;

/**
 * The container's main process: each phase script in one `bash -eo pipefail` (`sh` in images
 * without bash), in order, the first failure ending the build. PID 1 ignores SIGTERM by default,
 * so the trap passes a stop on to every process of the container and lets them end.
 */
const DRIVER = [
  "trap 'kill -TERM -1 2>/dev/null; wait; exit 143' TERM INT",
  'for p; do',
  '  if command -v bash >/dev/null 2>&1; then bash -eo pipefail "$p" & else sh -eo pipefail "$p" & fi',
  '  wait $! || exit $?',
  'done',
].join('\n');

/**
 * Variables the engine's own command reads (its PATH, config, registry credentials): a step's
 * value for one of these cannot go through the engine's environment, so it goes in an env file.
 */
const ENGINE_OWN =
  /^(PATH|HOME|TMPDIR|SHELL|USER|LD_\w+|XDG_\w+|CONTAINERS?_\w+|DOCKER_\w+|PODMAN_\w+|BUILDAH_\w+|REGISTRY_AUTH_FILE|SSL_CERT_\w+|(HTTPS?|NO|ALL)_PROXY)$/i;

/** A container name from the run, step key and attempt (`[a-zA-Z0-9][a-zA-Z0-9_.-]*`). */
export function containerName(runId: string, stepKey: string, attempt: string): string {
  const safe = (s: string) => s.replace(/[^a-zA-Z0-9_.-]+/g, '-');
  return `sci-${safe(runId)}-${safe(stepKey).slice(0, 80)}-${safe(attempt)}`;
}

/** The engine's environment and `--env`/`--env-file` arguments that carry `env` into the container. */
async function environmentArgs(engine: ContainerEngine, env: NodeJS.ProcessEnv, privateDir: () => Promise<string>) {
  const engineEnv: NodeJS.ProcessEnv = { ...engine.env };
  const args: string[] = [];
  const fileLines: string[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) continue;
    if (!ENGINE_OWN.test(name)) {
      engineEnv[name] = value;
      args.push('--env', name);
    } else if (/[\r\n]/.test(value)) {
      throw new LaunchError(`variable ${name} holds a line break, which cannot reach a container under this name`);
    } else {
      fileLines.push(`${name}=${value}`);
    }
  }
  if (fileLines.length > 0) {
    const file = join(await privateDir(), 'env');
    await writeFile(file, `${fileLines.join('\n')}\n`, { mode: 0o600 });
    args.push('--env-file', file);
  }
  return { engineEnv, args };
}

function userArgs(engine: ContainerEngine): string[] {
  if (engine.rootless) return engine.name === 'podman' ? ['--userns=keep-id'] : [];
  const uid = process.getuid?.();
  const gid = process.getgid?.();
  return uid === undefined || gid === undefined ? [] : ['--user', `${uid}:${gid}`];
}

export class ContainerLauncher implements StepLauncher {
  readonly hostVariables = false;
  readonly where: string;

  constructor(
    private readonly engine: ContainerEngine,
    readonly image: string,
  ) {
    this.where = `image ${image} (${engine.name})`;
  }

  view(): Workspace {
    return {
      root: CONTAINER_ROOT,
      src: `${CONTAINER_ROOT}/src`,
      home: `${CONTAINER_ROOT}/home`,
      tmp: `${CONTAINER_ROOT}/tmp`,
    };
  }

  async run({ phases, ws, env, log, stop, recordFile, name, runId, stepKey }: Launch): Promise<number> {
    const scripts = await writePhaseScripts(phases, ws);
    // next to the workspace, not inside it (the container sees the workspace): the run's directory is
    // removed when the run ends, and by recovery after a crash, so a killed sci leaves no env file behind
    let tempDir: string | undefined;
    const privateDir = async () => {
      tempDir ??= `${ws.root}.env`;
      await mkdir(tempDir, { recursive: true, mode: 0o700 });
      return tempDir;
    };
    try {
      const { engineEnv, args: envArgs } = await environmentArgs(this.engine, env, privateDir);
      const args = [
        'run',
        '--rm',
        '--name',
        name,
        '--label',
        `sci.run=${runId}`,
        '--label',
        `sci.step=${stepKey}`,
        '--pull',
        'never',
        '--security-opt',
        'label=disable',
        '--volume',
        `${ws.root}:${CONTAINER_ROOT}`,
        '--workdir',
        `${CONTAINER_ROOT}/src`,
        ...userArgs(this.engine),
        ...envArgs,
        '--entrypoint',
        'sh',
        this.image,
        '-c',
        DRIVER,
        'sci',
        ...scripts.map((s) => `${CONTAINER_ROOT}/${s}`),
      ];
      if (stop.aborted) return 143;
      const client = spawnGroup(this.engine.name, args, ws.root, engineEnv);
      const recorded = client.pid
        ? writeGroupRecord(recordFile, client.pid, '/proc', { engine: this.engine.name, name }).catch((e: Error) =>
            log.note(`not recorded for crash recovery: ${e.message}`),
          )
        : Promise.resolve();
      const onStop = () => void this.stopContainer(name, client.exited, client.kill);
      stop.addEventListener('abort', onStop, { once: true });
      const piped = Promise.all([log.pipe(client.stdout), log.pipe(client.stderr)]);
      const code = await client.exited;
      stop.removeEventListener('abort', onStop);
      await piped;
      // --rm removes a container that ended; one that was stopped, or whose client died, may linger
      if (stop.aborted || code === ENGINE_ERROR || code > 128) await this.engine.remove(name);
      await recorded;
      await removeGroupRecord(recordFile);
      if (code === ENGINE_ERROR) log.note(`${this.engine.name} could not run the container (exit ${code})`);
      return code;
    } finally {
      if (tempDir) await rm(tempDir, { recursive: true, force: true });
    }
  }

  /** Stops the container (SIGTERM, SIGKILL after the grace period); ends the client if it outlives that. */
  private async stopContainer(
    name: string,
    clientExited: Promise<number>,
    killClient: () => Promise<void>,
  ): Promise<void> {
    const stopped = await this.engine.stop(name, Math.ceil(KILL_GRACE_MS / 1000));
    // no container yet (still being created) or a client that outlives its container: end the client; the bound
    // is unreferenced, so a client that exited in time lets the process end at once (a running client holds it)
    const bound = sleep(5 * KILL_GRACE_MS, false, { ref: false });
    const ended = stopped && (await Promise.race([clientExited.then(() => true), bound]));
    if (!ended) await killClient();
  }
}
