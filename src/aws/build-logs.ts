/**
 * A step build's log from CloudWatch Logs, read from a position (the `sci ui --stack` log panel).
 * CodeBuild names the log group and stream of each build (`BatchGetBuilds` → `logs`); the stream
 * exists from the build's PROVISIONING phase on. `GetLogEvents` from the head, then on with the
 * `nextForwardToken` it answered, is a tail: at the end it answers the same token and no events.
 * CodeBuild has already hidden the values of PARAMETER_STORE and SECRETS_MANAGER variables in what
 * it wrote (docs/dashboard.md, "AWS mode").
 */
import { BatchGetBuildsCommand, type CodeBuildClient } from '@aws-sdk/client-codebuild';
import { type CloudWatchLogsClient, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { errorName } from './client-config.ts';

interface Stream {
  group: string;
  stream: string;
}

/** `arn:aws:codebuild:<region>:<account>:build/<project>:<uuid>` (an event's `build-id`) or `<project>:<uuid>`. */
export function buildIdOf(idOrArn: string): string {
  const at = idOrArn.indexOf(':build/');
  return idOrArn.startsWith('arn:') && at >= 0 ? idOrArn.slice(at + ':build/'.length) : idOrArn;
}

export class CodeBuildLogs {
  /** Where each build logs, once CodeBuild has said (it never changes). */
  private readonly streams = new Map<string, Stream>();

  constructor(
    private readonly codebuild: CodeBuildClient,
    private readonly logs: CloudWatchLogsClient,
  ) {}

  /** The build's log after `from` (from the start when absent) and the position to read from next. */
  async read(build: string, from?: string): Promise<{ text: string; next: string }> {
    const stream = await this.locate(buildIdOf(build));
    if (!stream) return { text: '', next: from ?? '' };
    try {
      const out = await this.logs.send(
        new GetLogEventsCommand({
          logGroupName: stream.group,
          logStreamName: stream.stream,
          startFromHead: true,
          ...(from ? { nextToken: from } : {}),
        }),
      );
      const text = (out.events ?? [])
        .map((e) => e.message ?? '')
        .map((line) => (line.endsWith('\n') ? line : `${line}\n`))
        .join('');
      return { text, next: out.nextForwardToken ?? from ?? '' };
    } catch (error) {
      // the stream is created while the build provisions: nothing to show yet
      if (errorName(error) === 'ResourceNotFoundException') return { text: '', next: from ?? '' };
      throw error;
    }
  }

  private async locate(id: string): Promise<Stream | undefined> {
    const known = this.streams.get(id);
    if (known) return known;
    const out = await this.codebuild.send(new BatchGetBuildsCommand({ ids: [id] }));
    const logs = out.builds?.[0]?.logs;
    if (!logs?.groupName || !logs.streamName) return undefined;
    const found = { group: logs.groupName, stream: logs.streamName };
    this.streams.set(id, found);
    return found;
  }
}
