import {
  CreateStateMachineCommand,
  DeleteStateMachineVersionCommand,
  DescribeStateMachineCommand,
  ListExecutionsCommand,
  ListStateMachineVersionsCommand,
  PublishStateMachineVersionCommand,
  UpdateStateMachineCommand,
  type SFNClient,
  type StateMachineVersionListItem,
} from '@aws-sdk/client-sfn';
import type { StateMachineRegistry } from '../core/ports.ts';
import { errorName } from './client-config.ts';

/** Bounds of the published versions of one pipeline (docs/aws-review.md, "Published versions"). */
export const VERSION_LIMITS = {
  /** Step Functions allows 1000 versions per state machine; we keep the newest 100. */
  keep: 100,
  /** A version younger than this is never deleted: ListExecutions is eventually consistent. */
  minAgeMs: 60 * 60 * 1000,
  /** Deletions per publish, so one dispatch stays short; later publishes delete the rest. */
  deletePerPublish: 10,
  /** A remembered hash → version ARN is re-checked after this (the version may have been pruned). */
  cacheMs: 10 * 60 * 1000,
} as const;

type Spec = { name: string; definition: string; hash: string };

/**
 * One state machine per pipeline, one PUBLISHED version per distinct definition, each version's
 * description the definition's content hash. Only documented outcomes are relied on: a new pipeline
 * is created first (CreateStateMachine documents StateMachineAlreadyExists), an unchanged one
 * re-publishes its current revision (PublishStateMachineVersion is idempotent per revision), a
 * changed one is updated and published. After each new version, versions beyond the newest
 * {@link VERSION_LIMITS.keep} that no execution is running on are deleted.
 */
export class SfnStateMachineRegistry implements StateMachineRegistry {
  /** `<arn>#<hash>` → version ARN and when it was learnt: the unchanged case costs no call. */
  private readonly known = new Map<string, { version: string; at: number }>();

  constructor(
    private readonly client: SFNClient,
    private readonly options: { roleArn: string; arnPrefix: string; now?: () => number },
  ) {}

  private now(): number {
    return this.options.now?.() ?? Date.now();
  }

  async ensureVersion(spec: Spec): Promise<string> {
    const arn = `${this.options.arnPrefix}${spec.name}`;
    const key = `${arn}#${spec.hash}`;
    const cached = this.known.get(key);
    if (cached && this.now() - cached.at < VERSION_LIMITS.cacheMs) return cached.version;
    const { version, published } = (await this.create(spec)) ?? (await this.publishCurrent(arn, spec));
    this.known.set(key, { version, at: this.now() });
    if (published) await this.prune(arn, version);
    return version;
  }

  /** A new pipeline: its machine and first version in one call; undefined if the machine exists. */
  private async create(spec: Spec): Promise<{ version: string; published: boolean } | undefined> {
    try {
      const created = await this.client.send(
        new CreateStateMachineCommand({
          name: spec.name,
          type: 'STANDARD',
          definition: spec.definition,
          roleArn: this.options.roleArn,
          publish: true,
          versionDescription: spec.hash,
        }),
      );
      return created.stateMachineVersionArn ? { version: created.stateMachineVersionArn, published: true } : undefined;
    } catch (error) {
      if (errorName(error) === 'StateMachineAlreadyExists') return undefined;
      throw error;
    }
  }

  /**
   * An existing machine: if its current revision already holds `definition`, publishing that
   * revision returns its version (idempotent); otherwise update and publish a new version.
   */
  private async publishCurrent(arn: string, spec: Spec): Promise<{ version: string; published: boolean }> {
    const current = await this.client.send(new DescribeStateMachineCommand({ stateMachineArn: arn }));
    if (current.definition === spec.definition && current.roleArn === this.options.roleArn) {
      const out = await this.client.send(
        new PublishStateMachineVersionCommand({
          stateMachineArn: arn,
          ...(current.revisionId ? { revisionId: current.revisionId } : {}),
          description: spec.hash,
        }),
      );
      return { version: out.stateMachineVersionArn!, published: false };
    }
    const updated = await this.client.send(
      new UpdateStateMachineCommand({
        stateMachineArn: arn,
        definition: spec.definition,
        roleArn: this.options.roleArn,
        publish: true,
        versionDescription: spec.hash,
      }),
    );
    if (!updated.stateMachineVersionArn) throw new Error(`no version published for ${arn}`);
    return { version: updated.stateMachineVersionArn, published: true };
  }

  /** Deletes old versions beyond the bound, never one with a running execution; never fails a dispatch. */
  private async prune(arn: string, newest: string): Promise<void> {
    try {
      const versions = await this.listVersions(arn);
      const cutoff = this.now() - VERSION_LIMITS.minAgeMs;
      const candidates = versions
        .sort((a, b) => (b.creationDate?.getTime() ?? 0) - (a.creationDate?.getTime() ?? 0))
        .slice(VERSION_LIMITS.keep)
        .filter((v) => v.stateMachineVersionArn !== newest && (v.creationDate?.getTime() ?? cutoff) < cutoff)
        .reverse()
        .slice(0, VERSION_LIMITS.deletePerPublish);
      for (const v of candidates) {
        const running = await this.client.send(
          new ListExecutionsCommand({
            stateMachineArn: v.stateMachineVersionArn,
            statusFilter: 'RUNNING',
            maxResults: 1,
          }),
        );
        if ((running.executions ?? []).length > 0) continue;
        await this.client.send(
          new DeleteStateMachineVersionCommand({ stateMachineVersionArn: v.stateMachineVersionArn }),
        );
        for (const [key, entry] of this.known) if (entry.version === v.stateMachineVersionArn) this.known.delete(key);
      }
    } catch (error) {
      console.log(JSON.stringify({ pruneVersions: arn, error: errorName(error) || String(error) }));
    }
  }

  private async listVersions(arn: string): Promise<StateMachineVersionListItem[]> {
    const all: StateMachineVersionListItem[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.client.send(
        new ListStateMachineVersionsCommand({
          stateMachineArn: arn,
          maxResults: 1000,
          ...(nextToken ? { nextToken } : {}),
        }),
      );
      all.push(...(page.stateMachineVersions ?? []));
      nextToken = page.nextToken;
    } while (nextToken);
    return all;
  }
}
