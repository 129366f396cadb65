/**
 * GitHub payload → the facts a run is about. Pure: no I/O. Pull-request changed files are not
 * in the payload, so they are fetched later by the dispatcher (through RepositoryReader).
 */
import type { QueuedDelivery } from '../core/ports.ts';
import type { RunFacts } from '../core/run-facts.ts';

/** What a GitHub event means for serverless-ci, in the execution contract's vocabulary. */
export interface GitEvent {
  event: 'push' | 'pull_request';
  repo: string;
  repoUrl: string;
  defaultBranch: string;
  sha: string;
  ref: string;
  branch: string;
  tag: string;
  actor: string;
  /** pull_request only: `opened`, `synchronize`, … ('' for a push). */
  action: string;
  pr: { number: number; base: string; fork: boolean; baseSha: string };
  /** Files the push changed; undefined when GitHub did not list them all (then path filters match). */
  changedFiles?: string[];
  /** The pushed head commit's message (`[skip ci]` is the trigger matcher's to judge). */
  headCommitMessage: string;
}

export type Normalised = { ok: true; event: GitEvent } | { ok: false; reason: string };

// Payload fields are read defensively one by one, so a loose record is the honest type here.
// biome-ignore lint/suspicious/noExplicitAny: see above
type Json = Record<string, any>;

function repoFacts(p: Json) {
  const repo = p.repository ?? {};
  return {
    repo: String(repo.full_name ?? ''),
    repoUrl: String(repo.clone_url ?? `https://github.com/${String(repo.full_name ?? '')}.git`),
    defaultBranch: String(repo.default_branch ?? 'main'),
    actor: String(p.sender?.login ?? ''),
  };
}

/** Git forbids control characters in ref names (git check-ref-format), so a ref holding one is forged. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f]/;

function forgedRef(...refs: string[]): Normalised | undefined {
  const bad = refs.find((r) => CONTROL.test(r));
  return bad === undefined
    ? undefined
    : { ok: false, reason: `ref ${JSON.stringify(bad)} has control characters, which git forbids` };
}

function pushChangedFiles(p: Json): string[] | undefined {
  const commits: Json[] = Array.isArray(p.commits) ? p.commits : [];
  // A new branch lists no commits and a large push lists only 20: the set would be incomplete.
  if (p.created || commits.length === 0 || Number(p.commitCount ?? commits.length) > commits.length) return undefined;
  // a commit that is not an object (`commits: [null]`) says nothing of its files: unknown, as when truncated
  if (commits.some((c) => c === null || typeof c !== 'object')) return undefined;
  const files = new Set<string>();
  for (const c of commits)
    for (const list of [c.added, c.modified, c.removed])
      for (const f of Array.isArray(list) ? list : []) files.add(String(f));
  return [...files].sort();
}

function normalisePush(p: Json): Normalised {
  const ref = String(p.ref ?? '');
  const forged = forgedRef(ref);
  if (forged) return forged;
  if (p.deleted) return { ok: false, reason: `${ref} was deleted` };
  const sha = String(p.after ?? '');
  if (!/^[0-9a-f]{40}$/.test(sha)) return { ok: false, reason: 'push without a commit' };
  const branch = ref.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) : '';
  const tag = ref.startsWith('refs/tags/') ? ref.slice('refs/tags/'.length) : '';
  if (!branch && !tag) return { ok: false, reason: `unsupported ref ${ref}` };
  const changedFiles = pushChangedFiles(p);
  return {
    ok: true,
    event: {
      event: 'push',
      ...repoFacts(p),
      sha,
      ref,
      branch,
      tag,
      action: '',
      headCommitMessage: String(p.head_commit?.message ?? ''),
      pr: { number: 0, base: '', fork: false, baseSha: '' },
      ...(changedFiles ? { changedFiles } : {}),
    },
  };
}

function normalisePullRequest(p: Json): Normalised {
  const pr = p.pull_request;
  if (!pr?.head?.sha || !pr.base?.ref) return { ok: false, reason: 'pull_request without head or base' };
  const forged = forgedRef(String(pr.head.ref ?? ''), String(pr.base.ref));
  if (forged) return forged;
  const number = Number(pr.number ?? p.number ?? 0);
  // A deleted fork has no head repo; treat it as a fork, the cautious reading.
  const fork = !pr.head.repo || pr.head.repo.id !== pr.base.repo?.id;
  return {
    ok: true,
    event: {
      event: 'pull_request',
      ...repoFacts(p),
      sha: String(pr.head.sha),
      ref: `refs/pull/${number}/head`,
      branch: String(pr.head.ref ?? ''),
      tag: '',
      action: String(p.action ?? ''),
      headCommitMessage: '',
      pr: { number, base: String(pr.base.ref), fork, baseSha: String(pr.base.sha ?? '') },
    },
  };
}

/** Normalises a queued delivery, or says why it cannot start anything. */
export function normaliseDelivery(delivery: QueuedDelivery): Normalised {
  if (delivery.event === 'push') return normalisePush(delivery.payload);
  if (delivery.event === 'pull_request') return normalisePullRequest(delivery.payload);
  return { ok: false, reason: `event ${delivery.event} is not handled` };
}

/** The facts of the run(s) an event starts (the execution input's `run`, minus ids and inputs). */
export function runFactsOf(e: GitEvent): RunFacts {
  return {
    event: e.event,
    repo: e.repo,
    repoUrl: e.repoUrl,
    sha: e.sha,
    ref: e.ref,
    branch: e.branch,
    tag: e.tag,
    actor: e.actor,
    pr: { number: e.pr.number, base: e.pr.base, fork: e.pr.fork },
  };
}
