import type { Octokit } from '@octokit/rest';
import type { CommitState, StatusReporter } from '../core/ports.ts';

/** Commit statuses through the REST API; GitHub caps descriptions at 140 characters. */
export class GitHubStatusReporter implements StatusReporter {
  constructor(private readonly octokit: (repo: string) => Promise<Octokit>) {}

  async setStatus(
    repo: string,
    sha: string,
    status: { context: string; state: CommitState; description: string; targetUrl?: string },
  ): Promise<void> {
    const [owner = '', name = ''] = repo.split('/');
    const gh = await this.octokit(repo);
    await gh.rest.repos.createCommitStatus({
      owner,
      repo: name,
      sha,
      state: status.state,
      context: status.context,
      description: truncate(status.description, 140),
      ...(status.targetUrl ? { target_url: status.targetUrl } : {}),
    });
  }
}

/** Cuts at `max` characters with an ellipsis, so the start (`file:line:col`) always survives. */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
