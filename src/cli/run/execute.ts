/**
 * The running half of `sci run`: the selected pipelines go through the core's dispatch with the
 * local adapters (local/runtime.ts), so each run is compiled, recorded, started, reported and
 * followed exactly as on AWS; live progress meanwhile, Ctrl-C as a clean cancel, then the summary
 * (or JSON Lines) of every run started (followers included) and the exit code.
 */
import { readFile } from 'node:fs/promises';
import { stepLogFile } from '../../../local/home.ts';
import type { ContainerMode } from '../../../local/containers/engine.ts';
import { reapAbandoned } from '../../../local/engine/recovery.ts';
import { newRunId } from '../../../local/engine/ulid.ts';
import type { GitFacts } from '../../../local/git-facts.ts';
import { localRuntime } from '../../../local/runtime.ts';
import { withSession, type LocalSession } from '../../../local/session.ts';
import { LoggedStatuses } from '../../../local/status-log.ts';
import { changeWatch } from '../../../local/store/changes.ts';
import { type QueueDeps, startQueuedRun } from '../../core/concurrency.ts';
import { startPipelines } from '../../core/dispatch.ts';
import type { RunWithSteps } from '../../core/ports.ts';
import type { RunFacts } from '../../core/run-facts.ts';
import { isTerminalRun } from '../../../statemachines/lifecycle.ts';
import type { EventName, Pipeline } from '../../../statemachines/pipeline/model.ts';
import { GitSource } from '../../source/git-source.ts';
import { reportFailure } from '../failure.ts';
import { printable, printableOutput } from '../output/printable.ts';
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

function factsOf(o: ExecuteOptions): RunFacts {
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
    ...(o.released ? { released: o.released } : {}),
  };
}

async function failedTails(session: LocalSession, runId: string): Promise<string[]> {
  const found = await session.store.getRun(runId);
  const out: string[] = [];
  for (const step of found?.steps.filter((s) => s.status === 'failed') ?? []) {
    const text = await readFile(stepLogFile(session.home, runId, step.key), 'utf8').catch(() => '');
    const tail = text.trimEnd().split('\n').slice(-LOG_TAIL_LINES);
    const name = printable(step.name);
    if (text)
      out.push(
        `--- ${name} (last ${tail.length} lines; sci logs ${runId} '${name}') ---`,
        ...tail.map(printableOutput),
      );
  }
  return out;
}

