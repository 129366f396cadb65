/**
 * The local build runner: takes the very `codebuild:startBuild.sync` parameters and runs them as
 * a CodeBuild build would, as a local process group in a fresh workspace. It owns timeouts and
 * cancellation, because the interpreter never tells a task override that it timed out.
 */
import { randomUUID } from 'node:crypto';
import { chown, readdir, readFile, writeFile } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';
import { join } from 'node:path';
import { stepLogFile, stepProcFile } from '../home.ts';
import { buildEnvironment, MissingSecretError } from './environment.ts';
import { removeGroupRecord, writeGroupRecord } from './group-records.ts';
import { LogSink } from './log-sink.ts';
import { parseBuildspec, type BuildParams, type Buildspec } from './params.ts';
import { killMarked, MARKER_VARIABLE } from './escaped-processes.ts';
import { trustedJail, untrustedJail, type Jail, type UntrustedPolicy } from './isolation.ts';
import { spawnGroup } from './process-group.ts';
import { artifactDir, cachePathDir, outputArtifactDir, restoreArtifact, restoreCache, saveArtifacts, saveCache } from './storage.ts';
import { createWorkspace, removeWorkspace, type Workspace } from './workspace.ts';

/** Directories of the state home the runner reads and writes. */
export interface RunnerPaths {
  /** The state home itself (log files are named from it). */
  home: string;
  artifacts: string;
  cache: string;
  logs: string;
  work: string;
  secrets: string;
}

export interface BuildContext {
  repoDir: string;
  paths: RunnerPaths;
  runId: string;
  stepKey: string;
  /** The Task state's TimeoutSeconds, in ms. */
  timeoutMs: number;
  /** Aborted when the execution is cancelled. */
  signal: AbortSignal;
  hostEnv: NodeJS.ProcessEnv;
  /**
   * The build belongs to an untrusted event (a fork's pull request): decided by the engine from
   * the run's facts, never from the pipeline file. It runs sandboxed, without host secrets.
   */
  untrusted: boolean;
  /** What to do with an untrusted build when no sandbox is usable. @default 'sandbox' (refuse) */
  untrustedPolicy?: UntrustedPolicy;
  /** Called when the build starts (before its checkout is ready). */
  onStart(): Promise<void>;
  onLine(line: string): void;
}

export type BuildStatus = 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'STOPPED';

export interface BuildOutcome {
  id: string;
  status: BuildStatus;
  /** Why it did not succeed, in words a user reads in `sci show`. */
  reason: string;
  logFile: string;
  /** `env.exported-variables` with their values at the end of the build (as CodeBuild reports them). */
  exported: Array<{ Name: string; Value: string }>;
}

async function restoreSources(params: BuildParams, ws: Workspace, paths: RunnerPaths): Promise<Record<string, string>> {
  const dirs: Record<string, string> = {};
  for (const source of params.SecondarySourcesOverride ?? []) {
    const id = source.SourceIdentifier ?? 'src';
    dirs[id] = join(ws.sources, id);
    await restoreArtifact(artifactDir(paths.artifacts, source.Location ?? ''), dirs[id]);
  }
  return dirs;
}

/** How long output may still arrive once a step's shell is gone (what was already in the pipes). */
const DRAIN_MS = 500;

/**
 * Runs the phases in one bash each (`-eo pipefail`) inside `jail`; resolves with the first
 * failing exit code, or 0. When a shell exits its phase is over, as on CodeBuild where the
 * container ends: what it started is killed and its output is no longer read. Each running
 * group is recorded in `recordFile` so crash recovery can end it if we die first.
 */
