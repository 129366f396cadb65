/**
 * Which pipelines an event starts. Filters follow GitHub Actions: globs where `*` stops at
 * `/` and `**` does not, a leading `!` excludes again (the last matching pattern wins), and
 * a push names branches, tags or both: defining only one of them ignores the other kind.
 */
import picomatch from 'picomatch';
import type { Pipeline, PushTrigger, RunStatus } from './model.ts';
import { normalizeCron } from './schema.ts';

export { resolveInputs } from './inputs.ts';

/** An event, normalized from whatever delivered it (GitHub webhook, scheduler, CLI, API, a finished run). */
export type TriggerEvent =
  | {
      event: 'push';
      /** Branch name (`main`), empty or absent for a tag push. */
      branch?: string;
      /** Tag name (`v1.2.0`), empty or absent for a branch push. */
      tag?: string;
      /** Files the push changed; absent when unknown, then path filters match. */
      changedFiles?: string[];
      /** A deleted branch or tag never starts anything. */
      deleted?: boolean;
      /** `[skip ci]` or `[ci skip]` in it skips the push. */
      headCommitMessage?: string;
    }
  | {
      event: 'pull_request';
      /** `opened`, `synchronize`, `reopened`, … */
      action: string;
      /** The target branch of the pull request. */
      baseBranch: string;
      changedFiles?: string[];
      fork?: boolean;
    }
  /** A scheduled run: `pipeline` (when given) and `cron` name the schedule that fired. */
  | { event: 'schedule'; cron: string; pipeline?: string }
  /** A manual run (`sci run`, the API); `pipeline`, when given, limits it to that one. */
  | { event: 'manual'; pipeline?: string }
  /** Another pipeline of the repository ended. */
  | { event: 'pipeline'; upstream: string; status: RunStatus };

const SKIP_CI = /\[(?:skip ci|ci skip)\]/i;

/** Whether `event` starts `pipeline`. */
export function matchesTrigger(pipeline: Pipeline, event: TriggerEvent): boolean {
  const { triggers } = pipeline;
  switch (event.event) {
    case 'push':
      return triggers.push !== undefined && matchesPush(triggers.push, event);
    case 'pull_request': {
      const pr = triggers.pullRequest;
      return (
        pr?.types.includes(event.action) === true &&
        (pr.branches === undefined || matchesFilters(event.baseBranch, pr.branches)) &&
        matchesPaths(event.changedFiles, pr.paths, pr.pathsIgnore)
      );
    }
    case 'schedule':
      return (
        (event.pipeline === undefined || event.pipeline === pipeline.id) &&
        (triggers.schedule ?? []).some((s) => s.cron === normalizeCron(event.cron))
      );
    case 'manual':
      return triggers.manual !== undefined && (event.pipeline === undefined || event.pipeline === pipeline.id);
    case 'pipeline':
      return (triggers.pipeline ?? []).some((t) => t.name === event.upstream && t.status.includes(event.status));
  }
}

function matchesPush(push: PushTrigger, event: Extract<TriggerEvent, { event: 'push' }>): boolean {
  if (event.deleted || SKIP_CI.test(event.headCommitMessage ?? '')) return false;
  const branchFilters = push.branches !== undefined || push.branchesIgnore !== undefined;
  const tagFilters = push.tags !== undefined;
  let refMatches: boolean;
  if (event.tag) {
    refMatches = tagFilters ? matchesFilters(event.tag, push.tags!) : !branchFilters;
  } else if (event.branch) {
    refMatches = branchFilters
      ? (push.branches === undefined || matchesFilters(event.branch, push.branches)) &&
        !(push.branchesIgnore ?? []).some((p) => glob(p)(event.branch!))
      : !tagFilters;
  } else {
    refMatches = false;
  }
  return refMatches && matchesPaths(event.changedFiles, push.paths, push.pathsIgnore);
}

/**
 * GitHub's path rule: with `paths`, some changed file must match; with `paths_ignore`, some
 * changed file must not be ignored. Unknown changed files match.
 */
function matchesPaths(files: string[] | undefined, paths: string[] | undefined, ignore: string[] | undefined): boolean {
  if (files === undefined) return true;
  if (paths !== undefined && !files.some((f) => matchesFilters(f, paths))) return false;
  if (ignore !== undefined && files.length > 0 && files.every((f) => ignore.some((p) => glob(p)(f)))) return false;
  return true;
}

/** Patterns in order; the last one that matches decides, `!pattern` excluding. */
export function matchesFilters(value: string, patterns: string[]): boolean {
  let matched = false;
  for (const pattern of patterns) {
    const negated = pattern.startsWith('!');
    if (glob(negated ? pattern.slice(1) : pattern)(value)) matched = !negated;
  }
  return matched;
}

const compiled = new Map<string, (value: string) => boolean>();

/** Compiled once per pattern: the webhook matches every pipeline of a repo on each push. */
function glob(pattern: string): (value: string) => boolean {
  let matcher = compiled.get(pattern);
  if (!matcher) {
    matcher = picomatch(pattern, { dot: true });
    compiled.set(pattern, matcher);
  }
  return matcher;
}
