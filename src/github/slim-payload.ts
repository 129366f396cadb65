/**
 * Keeps the parts of a push / pull_request payload the dispatcher reads, so a queued
 * delivery stays far below SQS's 256 KB whatever the size of the original (GitHub's can reach 25 MB).
 */

type Json = Record<string, unknown>;

function pick(source: unknown, keys: string[]): Json | undefined {
  if (typeof source !== 'object' || source === null) return undefined;
  const out: Json = {};
  for (const key of keys) {
    const value = (source as Json)[key];
    if (value !== undefined) out[key] = value;
  }
  return out;
}

const repoKeys = ['id', 'full_name', 'clone_url', 'default_branch', 'private', 'fork'];

function commit(source: unknown): Json | undefined {
  return pick(source, ['id', 'message', 'added', 'modified', 'removed']);
}

function prSide(source: unknown): Json | undefined {
  const side = pick(source, ['ref', 'sha']);
  if (!side) return undefined;
  const repo = pick((source as Json).repo, repoKeys);
  return repo ? { ...side, repo } : side;
}

/** The subset of `payload` the dispatcher needs for `event`. */
export function slimPayload(event: string, payload: Json): Json {
  const out: Json = {
    repository: pick(payload.repository, repoKeys),
    sender: pick(payload.sender, ['id', 'login', 'type']),
    installation: pick(payload.installation, ['id']),
  };
  if (event === 'push') {
    Object.assign(out, pick(payload, ['ref', 'before', 'after', 'created', 'deleted', 'forced', 'base_ref']));
    const commits = Array.isArray(payload.commits) ? payload.commits : [];
    out.commits = commits.map(commit);
    // GitHub lists at most 20 commits; the count tells the dispatcher when the file list is partial.
    out.commitCount = typeof payload.size === 'number' ? payload.size : commits.length;
    out.head_commit = commit(payload.head_commit) ?? null;
  } else if (event === 'pull_request') {
    out.action = payload.action;
    out.number = payload.number;
    const pr = payload.pull_request as Json | undefined;
    out.pull_request = pr && {
      ...pick(pr, ['number', 'title', 'draft', 'state']),
      head: prSide(pr.head),
      base: prSide(pr.base),
      user: pick(pr.user, ['login', 'id']),
    };
  }
  return out;
}
