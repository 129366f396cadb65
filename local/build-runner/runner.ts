/**
 * The local build runner: takes the very `codebuild:startBuild.sync` parameters and runs them as
 * a CodeBuild build would, as a local process group in a fresh workspace. It owns timeouts and
 * cancellation, because the interpreter never tells a task override that it timed out.
 */
import { randomUUID } from 'node:crypto';
import { chown, cp, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CODEBUILD, STEP_PROJECT } from '../../statemachines/step-project.ts';
import { containerName } from '../containers/container-launcher.ts';
import type { LauncherChoice } from '../containers/launchers.ts';
import { registryLogin, type RegistryLogin } from '../containers/registry-login.ts';
import { stepLogFile, stepProcFile } from '../home.ts';
import { buildEnvironment, MissingSecretError } from './environment.ts';
import { LaunchError, type StepLauncher } from './launcher.ts';
import { LogSink } from './log-sink.ts';
import { commitOf, parseBuildspec, type BuildParams } from './params.ts';
import { MARKER_VARIABLE } from './escaped-processes.ts';
import { trustedJail, untrustedJail, type Jail } from './isolation.ts';
import type { UntrustedPolicy } from './isolation.ts';
import {
  CachePathError,
  cachePathDir,
  cacheRootOf,
  exists,
  outputObjectPath,
  restoreCache,
  saveArtifacts,
  saveCache,
  writeLocalAwsCli,
} from './storage.ts';
import { createWorkspace, removeWorkspace, type Workspace } from './workspace.ts';
import { isDiskFull, releaseReserve } from '../store/reserve.ts';

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
  /** How the build runs for its image: a local process or a container (local/containers/launchers.ts). */
  launcher(image: string, login?: RegistryLogin): Promise<LauncherChoice>;
  /** Called once it is known where the build runs (`a local process`, `image node:22 (podman)`). */
  onLaunch?(where: string): void;
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

/** The jail a process-mode build's shells run in, or why the build is refused. */
async function jailFor(ctx: BuildContext, ws: Workspace, env: NodeJS.ProcessEnv): Promise<Jail | string> {
  const jail = ctx.untrusted ? untrustedJail(ws.root, ws.src, ctx.untrustedPolicy ?? 'sandbox') : trustedJail();
  if ('refused' in jail) return jail.refused;
  if (jail.owner) await chownTree(ws.root, jail.owner);
  if (jail.kind === 'process') env[MARKER_VARIABLE] = randomUUID();
  return jail;
}

async function chownTree(root: string, owner: { uid: number; gid: number }): Promise<void> {
  await chown(root, owner.uid, owner.gid);
  for (const entry of await readdir(root, { recursive: true }))
    await chown(join(root, entry), owner.uid, owner.gid).catch(() => undefined);
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
  return text.replace(
    /\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (_m, a: string | undefined, b: string | undefined) => env[(a ?? b) as string] ?? '',
  );
}