async function runPhases(spec: Buildspec, ws: Workspace, env: NodeJS.ProcessEnv, jail: Jail, log: LogSink, stop: AbortSignal, recordFile: string): Promise<number> {
  for (const [index, phase] of spec.phases.entries()) {
    if (stop.aborted) return 143;
    const script = join(ws.root, `${phase.name}.sh`);
    const last = index === spec.phases.length - 1 && spec.exportedVariables.length > 0;
    await writeFile(script, `${[...phase.commands, ...(last ? [exportCommand(spec.exportedVariables, ws)] : [])].join('\n')}\n`);
    const [file, ...args] = [...jail.prefix, 'bash', '-eo', 'pipefail', script];
    const proc = spawnGroup(file!, args, ws.src, env);
    const recorded = proc.pid ? writeGroupRecord(recordFile, proc.pid) : Promise.resolve();
    const onStop = () => void proc.kill();
    stop.addEventListener('abort', onStop, { once: true });
    const piped = Promise.all([log.pipe(proc.stdout), log.pipe(proc.stderr)]);
    const code = await proc.exited;
    stop.removeEventListener('abort', onStop);
    // in a namespace or sandbox the kernel has ended the rest with the shell; here the group,
    // then whatever escaped it
    proc.reap();
    if (jail.kind === 'process') await killMarked(env[MARKER_VARIABLE] as string);
    await recorded;
    await removeGroupRecord(recordFile);
    const drained = await Promise.race([piped.then(() => true), delay(DRAIN_MS, false)]);
    if (!drained) {
      proc.stdout.destroy();
      proc.stderr.destroy();
      log.note('output still open after the step ended (a background process?); no longer read');
    }
    if (code !== 0) return code;
  }
  return 0;
}

/** The jail this build's shells run in, or why the build is refused. */
async function jailFor(ctx: BuildContext, ws: Workspace, env: NodeJS.ProcessEnv): Promise<Jail | string> {
  const jail = ctx.untrusted ? untrustedJail(ws.root, ws.src, ctx.untrustedPolicy ?? 'sandbox') : trustedJail();
  if ('refused' in jail) return jail.refused;
  if (jail.owner) await chownTree(ws.root, jail.owner);
  if (jail.kind === 'process') env[MARKER_VARIABLE] = randomUUID();
  return jail;
}

async function chownTree(root: string, owner: { uid: number; gid: number }): Promise<void> {
  await chown(root, owner.uid, owner.gid);
  for (const entry of await readdir(root, { recursive: true })) await chown(join(root, entry), owner.uid, owner.gid).catch(() => undefined);
}

/** Where the last phase leaves the exported variables' values, NUL-terminated, in declared order. */
function exportsFile(ws: Workspace): string {
  return join(ws.root, 'exported-variables');
}

