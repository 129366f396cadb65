/**
 * `concurrency: { group, cancel_in_progress }`, GitHub Actions' semantics: at most one run of a
 * group is in progress and at most one waits. With `cancel_in_progress` a newer run cancels the
 * one in progress (and the waiting one); without it the newer run waits (`queued`, `waitingFor`
 * set) until the one in progress ends, and a newer arrival replaces the waiting one.
 *
 * Who holds the group and who waits is one item per group in the run store, changed only by
 * conditional writes (`RunStore.claimGroup`, `waitInGroup`, `releaseGroup`), so two runs that
 * arrive together never both start. A run's terminal transition hands the group to the waiting
 * run in the store itself; whoever recorded the end (the reporter, a cancel) then starts it. The
 * waiting run keeps how to start its execution (`queuedStart`), so the queue survives a restart
 * of `sci serve` and a cold Lambda.
 */
import type { Pipeline } from '../../statemachines/pipeline/model.ts';
import { isTerminalRun, newestFirstSk } from '../../statemachines/lifecycle.ts';
import type { Clock, ExecutionStarter, GroupEntrant, RunRecord, RunStore, StatusReporter } from './ports.ts';
import { renderTemplate } from './render-template.ts';
import { expressionContext, type InputValues, type RunFacts } from './run-facts.ts';

export interface QueueDeps {
  store: RunStore;
  executions: ExecutionStarter;
  statuses: StatusReporter;
  clock: Clock;
  /** Link for the `pending` commit status of a start, from the state machine (version) and the run id. */
  startUrl: (stateMachine: string, runId: string) => string;
}

/** What ending a run that never started needs: it has no execution whose end would post its status. */
export type EndDeps = Pick<QueueDeps, 'store' | 'statuses' | 'clock'>;

export interface ConcurrencyGroup {
  name: string;
  cancelInProgress: boolean;
}

/** The rendered group name, or undefined when the pipeline declares none. */
export function concurrencyGroupOf(
  pipeline: Pipeline,
  runId: string,
  facts: RunFacts,
  inputs: InputValues,
): ConcurrencyGroup | undefined {
  if (!pipeline.concurrency) return undefined;
  const name = renderTemplate(pipeline.concurrency.group, expressionContext(runId, pipeline.id, facts, inputs));
  return { name, cancelInProgress: pipeline.concurrency.cancelInProgress };
}

/** A run that waits its turn in its group (it has no execution yet). */
export const isWaiting = (run: RunRecord) => run.status === 'queued' && run.waitingFor !== undefined;

/** Arrivals that keep losing their conditional writes to other arrivals give up after this many rounds. */
const MAX_ROUNDS = 8;

const describeNewer = (run: RunRecord) => `run ${run.id} (${run.event} of ${run.sha.slice(0, 7)})`;

/**
 * Ends a run that has no execution (it waits, or never started) as cancelled and posts its commit
 * status, as no execution's end will. Moving it out of `queued` is the claim: a run that started
 * meanwhile is left alone. Its terminal transition frees its place in the group. True when it moved.
 */
export async function cancelQueuedRun(deps: EndDeps, run: RunRecord, reason: string): Promise<boolean> {
  const moved = await deps.store.transitionRun(
    run.id,
    'cancelled',
    { endedAt: deps.clock.now().toISOString(), reason },
    { from: 'queued' },
  );
  if (moved) {
    await deps.statuses.setStatus(run.repo, run.sha, {
      context: `sci/${run.pipeline}`,
      state: 'error',
      description: `cancelled: ${reason}`.slice(0, 140),
    });
  }
  return moved;
}

/**
 * Ends `runId` as cancelled: a started run through its execution (its end reports it), a queued one
 * here. A run being started (`running`, its execution not recorded yet) is ended in the store, and
 * its execution stopped by whichever of this and its starter sees the other's write (startQueuedRun).
 */
