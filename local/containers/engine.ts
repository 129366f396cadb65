/**
 * A container engine (Docker or Podman) as `sci run` uses it: detected by asking it to answer
 * (`docker info`, `podman version`), never by the binary being on PATH; images made present once per
 * process; containers stopped, killed and removed by name.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { authFile, type RegistryLogin } from './registry-login.ts';

export type EngineName = 'docker' | 'podman';

/** `SCI_CONTAINER`: an engine, `none` (process mode), or `auto` (the first engine that answers). */
export type ContainerMode = EngineName | 'none' | 'auto';

export const ENGINES: readonly EngineName[] = ['docker', 'podman'];

/** How long the engine's probe (`<engine> info`, `podman version`) may take before it counts as not answering. */
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

function notAnswering(name: EngineName, r: CommandResult): string | undefined {
  if (r.code === 127) return `${name} is not installed`;
  if (r.code !== 0)
    return `${name} does not answer: ${r.timedOut ? `no reply within ${INFO_TIMEOUT_MS / 1000} s` : engineMessage(r)}`;
  return undefined;
}

/** Whether `podman version`'s JSON names a server (podman-remote, a podman machine): its host alone knows it. */
function servedRemotely(versionJson: string): boolean {
  try {
    return Boolean((JSON.parse(versionJson) as { Server?: unknown }).Server);
  } catch {
    return true;
  }
}

/** CAP_SYS_ADMIN's bit in the capability masks of /proc/self/status (linux/capability.h). */
const CAP_SYS_ADMIN = 21n;

function hasCapability(mask: string | undefined, bit: bigint): boolean {
  return mask !== undefined && ((BigInt(`0x${mask}`) >> bit) & 1n) === 1n;
}

/** This process's /proc status (its capability masks), or nothing where there is none. */
function procStatus(): string {
  try {
    return readFileSync('/proc/self/status', 'utf8');
  } catch {
    return '';
  }
}

/**
 * Whether a local podman started by this process counts itself rootless, where podman's own rule
 * (containers/podman pkg/rootless, `IsRootless`: not root, or `_CONTAINERS_USERNS_CONFIGURED` set, or root
 * without CAP_SYS_ADMIN) settles it from this side: any user but root, or root holding CAP_SYS_ADMIN in its
 * effective and bounding sets (a child of root gets its capabilities from them). Undefined otherwise: podman
 * is asked.
 */
export function localPodmanRootless(
  env: NodeJS.ProcessEnv,
  euid: number | undefined,
  status: string,
): boolean | undefined {
  if (euid === undefined) return undefined;
  if (euid !== 0 || env._CONTAINERS_USERNS_CONFIGURED) return true;
  const mask = (name: string) => new RegExp(`^${name}:\\s*([0-9a-f]+)$`, 'm').exec(status)?.[1];
  return hasCapability(mask('CapEff'), CAP_SYS_ADMIN) && hasCapability(mask('CapBnd'), CAP_SYS_ADMIN)
    ? false
    : undefined;
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
    if (name === 'docker') {
      const r = await runCommand(name, ['info', '--format', '{{.SecurityOptions}}'], env, INFO_TIMEOUT_MS);
      return notAnswering(name, r) ?? new ContainerEngine(name, r.stdout.includes('rootless'), env);
    }
    // `podman version` starts podman's runtime (its storage, its OCI runtime) or reaches its server, as `info`
    // does, and fails with the same message; `info` adds a host report (a `dpkg -S` of runc and conmon, ≈ 0.6 s
    // of CPU here: docs/benchmarks.md, "Steps in containers") that only tells whether podman is rootless
    const r = await runCommand(name, ['version', '--format', '{{json .}}'], env, INFO_TIMEOUT_MS);
    const failed = notAnswering(name, r);
    if (failed) return failed;
    const known = servedRemotely(r.stdout) ? undefined : localPodmanRootless(env, process.geteuid?.(), procStatus());
    if (known !== undefined) return new ContainerEngine(name, known, env);
    const info = await runCommand(name, ['info', '--format', '{{.Host.Security.Rootless}}'], env, INFO_TIMEOUT_MS);
    return notAnswering(name, info) ?? new ContainerEngine(name, info.stdout.trim() === 'true', env);
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