function exportCommand(names: string[], ws: Workspace): string {
  const file = exportsFile(ws).replace(/'/g, `'\\''`);
  return `printf '%s\\0' ${names.map((n) => `"\${${n}-}"`).join(' ')} > '${file}'`;
}

async function readExported(names: string[], ws: Workspace): Promise<BuildOutcome['exported']> {
  if (names.length === 0) return [];
  const values = (await readFile(exportsFile(ws), 'utf8')).split('\0');
  return names.map((Name, i) => ({ Name, Value: values[i] ?? '' }));
}

/** `${NAME}` and `$NAME` replaced by their values in `env` (unset → empty), as bash would. */
export function expandVars(text: string, env: NodeJS.ProcessEnv): string {
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (_m, a: string | undefined, b: string | undefined) => env[(a ?? b) as string] ?? '');
}

async function execute(params: BuildParams, ctx: BuildContext, ws: Workspace, log: LogSink, stop: AbortSignal): Promise<BuildOutcome['exported'] | string> {
  const spec = parseBuildspec(params.BuildspecOverride);
  const sourceDirs = await restoreSources(params, ws, ctx.paths);
  const { env, secrets } = await buildEnvironment({
    vars: params.EnvironmentVariablesOverride ?? [],
    workspace: ws,
    buildId: `local:${ws.root}`,
    sha: params.SourceVersion,
    sourceDirs,
    secretsDir: ctx.paths.secrets,
    hostEnv: ctx.hostEnv,
    untrusted: ctx.untrusted,
  });
  log.maskValues(secrets);
  // CodeBuild expands variables in the cache key (the compiler writes `${SCI_BRANCH}` there)
  const cacheKey = spec.cache ? expandVars(spec.cache.key || 'default', env) : undefined;
  const cacheDirs = (spec.cache?.paths ?? []).map((p) => cachePathDir(p, ws.src, ws.home));
  if (cacheKey && params.CacheOverride?.Type !== 'NO_CACHE') {
    const found = await restoreCache(ctx.paths.cache, cacheKey, cacheDirs);
    log.note(found > 0 ? `cache ${cacheKey} restored` : `cache ${cacheKey} not found`);
  }
  const jail = await jailFor(ctx, ws, env);
  if (typeof jail === 'string') return jail;
  if (jail.kind === 'sandbox') log.note('untrusted event: this step runs in a sandbox (bubblewrap), without secrets');
  const code = await runPhases(spec, ws, env, jail, log, stop, stepProcFile(ctx.paths.home, ctx.runId, ctx.stepKey));
  if (code !== 0) return stop.aborted ? 'STOPPED' : `exit code ${code}`;
  if (spec.artifacts && params.ArtifactsOverride && params.ArtifactsOverride.Type !== 'NO_ARTIFACTS') {
    const base = spec.artifacts.baseDirectory ? join(ws.src, spec.artifacts.baseDirectory) : ws.src;
    const count = await saveArtifacts(base, spec.artifacts.files, outputArtifactDir(ctx.paths.artifacts, params.ArtifactsOverride));
    log.note(`artifacts: ${count} file(s) kept`);
  }
  if (cacheKey && params.CacheOverride?.Type !== 'NO_CACHE') await saveCache(ctx.paths.cache, cacheKey, cacheDirs);
  return readExported(spec.exportedVariables, ws);
}

/** Runs one build to its end; never throws for the build's own failure. */
export async function runBuild(params: BuildParams, ctx: BuildContext): Promise<BuildOutcome> {
  const id = randomUUID();
  const logFile = stepLogFile(ctx.paths.home, ctx.runId, ctx.stepKey);
  // the store write of `running` goes on while the checkout is made: both are on every step's path
  const [ws, log] = await Promise.all([
    createWorkspace(ctx.repoDir, params.SourceVersion, join(ctx.paths.work, ctx.runId), `${ctx.stepKey}-${id.slice(0, 8)}`),
    LogSink.open(logFile, ctx.onLine),
    ctx.onStart(),
  ]);
  const timeoutMs = Math.min(ctx.timeoutMs, (params.TimeoutInMinutesOverride ?? 480) * 60_000);
  const stop = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    stop.abort();
  }, timeoutMs);
  const onCancel = () => stop.abort();
  ctx.signal.addEventListener('abort', onCancel, { once: true });
  // cancelled while the workspace was being made: the listener came too late to hear it
  if (ctx.signal.aborted) stop.abort();
  try {
    log.note(`step ${ctx.stepKey} at ${params.SourceVersion.slice(0, 12)}, as a local process${params.ImageOverride ? ` (image ${params.ImageOverride} not used)` : ''}`);
    const result = await execute(params, ctx, ws, log, stop.signal).catch((error: unknown) => {
      if (error instanceof MissingSecretError) return error.message;
      throw error;
    });
    const exported = typeof result === 'string' ? [] : result;
    const status: BuildStatus = timedOut ? 'TIMED_OUT' : ctx.signal.aborted ? 'STOPPED' : typeof result !== 'string' ? 'SUCCEEDED' : 'FAILED';
    const reason = status === 'TIMED_OUT' ? 'timed out' : status === 'STOPPED' ? 'cancelled' : typeof result === 'string' ? result : '';
    log.note(status === 'SUCCEEDED' ? 'succeeded' : `${status.toLowerCase()}: ${reason}`);
    return { id, status, reason, logFile, exported };
  } finally {
    clearTimeout(timer);
    ctx.signal.removeEventListener('abort', onCancel);
    await log.close();
    await removeWorkspace(ws);
  }
}