/** Listens for Ctrl-C / SIGTERM while `fn` runs: the first calls `cancel`, a second quits at once. */
export async function cancellable<T>(cancel: () => void, fn: () => Promise<T>): Promise<T> {
  let asked = false;
  const onSignal = () => {
    if (asked) process.exit(130);
    asked = true;
    process.stderr.write('\ncancelling (Ctrl-C again to quit at once)…\n');
    cancel();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await fn();
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** `  in image node:22 (podman): build, test (node=22)`: where the run's steps ran, grouped. */
function whereLines(found: RunWithSteps, where: ReadonlyMap<string, string>): string[] {
  const groups = new Map<string, string[]>();
  for (const step of found.steps) {
    const at = where.get(`${found.run.id}/${step.key}`);
    if (at) groups.set(at, [...(groups.get(at) ?? []), step.name]);
  }
  return [...groups].map(([at, names]) => `  in ${printable(at)}: ${printable(names.join(', '))}`);
}

/**
 * The end of `sci run`: one JSON line per run, or each run's block, where its steps ran, failed logs' tails and
 * status. `ended` holds runs already read at their end (not read again).
 */
export async function report(
  session: LocalSession,
  runIds: string[],
  json: boolean,
  tty: boolean,
  where: ReadonlyMap<string, string>,
  ended: ReadonlyMap<string, RunWithSteps> = new Map(),
): Promise<RunWithSteps[]> {
  const reported: RunWithSteps[] = [];
  for (const runId of runIds) {
    const found = ended.get(runId) ?? (await session.store.getRun(runId));
    if (!found) continue;
    reported.push(found);
    if (json) {
      process.stdout.write(`${JSON.stringify(runView(found))}\n`);
      continue;
    }
    // on a terminal the live view already shows the final block
    if (!tty) process.stdout.write(`\n${runBlock(found).join('\n')}\n`);
    const places = whereLines(found, where);
    if (places.length > 0) process.stdout.write(`${places.join('\n')}\n`);
    const tails = await failedTails(session, runId);
    if (tails.length > 0) process.stdout.write(`${tails.join('\n')}\n`);
    const why = found.run.status === 'failed' && found.run.reason ? ` (${printable(found.run.reason)})` : '';
    process.stdout.write(`${printable(found.run.pipeline)}: ${found.run.status}${why} — sci show ${runId}\n`);
  }
  return reported;
}

/** How often a `sci run` whose runs wait in their group looks for a holder whose process is gone. */
const REAP_WHILE_WAITING_MS = 1000;

/**
 * Waits for runs that waited in a concurrency group: whoever ends the group's run in progress starts
 * them, maybe another `sci` process (then they run there). While they wait this process is the one
 * sure to be alive, so it runs crash recovery itself: a holder whose `sci run` was killed is ended as
 * abandoned, which hands the group on, and the run the group was handed to starts here. Answers the
 * runs as read at their end, by id.
 */
async function untilEnded(
  session: LocalSession,
  runIds: string[],
  settled: () => Promise<void>,
  queue: QueueDeps,
): Promise<Map<string, RunWithSteps>> {
  let reapedAt = 0;
  for (;;) {
    await settled();
    const runs = await Promise.all(runIds.map((id) => session.store.getRun(id)));
    if (runs.every((r) => r === undefined || isTerminalRun(r.run.status)))
      return new Map(runs.flatMap((r) => (r ? [[r.run.id, r] as const] : [])));
    const queued = runs.flatMap((found) =>
      found?.run.status === 'queued' && found.run.concurrencyGroup
        ? [{ run: found.run, group: found.run.concurrencyGroup }]
        : [],
    );
    if (queued.length > 0 && Date.now() - reapedAt >= REAP_WHILE_WAITING_MS) {
      reapedAt = Date.now();
      await reapAbandoned(session.store, session.table, session.home);
    }
    for (const { run, group } of queued) {
      const { holder } = await session.store.readGroup(run.repo, group);
      if (holder === run.id) await startQueuedRun(queue, run);
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

export async function executeSelected(o: ExecuteOptions): Promise<number> {
  return withSession(o.repoDir, async (session) => {
    const tty = !o.json && process.stdout.isTTY === true;
    const where = new Map<string, string>();
    const progress = o.json
      ? undefined
      : new Progress(session.store, process.stdout, tty, where, changeWatch(session.writes));
    const note = (text: string) =>
      progress ? progress.note(`sci run: ${text}`) : process.stderr.write(`sci run: ${printable(text)}\n`);
    // every run this command starts, dispatched or following one, in start order
    const started: string[] = [];
    const runtime = localRuntime({
      session,
      repoDir: o.repoDir,
      repoUrl: o.git.repoUrl,
      source: new GitSource(o.repoDir),
      statuses: new LoggedStatuses(note),
      runUrl: (runId) => `sci show ${runId}`,
      containers: o.containers,
      ...(o.parallel ? { parallel: o.parallel } : {}),
      onNotice: note,
      onLaunch: (runId, stepKey, at) => where.set(`${runId}/${stepKey}`, at),
      onRunStarted: (runId) => {
        started.push(runId);
        progress?.track(runId);
      },
    });
    if (!o.json)
      process.stdout.write(
        `sci run: ${printable(o.runs.map((r) => r.pipeline.id).join(', '))} at ${o.git.sha.slice(0, 12)}${o.branch ? ` (${printable(o.branch)})` : ''}\n`,
      );
    const facts = factsOf(o);
    let ended = new Map<string, RunWithSteps>();
    const outcome = await cancellable(
      () => runtime.executions.stopAll('cancelled (Ctrl-C)'),
      async () => {
        const dispatched = await startPipelines(runtime.dispatch, o.all, o.runs, {
          seed: `sci-run:${newRunId()}`,
          facts,
        });
        await runtime.executions.settled();
        if (dispatched.ok)
          ended = await untilEnded(
            session,
            dispatched.value.runs.map((r) => r.runId),
            () => runtime.executions.settled(),
            runtime.report,
          );
        return dispatched;
      },
    );
    await progress?.stop();
    if (!outcome.ok) return reportFailure('run', outcome.error, process.stderr);
    // a dispatched run that waited in its group may have started (or been cancelled) in another process
    const reported = [...new Set([...outcome.value.runs.map((r) => r.runId), ...started])];
    const summed = await report(session, reported, o.json, tty, where, ended);
    return summed.every((x) => x.run.status === 'succeeded') ? 0 : 1;
  });
}
