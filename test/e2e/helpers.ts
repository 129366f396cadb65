/**
 * End-to-end helpers: temporary git repositories, a private SCI_HOME each, and the real CLI
 * (test/sci-cli.ts) run as a child process, in the foreground or in the background.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { stepLogFile } from '../../local/home.ts';
import { isTerminalRun } from '../../statemachines/lifecycle.ts';
import { initRepo } from '../git-repo.ts';
import { SCI } from '../sci-cli.ts';

export { SCI };

export interface Sandbox {
  repo: string;
  home: string;
  root: string;
  /** Extra environment for every command in this sandbox. */
  env: NodeJS.ProcessEnv;
  cleanup(): void;
}

/** Sandboxes of this test file: removed when it ends, even by a test that forgot or failed first. */
const roots = new Set<string>();
after(() => {
  for (const root of roots) {
    try {
      rmSync(root, { recursive: true, force: true });
    } catch {
      // still a mount point (a test unmounts its own later) and removes it then
    }
  }
});

/** A committed git repository (branch `main` unless given) holding `files`, and an empty SCI_HOME. */
export function sandbox(files: Record<string, string>, branch = 'main'): Sandbox {
  // resolved now: processesMatching compares working directories with it, also after it is removed
  const root = realpathSync(mkdtempSync(join(tmpdir(), 'sci-e2e-')));
  roots.add(root);
  const repo = join(root, 'repo');
  const home = join(root, 'home');
  initRepo(repo, files, { branch });
  return { repo, home, root, env: {}, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

function envOf(box: Sandbox): NodeJS.ProcessEnv {
  return { ...process.env, SCI_HOME: box.home, ...box.env };
}

export interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `sci ...args` in the repository and waits for it. */
export function sci(box: Sandbox, ...args: string[]): Result {
  const r = spawnSync(process.execPath, [SCI, ...args], {
    cwd: box.repo,
    env: envOf(box),
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Like `sci` but does not block the event loop (for tests that act while another sci runs). */
export function sciAsync(box: Sandbox, ...args: string[]): Promise<Result> {
  return collect(startSci(box, ...args));
}

/** Background `sci` processes still running; a failed test must not leave one that keeps the file alive forever. */
const background = new Set<ChildProcess>();

/** Starts `sci ...args` in the background; it is ended (Ctrl-C, then SIGKILL) when the test file ends. */
export function startSci(box: Sandbox, ...args: string[]): ChildProcess {
  const child = spawn(process.execPath, [SCI, ...args], {
    cwd: box.repo,
    env: envOf(box),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  background.add(child);
  child.on('close', () => background.delete(child));
  return child;
}

after(async () => {
  const ending = [...background].map(
    (child) =>
      new Promise<void>((resolve) => {
        const kill = setTimeout(() => child.kill('SIGKILL'), 5_000);
        child.on('close', () => {
          clearTimeout(kill);
          resolve();
        });
        child.kill('SIGINT');
      }),
  );
  await Promise.all(ending);
});

export function collect(child: ChildProcess): Promise<Result> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

export interface StepJson {
  name: string;
  status: string;
  attempts: number;
  startedAt: string | null;
  endedAt: string | null;
  reason?: string;
}

export interface RunJson {
  id: string;
  pipeline: string;
  status: string;
  startedAt: string | null;
  endedAt: string | null;
  steps: StepJson[];
}

/** The JSON Lines of `sci run --json` / `sci runs --json`. */
export function runsOf(stdout: string): RunJson[] {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as RunJson);
}

export function step(run: RunJson, name: string): StepJson {
  const found = run.steps.find((s) => s.name === name);
  if (!found) throw new Error(`no step ${name} in ${run.steps.map((s) => s.name).join(', ')}`);
  return found;
}

export const ms = (iso: string | null): number => (iso ? Date.parse(iso) : Number.NaN);

/** The process of a {@link sharedRun} and the run of one of its pipelines. */
export interface SharedRun extends Result {
  run: RunJson;
}

/**
 * One `sci run ...args --json` for several tests, each asserting the run of its own pipeline: started by the first
 * test that asks, in the background (tests of a `describe` with concurrency wait for it together). A `sci run`
 * process costs ≈ 1 s of CPU; independent pipelines of one state home share one. Its exit code is the whole
 * process's: 1 when any of its runs failed.
 */
export function sharedRun(box: Sandbox, ...args: string[]): (pipeline: string) => Promise<SharedRun> {
  let started: Promise<Result> | undefined;
  return async (pipeline) => {
    started ??= sciAsync(box, 'run', ...args, '--json');
    const r = await started;
    const run = runsOf(r.stdout).find((x) => x.pipeline === pipeline);
    assert.ok(run, `no run of ${pipeline}: ${r.stdout}${r.stderr}`);
    return { ...r, run };
  };
}

/**
 * A step's log (all its attempts), read from the file `sci logs RUN STEP` copies to its output (`local/home.ts`
 * `stepLogFile`): for a test whose subject is what a step printed, not the `sci logs` command (≈ 0.5 s of CPU a
 * process). `key` is the step's key, its name with each run of other characters than letters and digits made
 * `_` (`deploy-prod` → `deploy_prod`: `uniqueKey` in statemachines/pipeline/plan.ts).
 */
export function stepLog(box: Sandbox, runId: string, key: string): string {
  return readFileSync(stepLogFile(box.home, runId, key), 'utf8');
}

/**
 * A reader of the sandbox's store: `read()` gives its runs that have not ended, newest first, in the shape of
 * `sci runs --json` (its own `runView`), read as a client of the `sci` process serving the store then
 * (`<home>/store/server.json`); undefined while none answers.
 * It never serves the store, takes its lock or ends abandoned runs: the `sci` commands a test runs do that. A
 * `sci runs --json` process per poll cost ≈ 0.7 s of CPU; this costs a few queries.
 */
async function storeReader(box: Sandbox): Promise<{ read(): Promise<RunJson[] | undefined>; close(): void }> {
  const [{ localClient }, { DynamoDBDocumentClient }, { DynamoRunStore }, { RUN_TABLE }, { runViews }, { homePaths }] =
    await Promise.all([
      import('../../local/store/dynalite.ts'),
      import('@aws-sdk/lib-dynamodb'),
      import('../../src/store/dynamo-run-store.ts'),
      import('../../src/store/table.ts'),
      import('../../src/cli/output/run-view.ts'),
      import('../../local/home.ts'),
    ]);
  let endpoint = '';
  // one client for the wait, destroyed after it: a client per poll cost a quarter to a half more CPU a poll (its first
  // request's set-up and connection). The serving process may change between polls: requests go to the last one read.
  const client = localClient(() => endpoint, { timeoutMs: 2_000 });
  const store = new DynamoRunStore(DynamoDBDocumentClient.from(client), RUN_TABLE.defaultName);
  return {
    async read() {
      try {
        endpoint = (JSON.parse(readFileSync(homePaths(box.home).storeServer, 'utf8')) as { endpoint: string }).endpoint;
        // the views of live runs only: an ended run's view is a store read more per poll, for nothing
        const live = (await store.listRuns({ limit: 20 })).filter((r) => !isTerminalRun(r.status));
        return await runViews(store, live);
      } catch {
        return undefined;
      }
    },
    close: () => client.destroy(),
  };
}

/**
 * The sandbox's runs, newest first, as `sci runs --json` lists them, read in this process the way its session does
 * (local/session.ts: the store opened, and served while no process serves it; runs left by a killed `sci` ended as
 * abandoned; then `runViews`): for a file whose subject is the runs in the store, not the command. The first read in
 * a process costs ≈ 0.6–0.8 s of CPU (the store's modules and its opening), the next ≈ 0.05–0.13 s, a `sci runs`
 * process ≈ 0.45 s: worth it for several reads, not one.
 */
export async function listedRuns(box: Sandbox): Promise<RunJson[]> {
  const [{ openLocalStore }, { reapAbandoned }, { runViews }] = await Promise.all([
    import('../../local/store/dynalite-server.ts'),
    import('../../local/engine/recovery.ts'),
    import('../../src/cli/output/run-view.ts'),
  ]);
  const local = await openLocalStore(box.home);
  try {
    await reapAbandoned(local.store, { dynamo: local.client, tableName: local.tableName }, box.home);
    return await runViews(local.store, await local.store.listRuns({ limit: 20 }));
  } finally {
    await local.close();
  }
}

/**
 * Polls the sandbox's store (as `sci runs --json` shows it) until `predicate` holds for some run that has not ended
 * (each wait here is for a run in progress: running, queued, at a gate); returns it.
 */
export async function waitForRun(
  box: Sandbox,
  predicate: (run: RunJson) => boolean,
  timeoutMs = 120_000,
): Promise<RunJson> {
  let last: RunJson[] | undefined;
  const reader = await storeReader(box);
  try {
    for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await sleep(250)) {
      last = (await reader.read()) ?? last;
      const found = last?.find(predicate);
      if (found) return found;
    }
  } finally {
    // no kept-alive connection outlives the wait (and delays a serving process's exit)
    reader.close();
  }
  throw new Error(`timed out waiting for a run; the live runs last read: ${JSON.stringify(last)}`);
}

/**
 * Processes of this sandbox (their working directory is under its root: steps run in workspaces
 * of its SCI_HOME) whose command line contains `marker`, as `<pid> <args>`; never another test's
 * or another user's processes, whatever they run.
 */
export function processesMatching(box: Sandbox, marker: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
      if (!args.includes(marker)) continue;
      if (readlinkSync(`/proc/${pid}/cwd`).startsWith(box.root)) found.push(`${pid} ${args}`);
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return found;
}

/** The pids of {@link processesMatching}. */
export function pidsMatching(box: Sandbox, marker: string): number[] {
  return processesMatching(box, marker).map((line) => Number(line.split(' ')[0]));
}

/** A test's cleanup: SIGKILL to this sandbox's processes whose command line contains `marker`. */
export function killMatching(box: Sandbox, marker: string): void {
  for (const pid of pidsMatching(box, marker)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
}
