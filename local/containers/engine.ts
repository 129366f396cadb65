/**
 * A container engine (Docker or Podman) as `sci run` uses it: detected by asking it to answer
 * (`<engine> info`), never by the binary being on PATH; images made present once per process;
 * containers stopped, killed and removed by name.
 */
import { execFile } from 'node:child_process';
import { authFile, type RegistryLogin } from './registry-login.ts';

export type EngineName = 'docker' | 'podman';

/** `SCI_CONTAINER`: an engine, `none` (process mode), or `auto` (the first engine that answers). */
export type ContainerMode = EngineName | 'none' | 'auto';

export const ENGINES: readonly EngineName[] = ['docker', 'podman'];

/** How long `<engine> info` may take before the engine counts as not answering. */
const INFO_TIMEOUT_MS = 30_000;

export interface CommandResult {
  code: number;
  /** Killed at its time limit. */
  timedOut: boolean;
  stdout: string;
  stderr: string;
}

/** Runs `file args` with `env`; never throws (a missing binary is exit 127). */
export function runCommand(
  file: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  timeoutMs = 0,
): Promise<CommandResult> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      { env, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024, killSignal: 'SIGKILL' },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : error.code === 'ENOENT' ? 127 : 1) : 0;
        const timedOut = error?.killed === true && timeoutMs > 0;
        resolve({ code, timedOut, stdout, stderr: stderr || (error && !stderr ? error.message : '') });
      },
    );
  });
}

/** The last non-empty line of an engine's stderr: its error message. */
export function engineMessage(r: CommandResult): string {
  const lines = `${r.stderr}\n${r.stdout}`
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  return (lines.at(-1) ?? `exit code ${r.code}`).replace(/^Error:\s*/i, '');
}

/** Reads `SCI_CONTAINER`; undefined for a value that is none of the modes. */
export function parseContainerMode(value: string | undefined): ContainerMode | undefined {
  const v = (value ?? '').trim().toLowerCase();
  if (v === '' || v === 'auto') return 'auto';
  return v === 'docker' || v === 'podman' || v === 'none' ? v : undefined;
}

export class ContainerEngine {
  private readonly images = new Map<string, Promise<string | undefined>>();

  constructor(
    readonly name: EngineName,
    /** Rootless engines map the user to root inside: files in the mount stay the user's without `--user`. */
    readonly rootless: boolean,
    /** The environment every engine command runs with (its config: HOME, XDG_RUNTIME_DIR, DOCKER_HOST, CONTAINERS_CONF…). */
    readonly env: NodeJS.ProcessEnv,
  ) {}

  /** The engine if it answers, else the reason it does not. */
  static async detect(name: EngineName, env: NodeJS.ProcessEnv): Promise<ContainerEngine | string> {
    const format = name === 'podman' ? '{{.Host.Security.Rootless}}' : '{{.SecurityOptions}}';
    const r = await runCommand(name, ['info', '--format', format], env, INFO_TIMEOUT_MS);
    if (r.code === 127) return `${name} is not installed`;
    if (r.code !== 0)
      return `${name} does not answer: ${r.timedOut ? `no reply within ${INFO_TIMEOUT_MS / 1000} s` : engineMessage(r)}`;
    const rootless = name === 'podman' ? r.stdout.trim() === 'true' : r.stdout.includes('rootless');
    return new ContainerEngine(name, rootless, env);
  }

  command(args: string[], timeoutMs = 0): Promise<CommandResult> {
    return runCommand(this.name, args, this.env, timeoutMs);
  }

  /** Whether the engine holds `image` already (never pulls). */
  async hasImage(image: string): Promise<boolean> {
    return (await this.command(['image', 'inspect', '--format', '{{.Id}}', image])).code === 0;
  }

  /**
   * Makes `image` present (pulled once per process when missing, with `login` when given);
   * resolves with undefined, or with why it cannot be had (the engine's own message).
   */
  ensureImage(image: string, login?: RegistryLogin): Promise<string | undefined> {
    let pending = this.images.get(image);
    if (!pending) {
      pending = (async () => {
        if (await this.hasImage(image)) return undefined;
        const pulled = await this.pull(image, login);
        return pulled.code === 0
          ? undefined
          : `image ${image} cannot be pulled with ${this.name}: ${engineMessage(pulled)}`;
      })();
      // a failure may be transient (network): the next step asks again
      void pending.then((reason) => reason && this.images.delete(image));
      this.images.set(image, pending);
    }
    return pending;
  }

  /** `<engine> pull`; with a login, through an auth file of its own (Docker: DOCKER_CONFIG, Podman: --authfile). */
  private async pull(image: string, login: RegistryLogin | undefined): Promise<CommandResult> {
    if (!login) return this.command(['pull', '--quiet', image]);
    const auth = await authFile(image, login, this.name);
    try {
      return this.name === 'docker'
        ? await runCommand(this.name, ['pull', '--quiet', image], { ...this.env, DOCKER_CONFIG: auth.dir })
        : await this.command(['pull', '--quiet', '--authfile', auth.file, image]);
    } finally {
      await auth.remove();
    }
  }

  /** SIGTERM to the container's main process, SIGKILL after `graceSeconds`; false when there was no such container. */
  async stop(name: string, graceSeconds: number): Promise<boolean> {
    return (await this.command(['stop', '--time', String(graceSeconds), name], (graceSeconds + 30) * 1000)).code === 0;
  }

  /** Removes the container (killing it if it runs); a container that does not exist is fine. */
  async remove(name: string): Promise<void> {
    await this.command(['rm', '--force', name], 30_000);
  }
}