async function execute(
  params: BuildParams,
  ctx: BuildContext,
  ws: Workspace,
  log: LogSink,
  stop: AbortSignal,
  launcher: StepLauncher,
  attempt: string,
): Promise<BuildOutcome['exported'] | string> {
  const spec = parseBuildspec(params.BuildspecOverride);
  const view = launcher.view(ws);
  // the pull phase's `aws s3 cp` reads the local artifact store (storage.ts writeLocalAwsCli); a step in
  // a container or a sandbox sees only its workspace, so it reads a copy of this run's artifacts placed there
  const seesHost = launcher.hostVariables && !ctx.untrusted;
  const runArtifacts = join('runs', ctx.runId);
  if (!seesHost && (await exists(join(ctx.paths.artifacts, runArtifacts)))) {
    await cp(join(ctx.paths.artifacts, runArtifacts), join(ws.root, 'artifacts', runArtifacts), { recursive: true });
  }
  await writeLocalAwsCli(join(ws.root, 'bin'), seesHost ? ctx.paths.artifacts : join(view.root, 'artifacts'));
  const { env, secrets } = await buildEnvironment({
    vars: params.EnvironmentVariablesOverride ?? [],
    workspace: view,
    hostVariables: launcher.hostVariables,
    buildId: `local:${ws.root}`,
    sha: commitOf(params.SourceVersion),
    sourceVersion: params.SourceVersion,
    binDir: join(view.root, 'bin'),
    secretsDir: ctx.paths.secrets,
    hostEnv: ctx.hostEnv,
    untrusted: ctx.untrusted,
  });
  log.maskValues(secrets);
  // CodeBuild expands variables in the cache key (the compiler writes `${SCI_BRANCH}` there)
  const cacheKey = spec.cache ? expandVars(spec.cache.key || 'default', env) : undefined;
  const cachePaths = spec.cache?.paths ?? [];
  const cacheDirs = cachePaths.flatMap((p) => cachePathDir(p, ws.src, ws.home) ?? []);
  for (const p of cachePaths.filter((p) => cachePathDir(p, ws.src, ws.home) === undefined)) {
    log.note(
      `cache path ${p} is absolute: cached on AWS (inside the build's container), not locally (it would be the host's)`,
    );
  }
  const cacheRoot = cacheRootOf(ctx.paths.cache, params.CacheOverride?.Location);
  if (cacheKey && params.CacheOverride?.Type !== 'NO_CACHE') {
    const found = await restoreCache(cacheRoot, cacheKey, cacheDirs);
    log.note(found > 0 ? `cache ${cacheKey} restored` : `cache ${cacheKey} not found`);
  }
  // process mode: a PID namespace (trusted) or a bubblewrap sandbox (untrusted); container mode: the container
  let jail: Jail | undefined;
  if (launcher.hostVariables) {
    const chosen = await jailFor(ctx, ws, env);
    if (typeof chosen === 'string') return chosen;
    if (chosen.kind === 'sandbox')
      log.note('untrusted event: this step runs in a sandbox (bubblewrap), without secrets');
    jail = chosen;
  }
  // the last phase leaves the exported variables' values in the workspace (path as the step sees it)
  const phases = spec.phases.map((phase, index) =>
    index === spec.phases.length - 1 && spec.exportedVariables.length > 0
      ? { ...phase, commands: [...phase.commands, exportCommand(spec.exportedVariables, view)] }
      : phase,
  );
  const code = await launcher.run({
    phases,
    ws,
    env,
    log,
    stop,
    recordFile: stepProcFile(ctx.paths.home, ctx.runId, ctx.stepKey),
    name: containerName(ctx.runId, ctx.stepKey, attempt),
    runId: ctx.runId,
    stepKey: ctx.stepKey,
    ...(jail ? { jail } : {}),
  });
  if (code !== 0) return stop.aborted ? 'STOPPED' : `exit code ${code}`;
  if (spec.artifacts && params.ArtifactsOverride && params.ArtifactsOverride.Type !== 'NO_ARTIFACTS') {
    const base = spec.artifacts.baseDirectory ? join(ws.src, spec.artifacts.baseDirectory) : ws.src;
    const { kept, refused } = await saveArtifacts(
      base,
      spec.artifacts.files,
      outputObjectPath(ctx.paths.artifacts, params.ArtifactsOverride),
    );
    for (const link of refused)
      log.note(`artifact ${link} not kept: a symbolic link must be relative and stay inside the artifacts`);
    log.note(`artifacts: ${kept} file(s) kept`);
  }
  if (cacheKey && params.CacheOverride?.Type !== 'NO_CACHE') await saveCache(cacheRoot, cacheKey, cacheDirs);
  return readExported(spec.exportedVariables, ws);
}

/**
 * How long the build may run: CodeBuild's own limit (`TimeoutInMinutesOverride`, else the project's; 15 minutes on
 * Lambda compute, which takes none), the state's clock, and the step's exact `timeout`
 * (`SCI_STEP_TIMEOUT`), which CodeBuild rounds up to whole minutes (at least 5) and a local run keeps. A build
 * without one has a timeout of whole minutes, the build's own (statemachines/compiler/run-task.ts).
 */
export function buildTimeoutMs(params: BuildParams, stateMs: number): number {
  const lambda = params.ComputeTypeOverride?.startsWith('BUILD_LAMBDA_') ?? false;
  const minutes =
    params.TimeoutInMinutesOverride ?? (lambda ? CODEBUILD.lambdaBuildMinutes : STEP_PROJECT.buildMinutes);
  const step = Number(params.EnvironmentVariablesOverride?.find((v) => v.Name === 'SCI_STEP_TIMEOUT')?.Value);
  return Math.min(stateMs, minutes * 60_000, Number.isFinite(step) && step > 0 ? step * 1000 : Infinity);
}

/** The build's image: its override, else the project's (as StartBuild does, statemachines/step-project.ts). */
function imageOf(params: BuildParams): string {
  return params.ImageOverride ?? STEP_PROJECT.image;
}

/** The reason a build that met a full disk (or the file size limit) fails with. */
function diskFullReason(doing: string, error: NodeJS.ErrnoException): string {
  return `disk full while ${doing} (${error.message})`;
}

