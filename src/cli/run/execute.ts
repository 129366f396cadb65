/**
 * The running half of `sci run`: compile the selected pipelines (and their callees), open the
 * local store, execute every run concurrently on the embedded engine with live progress, turn
 * Ctrl-C into a clean cancel, then print the summary (or JSON Lines) and pick the exit code.
 */
import { readFile } from 'node:fs/promises';
import { stepLogFile } from '../../../local/home.ts';
import type { ContainerMode } from '../../../local/containers/engine.ts';
import { LocalEngine } from '../../../local/engine/engine.ts';
import type { ExecutablePipeline, ExecutionOutcome, RunFacts } from '../../../local/engine/execution.ts';
import type { GitFacts } from '../../../local/git-facts.ts';
import { formatDiagnostic, sortDiagnostics } from '../../../statemachines/diagnostics.ts';
import { withSession, type LocalSession } from '../../../local/session.ts';
import type { RunWithSteps } from '../../core/ports.ts';
import type { EventName, Pipeline } from '../../../statemachines/pipeline/model.ts';
import { compileProgram } from '../../../statemachines/compiler/program.ts';
import type { CompiledPipeline } from '../../../statemachines/compiler/compile.ts';
import { Progress } from '../output/progress.ts';
import { runBlock, runView } from '../output/run-view.ts';
import type { SelectedRun } from './selection.ts';

export interface ExecuteOptions {
  repoDir: string;
  git: GitFacts;
  event: EventName;
  branch: string;
  all: Pipeline[];
  runs: SelectedRun[];
  json: boolean;
  /** Steps in containers or as local processes (`--no-containers`, `SCI_CONTAINER`). */
  containers: ContainerMode;
  /** A re-release: the outputs of the steps it does not run. */
  released?: RunFacts['released'];
  /** How many steps run at once (`-j`). @default the core count */
  parallel?: number;
}

/** Lines of a failed step's log shown in the summary. */
const LOG_TAIL_LINES = 15;

function factsOf(o: ExecuteOptions, inputs: RunFacts['inputs']): RunFacts {
  return {
    repo: o.git.repo,
    repoUrl: o.git.repoUrl,
    sha: o.git.sha,
    ref: o.branch ? `refs/heads/${o.branch}` : '',
    branch: o.branch,
    tag: '',
    event: o.event,
    actor: o.git.actor,
    pr: { number: 0, base: o.event === 'pull_request' ? o.branch : '', fork: false },
    inputs,
    ...(o.released ? { released: o.released } : {}),
  };
}

async function failedTails(session: LocalSession, runId: string): Promise<string[]> {
  const found = await session.store.getRun(runId);
  const out: string[] = [];
  for (const step of found?.steps.filter((s) => s.status === 'failed') ?? []) {
    const text = await readFile(stepLogFile(session.home, runId, step.key), 'utf8').catch(() => '');
    const tail = text.trimEnd().split('\n').slice(-LOG_TAIL_LINES);
    if (text) out.push(`--- ${step.name} (last ${tail.length} lines; sci logs ${runId} '${step.name}') ---`, ...tail);
  }
  return out;
}

/** Listens for Ctrl-C / SIGTERM while `fn` runs: the first cancels the runs, a second quits at once. */
export async function cancellable<T>(fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onSignal = () => {
    if (controller.signal.aborted) process.exit(130);
    process.stderr.write('\ncancelling (Ctrl-C again to quit at once)…\n');
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await fn(controller.signal);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** Compiles before anything is created; a pipeline that cannot compile is a config error (exit 2). */
function compileOrReport(o: ExecuteOptions, tableName: string): Map<string, CompiledPipeline> | undefined {
  const program = compileProgram(o.all, o.runs.map((r) => r.pipeline), { tableName });
  if (program.ok) return program.value;
  for (const d of sortDiagnostics(program.diagnostics)) process.stderr.write(`${formatDiagnostic(d)}\n`);
  return undefined;
}

/** `  in image node:22 (podman): build, test (node=22)`: where the run's steps ran, grouped. */
function whereLines(found: RunWithSteps, where: ReadonlyMap<string, string>): string[] {
  const groups = new Map<string, string[]>();
  for (const step of found.steps) {
    const at = where.get(`${found.run.id}/${step.key}`);
    if (at) groups.set(at, [...(groups.get(at) ?? []), step.name]);
  }
  return [...groups].map(([at, names]) => `  in ${at}: ${names.join(', ')}`);
}

/** The end of `sci run`: one JSON line per run, or each run's block, where its steps ran, failed logs' tails and status. */
export async function report(session: LocalSession, outcomes: ExecutionOutcome[], json: boolean, tty: boolean, where: ReadonlyMap<string, string>): Promise<void> {
  for (const outcome of outcomes) {
    const found = await session.store.getRun(outcome.runId);
    if (!found) continue;
    if (json) {
      process.stdout.write(`${JSON.stringify(runView(found))}\n`);
      continue;
    }
    // on a terminal the live view already shows the final block
    if (!tty) process.stdout.write(`\n${runBlock(found).join('\n')}\n`);
    const places = whereLines(found, where);
    if (places.length > 0) process.stdout.write(`${places.join('\n')}\n`);
    const tails = await failedTails(session, outcome.runId);
    if (tails.length > 0) process.stdout.write(`${tails.join('\n')}\n`);
    const why = outcome.error && outcome.status === 'failed' ? ` (${outcome.error})` : '';
    process.stdout.write(`${found.run.pipeline}: ${found.run.status}${why} — sci show ${outcome.runId}\n`);
  }
}

export async function executeSelected(o: ExecuteOptions): Promise<number> {
  return withSession(o.repoDir, async (session) => {
    const program = compileOrReport(o, session.table.tableName);
    if (!program) return 2;
    const { store, dynamo, table, paths } = session;
    const tty = !o.json && process.stdout.isTTY === true;
    const where = new Map<string, string>();
    const progress = o.json ? undefined : new Progress(store, process.stdout, tty, where);
    const engine = new LocalEngine({
      store,
      dynamo,
      tableName: table.tableName,
      paths,
      repoDir: o.repoDir,
      pipelines: program,
      containers: o.containers,
      ...(o.parallel ? { parallel: o.parallel } : {}),
      onLaunch: (runId, stepKey, at) => where.set(`${runId}/${stepKey}`, at),
      onNotice: (text) => (progress ? progress.note(`sci run: ${text}`) : process.stderr.write(`sci run: ${text}\n`)),
    });
    if (!o.json) process.stdout.write(`sci run: ${o.runs.map((r) => r.pipeline.id).join(', ')} at ${o.git.sha.slice(0, 12)}${o.branch ? ` (${o.branch})` : ''}\n`);
    const outcomes = await cancellable((signal) =>
      Promise.all(
        o.runs.map((r) =>
          engine.run({
            pipeline: program.get(r.pipeline.id) as ExecutablePipeline,
            facts: factsOf(o, r.inputs),
            signal,
            onCreated: (runId) => progress?.track(runId),
          }),
        ),
      ),
    );
    await progress?.stop();
    await report(session, outcomes, o.json, tty, where);
    return outcomes.every((x) => x.status === 'succeeded') ? 0 : 1;
  });
}
