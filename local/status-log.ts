/**
 * The local `StatusReporter`: there is no forge to post a commit status to, so each status the
 * core would post (`sci/<pipeline>` pending, then its end) becomes a line in the command's log.
 */
import type { CommitState, StatusReporter } from '../src/core/ports.ts';

export class LoggedStatuses implements StatusReporter {
  constructor(private readonly log: (line: string) => void) {}

  async setStatus(
    _repo: string,
    sha: string,
    status: { context: string; state: CommitState; description: string; targetUrl?: string },
  ): Promise<void> {
    const link = status.targetUrl ? ` ${status.targetUrl}` : '';
    this.log(`${status.context} ${status.state} at ${sha.slice(0, 7)}: ${status.description}${link}`);
  }
}