/** The workspace, the log and the launcher of a build, or why the disk could not hold them. */
async function prepare(
  params: BuildParams,
  ctx: BuildContext,
  id: string,
  logFile: string,
  onLogFailure: (error: Error) => void,
) {
  // where the build runs (engine detection, image pull), the checkout and the store write of `running` go on at once
  const choosing = registryLogin(params.RegistryCredentialOverride?.Credential, ctx.paths.secrets)
    .then((login) => (login && 'error' in login ? login : ctx.launcher(imageOf(params), login)))
    .then((choice) => {
      ctx.onLaunch?.('launcher' in choice ? choice.launcher.where : `image ${imageOf(params)}`);
      return choice;
    });
  const runDir = join(ctx.paths.work, ctx.runId);
  const name = `${ctx.stepKey}-${id.slice(0, 8)}`;
  const [ws, log, choice, started] = await Promise.allSettled([
    createWorkspace(ctx.repoDir, commitOf(params.SourceVersion), runDir, name),
    LogSink.open(logFile, ctx.onLine, onLogFailure),
    choosing,
    ctx.onStart(),
  ]);
  const failed = [ws, log, choice, started].find((r) => r.status === 'rejected');
  if (!failed)
    return {
      ws: (ws as PromiseFulfilledResult<Workspace>).value,
      log: (log as PromiseFulfilledResult<LogSink>).value,
      choice: (choice as PromiseFulfilledResult<LauncherChoice>).value,
    };
  if (log.status === 'fulfilled') await log.value.close();
  await removeWorkspace({ root: join(runDir, name) });
  if (!isDiskFull(failed.reason)) throw failed.reason;
  await releaseReserve(ctx.paths.home);
  return {
    diskFull: diskFullReason(
      ws.status === 'rejected' ? 'checking out the commit' : 'opening the step log',
      failed.reason,
    ),
  };
}

/** Runs one build to its end; never throws for the build's own failure. */
export async function runBuild(params: BuildParams, ctx: BuildContext): Promise<BuildOutcome> {
  const id = randomUUID();
  const logFile = stepLogFile(ctx.paths.home, ctx.runId, ctx.stepKey);
  const stop = new AbortController();
  // a full disk stops the build at once: its output can no longer be kept
  let diskFull: string | undefined;
  const onDiskFull = (reason: string) => {
    diskFull ??= reason;
    stop.abort();
    void releaseReserve(ctx.paths.home);
  };
  const prepared = await prepare(params, ctx, id, logFile, (error) => {
    if (isDiskFull(error)) onDiskFull(diskFullReason('writing the step log', error));
    else onDiskFull(`the step log could not be written (${error.message})`);
  });
  if ('diskFull' in prepared) return { id, status: 'FAILED', reason: prepared.diskFull ?? '', logFile, exported: [] };
  const { ws, log, choice } = prepared;
  const timeoutMs = buildTimeoutMs(params, ctx.timeoutMs);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    stop.abort();
  }, timeoutMs);
  const onCancel = () => stop.abort();
  // an execution cancelled while the workspace was being made: its listener would never fire
  if (ctx.signal.aborted) stop.abort();
  ctx.signal.addEventListener('abort', onCancel, { once: true });
  try {
    const where = 'launcher' in choice ? choice.launcher.where : `image ${imageOf(params)}`;
    const unused = 'launcher' in choice && choice.launcher.hostVariables ? ` (image ${imageOf(params)} not used)` : '';
    log.note(`step ${ctx.stepKey} at ${commitOf(params.SourceVersion).slice(0, 12)}, in ${where}${unused}`);
    const result =
      'error' in choice
        ? choice.error
        : await execute(params, ctx, ws, log, stop.signal, choice.launcher, id.slice(0, 8)).catch((error: unknown) => {
            if (error instanceof MissingSecretError || error instanceof LaunchError || error instanceof CachePathError)
              return error.message;
            // the workspace, the artifacts or the cache met a full disk
            if (isDiskFull(error)) {
              onDiskFull(diskFullReason("saving the step's files", error));
              return diskFull as string;
            }
            throw error;
          });
    const exported = typeof result === 'string' ? [] : result;
    const status: BuildStatus = diskFull
      ? 'FAILED'
      : timedOut
        ? 'TIMED_OUT'
        : ctx.signal.aborted
          ? 'STOPPED'
          : typeof result !== 'string'
            ? 'SUCCEEDED'
            : 'FAILED';
    const reason =
      diskFull ??
      (status === 'TIMED_OUT'
        ? 'timed out'
        : status === 'STOPPED'
          ? 'cancelled'
          : typeof result === 'string'
            ? result
            : '');
    log.note(status === 'SUCCEEDED' ? 'succeeded' : `${status.toLowerCase()}: ${reason}`);
    return { id, status, reason, logFile, exported };
  } finally {
    clearTimeout(timer);
    ctx.signal.removeEventListener('abort', onCancel);
    await log.close();
    await removeWorkspace(ws);
  }
}
