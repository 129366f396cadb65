/**
 * How a step's shell is started, by trust:
 *
 * - trusted (the repository's own branches): as a process of the user who runs sci, inside a
 *   new PID namespace when the system allows one (`unshare`). The shell is the namespace's
 *   init, so when it exits the kernel kills everything it started, `setsid` escapes included
 *   (the step is over, as when a CodeBuild container ends), and a fresh /proc hides the
 *   server's processes and their environments.
 * - untrusted (fork pull requests): inside a bubblewrap sandbox: new user, PID, IPC and UTS
 *   namespaces, only the system directories (read-only) and the step's own workspace visible,
 *   no host environment; when sci runs as root, as the unprivileged user `nobody`.
 *   Without bubblewrap an untrusted step is refused unless the user opted in.
 *
 * Where neither namespace is available, the runner falls back to ending every process that
 * carries the step's marker variable (see `escaped-processes.ts`).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, readlinkSync } from 'node:fs';

/** What runs a trusted or untrusted step's shell: a command prefix. */
export interface Jail {
  kind: 'namespace' | 'sandbox' | 'process';
  /** Prepended to the shell's command line. */
  prefix: string[];
  /** The owner the workspace must have for the jailed shell to write it (root's sandbox runs as nobody). */
  owner?: { uid: number; gid: number };
}

/** How `sci run` / `sci serve` treat steps of untrusted events. */
export type UntrustedPolicy = 'sandbox' | 'allow';

/** The unprivileged user sandboxed steps run as when sci runs as root (Debian's `nobody`). */
export const NOBODY = { uid: 65534, gid: 65534 };

/**
 * The PATH of a sandboxed step, the system's and never the host user's; also a container step's, being
 * the one the common base images (Debian, Alpine, Amazon Linux, busybox) set.
 */
export const SANDBOX_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

const probes = new Map<string, boolean>();

function works(command: string[]): boolean {
  const key = command.join(' ');
  let ok = probes.get(key);
  if (ok === undefined) {
    const result = spawnSync(command[0]!, [...command.slice(1), 'true'], { stdio: 'ignore', timeout: 10_000 });
    ok = result.status === 0;
    probes.set(key, ok);
  }
  return ok;
}

const isRoot = () => process.getuid?.() === 0;

/** `unshare` flags for a PID namespace whose init is the step's shell, as root or through a user namespace. */
function namespacePrefix(): string[] | undefined {
  const base = ['unshare', '--pid', '--fork', '--kill-child', '--mount-proc'];
  const candidates = isRoot()
    ? [base]
    : [
        [...base.slice(0, 1), '--user', '--map-current-user', ...base.slice(1)],
        [...base.slice(0, 1), '--user', '--map-root-user', ...base.slice(1)],
      ];
  return candidates.find((c) => works([...c, '--']))?.concat('--');
}

/** Read-only system directories a sandboxed shell needs; symlinks (merged /usr) stay symlinks. */
function systemMounts(): string[] {
  const args: string[] = [];
  for (const dir of ['/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32', '/etc', '/opt']) {
    if (!existsSync(dir)) continue;
    const stat = lstatSync(dir);
    if (stat.isSymbolicLink()) args.push('--symlink', readlinkSync(dir), dir);
    else if (stat.isDirectory()) args.push('--ro-bind', dir, dir);
  }
  return args;
}

/**
 * bubblewrap's namespaces: all but the network's. As root, bwrap sets up the mounts with its
 * privileges and `setpriv` then drops to `nobody` with no capabilities (a user namespace
 * would map the step's user back to root, the owner of every file it can see).
 */
function sandboxNamespaces(bwrap: string): string[] {
  return isRoot()
    ? [bwrap, '--unshare-pid', '--unshare-ipc', '--unshare-uts', '--unshare-cgroup-try']
    : [bwrap, '--unshare-all', '--share-net'];
}

const DROP_TO_NOBODY = [
  'setpriv',
  `--reuid=${NOBODY.uid}`,
  `--regid=${NOBODY.gid}`,
  '--clear-groups',
  '--inh-caps=-all',
  '--bounding-set=-all',
];

/** The bubblewrap command line for a step whose workspace is `root` (bound at the same path) and cwd `cwd`. */
function sandboxPrefix(bwrap: string, root: string, cwd: string): string[] {
  return [
    ...sandboxNamespaces(bwrap),
    '--die-with-parent',
    '--new-session',
    ...systemMounts(),
    '--proc',
    '/proc',
    '--dev',
    '/dev',
    '--tmpfs',
    '/tmp',
    '--tmpfs',
    '/run',
    // the workspace's parents inside are traversable (bwrap would copy a 0700 mkdtemp's mode)
    ...ancestors(root).flatMap((dir) => ['--perms', '0755', '--dir', dir]),
    '--bind',
    root,
    root,
    '--chdir',
    cwd,
    '--',
    ...(isRoot() ? DROP_TO_NOBODY : []),
  ];
}

/** `/a/b/c` → `/a`, `/a/b`. */
function ancestors(path: string): string[] {
  const parts = path.split('/').filter(Boolean);
  return parts.slice(0, -1).map((_, i) => `/${parts.slice(0, i + 1).join('/')}`);
}

/** The jail for a trusted step's shell. */
export function trustedJail(): Jail {
  const prefix = namespacePrefix();
  return prefix ? { kind: 'namespace', prefix } : { kind: 'process', prefix: [] };
}

/**
 * The jail for an untrusted step's shell whose workspace is `root`, or a reason it can't run.
 * With policy `allow` and no sandbox, the step runs as a trusted one would.
 */
export function untrustedJail(
  root: string,
  cwd: string,
  policy: UntrustedPolicy,
  bwrap = 'bwrap',
): Jail | { refused: string } {
  if (works([...sandboxNamespaces(bwrap), '--ro-bind', '/', '/', '--', ...(isRoot() ? DROP_TO_NOBODY : [])])) {
    return { kind: 'sandbox', prefix: sandboxPrefix(bwrap, root, cwd), ...(isRoot() ? { owner: NOBODY } : {}) };
  }
  if (policy === 'allow') return trustedJail();
  return {
    refused:
      'not run: a step of an untrusted event (a fork pull request) runs only in a sandbox, and bubblewrap (bwrap) is not usable here; ' +
      'install it (Debian/Ubuntu: apt-get install bubblewrap) or opt in with --allow-untrusted to run it unsandboxed',
  };
}