async function cancelRunById(deps: QueueDeps, runId: string, reason: string): Promise<void> {
  const run = (await deps.store.getRun(runId))?.run;
  if (!run || isTerminalRun(run.status)) return;
  const endedAt = deps.clock.now().toISOString();
  if (run.executionArn) {
    await deps.executions.stop(run.executionArn, reason);
    await deps.store.transitionRun(run.id, 'cancelled', { endedAt, reason });
    return;
  }
  if (run.status === 'queued' && (await cancelQueuedRun(deps, run, reason))) return;
  await deps.store.transitionRun(run.id, 'cancelled', { endedAt, reason });
  const started = (await deps.store.getRun(runId))?.run.executionArn;
  if (started) await deps.executions.stop(started, reason);
}

/**
 * Starts a queued run's execution. Moving it to `running` is the claim: of several callers (its
 * dispatcher, the reporter of the run it waited for, a resumed `sci serve`) only one starts it.
 * A start that fails ends the run as failed rather than leave it running with no execution.
 */
export async function startQueuedRun(deps: QueueDeps, run: RunRecord): Promise<boolean> {
  if (!run.queuedStart) return false;
  if (!(await deps.store.transitionRun(run.id, 'running', { startedAt: deps.clock.now().toISOString() }))) return false;
  // Posted before the start, so the reporter's final status can never be overwritten by this one.
  await deps.statuses.setStatus(run.repo, run.sha, {
    context: `sci/${run.pipeline}`,
    state: 'pending',
    description: `${run.pipeline}: running`,
    targetUrl: deps.startUrl(run.queuedStart.stateMachine, run.id),
  });
  let executionArn: string;
  try {
    executionArn = await deps.executions.start({
      stateMachine: run.queuedStart.stateMachine,
      name: run.id,
      input: JSON.parse(run.queuedStart.input) as unknown,
    });
  } catch (error) {
    const reason = `could not start: ${error instanceof Error ? error.message : String(error)}`;
    if (
      await deps.store.transitionRun(run.id, 'failed', {
        endedAt: deps.clock.now().toISOString(),
        reason: reason.slice(0, 500),
      })
    )
      await deps.statuses.setStatus(run.repo, run.sha, {
        context: `sci/${run.pipeline}`,
        state: 'failure',
        description: reason.slice(0, 140),
      });
    throw error;
  }
  await deps.store.setRunExecution(run.id, executionArn);
  // Cancelled while it was starting (displaced by a newer run): the canceller may not have seen the execution.
  const now = (await deps.store.getRun(run.id))?.run;
  if (now && isTerminalRun(now.status)) await deps.executions.stop(executionArn, now.reason ?? 'cancelled');
  return true;
}

/**
 * A new run (recorded `queued`, with `queuedStart`) enters its group: it takes the group and starts,
 * waits behind the run in progress, or is cancelled by a newer run that got there first.
 */
export async function enterGroup(deps: QueueDeps, run: RunRecord, group: ConcurrencyGroup): Promise<void> {
  const entrant: GroupEntrant = { id: run.id, repo: run.repo, group: group.name, createdAt: run.createdAt };
  const mine = newestFirstSk(run.createdAt, run.id);
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const claim = await deps.store.claimGroup(entrant, group.cancelInProgress ? 'newer' : 'free');
    if (claim.claimed) {
      const reason = `cancelled by ${describeNewer(run)} in concurrency group ${group.name}`;
      for (const id of claim.displaced) await cancelRunById(deps, id, reason);
      if (await startQueuedRun(deps, run)) return;
      // Cancelled (or started by another) before its start: a cancel handed the group on.
      await startGroupHolder(deps, run.repo, group.name);
      return;
    }
    const { holder, waiting, waitingKey } = claim.slot;
    if (!holder || !(await liveHolder(deps.store, run.repo, group.name, holder))) continue;
    if (group.cancelInProgress) {
      // A newer run holds the group: this one is already superseded.
      await cancelQueuedRun(deps, run, `cancelled by run ${holder} in concurrency group ${group.name}`);
      return;
    }
    if (waiting && waiting !== run.id && (waitingKey ?? '') > mine) {
      await cancelQueuedRun(deps, run, `replaced by run ${waiting} in concurrency group ${group.name}`);
      return;
    }
    // Recorded and posted before the run is in the queue, so a start that follows is never overwritten by these.
    // not marked: cancelled meanwhile
    if (!(await deps.store.markWaiting(run.id, holder))) return;
    await deps.statuses.setStatus(run.repo, run.sha, {
      context: `sci/${run.pipeline}`,
      state: 'pending',
      description: `${run.pipeline}: waiting for run ${holder} (concurrency group ${group.name})`.slice(0, 140),
    });
    const wait = await deps.store.waitInGroup(entrant, holder);
    if (!wait.waits) continue;
    if (wait.replaced)
      await cancelRunById(deps, wait.replaced, `replaced by ${describeNewer(run)} in concurrency group ${group.name}`);
    // A holder left unstarted (its dispatcher died after its claim; cancelled while starting) starts now.
    await startGroupHolder(deps, run.repo, group.name);
    return;
  }
  throw new Error(`run ${run.id}: concurrency group ${group.name} kept changing under it; the dispatch is retried`);
}

