import {
  CreateStateMachineCommand,
  DescribeStateMachineCommand,
  ListStateMachineVersionsCommand,
  UpdateStateMachineCommand,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import type { StateMachineRegistry } from '../core/ports.ts';
import { errorName } from './client-config.ts';

/**
 * One state machine per pipeline, one PUBLISHED version per distinct definition. The version
 * description carries the definition's content hash, so an unchanged pipeline (or an old commit
 * re-run) finds its version again instead of publishing a copy.
 */
export class SfnStateMachineRegistry implements StateMachineRegistry {
  /** hash → version ARN, per container: the common case (no change) costs no call at all. */
  private readonly known = new Map<string, string>();

  constructor(
    private readonly client: SFNClient,
    private readonly options: { roleArn: string; arnPrefix: string },
  ) {}

  async ensureVersion(spec: { name: string; definition: string; hash: string }): Promise<string> {
    const arn = `${this.options.arnPrefix}${spec.name}`;
    const cacheKey = `${arn}#${spec.hash}`;
    const cached = this.known.get(cacheKey);
    if (cached) return cached;
    const version = (await this.findVersion(arn, spec.hash)) ?? (await this.publish(arn, spec));
    this.known.set(cacheKey, version);
    return version;
  }

  /** The version whose description is `hash`, newest first; undefined if none (or no machine yet). */
  private async findVersion(arn: string, hash: string): Promise<string | undefined> {
    let nextToken: string | undefined;
    try {
      do {
        const page = await this.client.send(new ListStateMachineVersionsCommand({ stateMachineArn: arn, maxResults: 100, ...(nextToken ? { nextToken } : {}) }));
        for (const v of page.stateMachineVersions ?? []) {
          const described = await this.client.send(new DescribeStateMachineCommand({ stateMachineArn: v.stateMachineVersionArn }));
          if (described.description === hash) return v.stateMachineVersionArn;
        }
        nextToken = page.nextToken;
      } while (nextToken);
    } catch (error) {
      if (errorName(error) === 'StateMachineDoesNotExist') return undefined;
      throw error;
    }
    return undefined;
  }

  private async publish(arn: string, spec: { name: string; definition: string; hash: string }): Promise<string> {
    const common = { definition: spec.definition, roleArn: this.options.roleArn, publish: true, versionDescription: spec.hash };
    try {
      const created = await this.client.send(new CreateStateMachineCommand({ name: spec.name, type: 'STANDARD', ...common }));
      if (created.stateMachineVersionArn) return created.stateMachineVersionArn;
    } catch (error) {
      // Another dispatcher created it first (or it existed with another definition): update it.
      if (errorName(error) !== 'StateMachineAlreadyExists') throw error;
    }
    const updated = await this.client.send(new UpdateStateMachineCommand({ stateMachineArn: arn, ...common }));
    if (!updated.stateMachineVersionArn) throw new Error(`no version published for ${arn}`);
    return updated.stateMachineVersionArn;
  }
}
