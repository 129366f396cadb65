/**
 * A queued GitHub delivery → runs: normalise the payload, complete what the payload lacks
 * (a pull request's changed files), dispatch, and keep schedules in step on default-branch pushes.
 */
import { dispatch, type DispatchDeps, type Dispatched } from '../core/dispatch.ts';
import { triggerEventOf } from '../core/pipelines.ts';
import type { QueuedDelivery, RepositoryReader } from '../core/ports.ts';
import { ok, type Result } from '../core/result.ts';
import { normaliseDelivery, runFactsOf } from './normalise.ts';

export interface DeliveryDeps extends DispatchDeps {
  repos: RepositoryReader;
  /** Called after a push to the default branch (schedule-sync). */
  onDefaultBranchPush?: (repo: string, sha: string, defaultBranch: string) => Promise<void>;
}

/** The runs a delivery started; `ignored` says why one starts nothing by design (a ping, a branch deleted). */
export type DeliveryOutcome = Result<Dispatched & { ignored?: string }>;

/** Handles one delivery; throws only for failures worth a retry (the queue redelivers). */
export async function dispatchDelivery(deps: DeliveryDeps, delivery: QueuedDelivery): Promise<DeliveryOutcome> {
  const normalised = normaliseDelivery(delivery);
  if (!normalised.ok) return ok({ runs: [], ignored: normalised.reason });
  const e = normalised.event;
  const changedFiles =
    e.event === 'pull_request' ? await deps.repos.changedFiles(e.repo, e.pr.baseSha, e.sha) : e.changedFiles;
  const facts = runFactsOf(e);
  const trigger = triggerEventOf(facts, {
    action: e.action,
    headCommitMessage: e.headCommitMessage,
    ...(changedFiles ? { changedFiles } : {}),
  });
  const outcome = await dispatch(deps, deps.repos.source(e.repo), { seed: delivery.deliveryId, facts, trigger });
  if (e.event === 'push' && e.branch !== '' && e.branch === e.defaultBranch)
    await deps.onDefaultBranchPush?.(e.repo, e.sha, e.defaultBranch);
  return outcome;
}