/**
 * The holder's run while it has not ended; a holder whose run ended (its end not released, a crash)
 * or expired frees the group, and undefined is returned.
 */
async function liveHolder(
  store: RunStore,
  repo: string,
  group: string,
  holder: string,
): Promise<RunRecord | undefined> {
  const found = await store.getRun(holder);
  if (found && !isTerminalRun(found.run.status)) return found.run;
  await store.releaseGroup(repo, group, holder);
  return undefined;
}

/**
 * Starts the run holding `group` if it has not started yet: after a run's end handed the group to
 * the run waiting for it. Returns the run started.
 */
export async function startGroupHolder(deps: QueueDeps, repo: string, group: string): Promise<string | undefined> {
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const { holder } = await deps.store.readGroup(repo, group);
    if (!holder) return undefined;
    const run = await liveHolder(deps.store, repo, group, holder);
    if (!run) continue;
    if (run.status !== 'queued') return undefined;
    return (await startQueuedRun(deps, run)) ? run.id : undefined;
  }
  return undefined;
}

/**
 * How long a run may wait outside its group's slot before it counts as left there: its dispatcher
 * may still be between marking it waiting and taking the waiting place (enterGroup), a moment.
 */
const LEFT_WAITING_GRACE_MS = 60_000;

/**
 * Cancels the runs of `group` left waiting outside its slot, older than the run that holds the slot's
 * newest place. Such a run was replaced: its replacer's dispatcher died between taking the waiting
 * place and cancelling it (enterGroup), so nothing else would ever end it. `active`: the store's
 * active runs when the caller has just listed them (a cancel is conditional on `queued`, so a list
 * a moment old ends nothing that moved since). Returns their ids.
 */
export async function cancelLeftWaiting(
  deps: EndDeps,
  repo: string,
  group: string,
  active?: RunRecord[],
): Promise<string[]> {
  const slot = await deps.store.readGroup(repo, group);
  const newest = slot.waiting ?? slot.holder;
  const newestKey = slot.waitingKey ?? slot.holderKey;
  if (!newest || !newestKey) return [];
  const now = deps.clock.now().getTime();
  const cancelled: string[] = [];
  for (const run of active ?? (await deps.store.listActiveRuns())) {
    const left =
      run.repo === repo &&
      run.concurrencyGroup === group &&
      isWaiting(run) &&
      run.id !== slot.holder &&
      run.id !== slot.waiting &&
      newestFirstSk(run.createdAt, run.id) < newestKey &&
      now - Date.parse(run.createdAt) >= LEFT_WAITING_GRACE_MS;
    if (left && (await cancelQueuedRun(deps, run, `replaced by run ${newest} in concurrency group ${group}`)))
      cancelled.push(run.id);
  }
  return cancelled;
}

/**
 * Every group with a run still queued starts its holder if it has not started, and cancels the runs
 * left waiting outside it (after a restart of `sci serve`, and periodically while it serves).
 */
export async function resumeQueues(deps: QueueDeps): Promise<string[]> {
  const groups = new Map<string, { repo: string; group: string }>();
  const active = await deps.store.listActiveRuns();
  for (const run of active) {
    if (run.status === 'queued' && run.concurrencyGroup)
      groups.set(`${run.repo}\0${run.concurrencyGroup}`, { repo: run.repo, group: run.concurrencyGroup });
  }
  const started: string[] = [];
  for (const { repo, group } of groups.values()) {
    await cancelLeftWaiting(deps, repo, group, active);
    const id = await startGroupHolder(deps, repo, group);
    if (id) started.push(id);
  }
  return started;
}
