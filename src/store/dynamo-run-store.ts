/**
 * The run store on one DynamoDB table (docs/run-store.md). The same class serves the Lambdas
 * (DynamoDB) and the local engine (dynalite); it takes the document client, never builds one.
 */
import { freeHeldEnvironments } from './environments.ts';
import { randomUUID } from 'node:crypto';
import {
  GetCommand,
  PutCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
  type UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type { RunStatus, StepStatus } from '../../statemachines/pipeline/model.ts';
import type {
  ApprovalDecision,
  Clock,
  GroupClaim,
  GroupEntrant,
  GroupSlot,
  GroupWait,
  PipelineSummary,
  RunPage,
  RunRecord,
  RunStore,
  RunWithSteps,
  StepRecord,
} from '../core/ports.ts';
import { createRunItems } from './create-run.ts';
import {
  ApprovalAlreadyDecidedError,
  ApprovalNotWaitingError,
  isConditionalCheckFailed,
  StepNotFoundError,
} from './errors.ts';
import { DELIVERY_RETENTION_DAYS, expiresAt, isCommittedRun, toRunRecord, toStepRecord, type Item } from './items.ts';
import {
  ACTIVE_PK,
  DELIVERY_SK,
  deliveryPk,
  isTerminalRun,
  isTerminalStep,
  pipelinePk,
  repoPk,
  RUN_SK,
  runKey,
  runPk,
  stepKey,
} from '../../statemachines/lifecycle.ts';
import { claimGroup, type GroupTable, readGroup, releaseGroup, waitInGroup } from './groups.ts';
import { listPipelines, pageRuns, refreshPipelineRun, type PageQuery, type RegistryTable } from './pipeline-pages.ts';
import { appliedEarlier, queryItems, scanItems } from './reads.ts';
import { reopenRun } from './reopen-run.ts';
import {
  runTransitionInput,
  stepTransitionInput,
  type RunTransitionFields,
  type StepTransitionFields,
} from './updates.ts';

export interface DynamoRunStoreOptions {
  /** @default the system clock */
  clock?: Clock;
  /** TTL of a run, its steps and gates. @default 90 */
  runRetentionDays?: number;
  /** TTL of a delivery record; GitHub redelivers for up to 3 days. @default 4 */
  deliveryRetentionDays?: number;
  /** Unique id of one write (see `writeId` in updates.ts). @default crypto.randomUUID */
  newWriteId?: () => string;
  /**
   * Start a write of the pipeline registry from the item this store last wrote, not a read (still conditional
   * on its version: a wrong guess reads). For a store one process writes mostly, as the local one.
   * @default false
   */
  rememberRegistryWrites?: boolean;
}

/** @default limit of `listRuns` */
const DEFAULT_LIST_LIMIT = 50;
const systemClock: Clock = { now: () => new Date() };

export class DynamoRunStore implements RunStore {
  private readonly clock: Clock;
  private readonly runDays: number;
  private readonly deliveryDays: number;
  private readonly newWriteId: () => string;
  private readonly groups: GroupTable;
  private readonly registry: RegistryTable;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    readonly tableName: string,
    options: DynamoRunStoreOptions = {},
  ) {
    this.clock = options.clock ?? systemClock;
    this.runDays = options.runRetentionDays ?? 90;
    this.deliveryDays = options.deliveryRetentionDays ?? DELIVERY_RETENTION_DAYS;
    this.newWriteId = options.newWriteId ?? randomUUID;
    this.registry = {
      client,
      table: tableName,
      written: options.rememberRegistryWrites ? { items: new Map(), now: () => this.clock.now() } : undefined,
    };
    this.groups = {
      client,
      tableName,
      expires: () => expiresAt(this.clock.now(), this.runDays),
      now: () => this.clock.now().toISOString(),
    };
  }

  createRun(run: RunRecord, steps: StepRecord[]): Promise<boolean> {
    return createRunItems(this.client, this.tableName, {
      run,
      steps,
      expires: expiresAt(this.clock.now(), this.runDays),
      writeId: this.newWriteId(),
      registry: this.registry.written,
    });
  }

  async getRun(runId: string): Promise<RunWithSteps | undefined> {
    return toRunWithSteps(await this.readPartition(runId));
  }

  async listSteps(runId: string): Promise<StepRecord[]> {
    return (await this.getRun(runId))?.steps ?? [];
  }

  /** Newest first. With `repo` an index query; without it a Scan, which only the local store allows. */
  async listRuns(query: { repo?: string; pipeline?: string; limit?: number }): Promise<RunRecord[]> {
    const limit = query.limit ?? DEFAULT_LIST_LIMIT;
    if (query.repo === undefined) return (await this.scanRuns(query.pipeline)).slice(0, limit);
    const [index, pk] =
      query.pipeline === undefined ? ['gsi1', repoPk(query.repo)] : ['gsi2', pipelinePk(query.repo, query.pipeline)];
    const items = await queryItems(
      this.client,
      {
        TableName: this.tableName,
        IndexName: index,
        ScanIndexForward: false,
        KeyConditionExpression: `${index}pk = :pk`,
        ExpressionAttributeValues: { ':pk': pk },
      },
      limit,
    );
    return items.map(toRunRecord);
  }

  listPipelines(): Promise<PipelineSummary[]> {
    return listPipelines(this.client, this.tableName);
  }

  pageRuns(query: PageQuery): Promise<RunPage> {
    return pageRuns(this.client, this.tableName, query);
  }

  listActiveRuns(): Promise<RunRecord[]> {
    return this.queryActive();
  }

  readGroup(repo: string, group: string): Promise<GroupSlot> {
    return readGroup(this.groups, repo, group);
  }

  claimGroup(run: GroupEntrant, mode: 'free' | 'newer'): Promise<GroupClaim> {
    return claimGroup(this.groups, run, mode);
  }

  waitInGroup(run: GroupEntrant, holder: string): Promise<GroupWait> {
    return waitInGroup(this.groups, run, holder);
  }

  releaseGroup(repo: string, group: string, runId: string): Promise<string | undefined> {
    return releaseGroup(this.groups, repo, group, runId);
  }

  markWaiting(runId: string, holder: string): Promise<boolean> {
    return this.conditionalUpdate({
      TableName: this.tableName,
      Key: runKey(runId),
      UpdateExpression: 'SET #waitingFor = :holder',
      ConditionExpression: '#committed = :true AND #status = :queued',
      ExpressionAttributeNames: { '#waitingFor': 'waitingFor', '#committed': 'committed', '#status': 'status' },
      ExpressionAttributeValues: { ':holder': holder, ':true': true, ':queued': 'queued' },
    });
  }

  /**
   * A terminal transition also frees what the run held, every time it is called (so a retry after
   * a crash mid-way completes it): its open steps, its environment locks, its concurrency group
   * (handed to the run waiting for it, src/store/groups.ts).
   */
  async transitionRun(
    runId: string,
    to: RunStatus,
    fields: RunTransitionFields = {},
    options: { from?: RunStatus } = {},
  ): Promise<boolean> {
    const input = runTransitionInput(this.tableName, runId, to, fields, this.newWriteId(), options.from);
    // the run as it is after the write: the registry's entry follows it without reading it back
    const moved = await this.conditionalWrite(input && { ...input, ReturnValues: 'ALL_NEW' });
    if (moved) await this.refreshRegistry(runId, moved === true ? undefined : moved);
    if (isTerminalRun(to)) {
      const ended = await this.settleOpenSteps(
        runId,
        fields.endedAt ?? this.clock.now().toISOString(),
        fields.reason ?? `run ${to}`,
      );
      await freeHeldEnvironments({ client: this.client, tableName: this.tableName }, runId);
      if (ended?.concurrencyGroup) await releaseGroup(this.groups, ended.repo, ended.concurrencyGroup, runId);
    }
    return moved !== false;
  }

  transitionStep(runId: string, key: string, to: StepStatus, fields: StepTransitionFields = {}): Promise<boolean> {
    return this.conditionalUpdate(stepTransitionInput(this.tableName, runId, key, to, fields, this.newWriteId()));
  }

  markAbandoned(runId: string, reason: string): Promise<boolean> {
    return this.transitionRun(runId, 'failed', { endedAt: this.clock.now().toISOString(), reason });
  }

  async reopenRun(runId: string, keys: string[], at: string): Promise<number | undefined> {
    const found = await this.getRun(runId);
    if (!found) return undefined;
    const count = await reopenRun(this.client, this.tableName, found.run, keys, at);
    if (count !== undefined) await this.refreshRegistry(runId);
    return count;
  }

  setRunExecution(runId: string, executionArn: string): Promise<boolean> {
    return this.conditionalUpdate({
      TableName: this.tableName,
      Key: { pk: runPk(runId), sk: RUN_SK },
      UpdateExpression: 'SET #arn = :arn',
      ConditionExpression: '#committed = :true AND (attribute_not_exists(#arn) OR #arn = :arn)',
      ExpressionAttributeNames: { '#arn': 'executionArn', '#committed': 'committed' },
      ExpressionAttributeValues: { ':arn': executionArn, ':true': true },
    });
  }

  async recordDelivery(hookId: string, guid: string, details: Record<string, string>): Promise<boolean> {
    const now = this.clock.now();
    const writeId = this.newWriteId();
    const item = {
      pk: deliveryPk(hookId, guid),
      sk: DELIVERY_SK,
      type: 'delivery',
      details,
      receivedAt: now.toISOString(),
      expiresAt: expiresAt(now, this.deliveryDays),
      writeId,
    };
    try {
      // A retry of this very put passes again without a read (the webhook may only write deliveries).
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: item,
          ConditionExpression: 'attribute_not_exists(pk) OR writeId = :writeId',
          ExpressionAttributeValues: { ':writeId': writeId },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }

  async getApprovalToken(runId: string, key: string): Promise<string | undefined> {
    const item = await this.getStepItem(runId, key);
    return item?.status === 'waiting' && typeof item.taskToken === 'string' ? item.taskToken : undefined;
  }

  async recordApprovalDecision(runId: string, key: string, decision: ApprovalDecision, by: string): Promise<string> {
    try {
      const result = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: stepKey(runId, key),
          ReturnValues: 'ALL_NEW',
          UpdateExpression:
            'SET #decision = :decision, #decidedBy = if_not_exists(#decidedBy, :by), #decidedAt = if_not_exists(#decidedAt, :at)',
          ConditionExpression:
            '#status = :waiting AND attribute_exists(#token) AND (attribute_not_exists(#decision) OR #decision = :decision)',
          ExpressionAttributeNames: {
            '#status': 'status',
            '#token': 'taskToken',
            '#decision': 'decision',
            '#decidedBy': 'decidedBy',
            '#decidedAt': 'decidedAt',
          },
          ExpressionAttributeValues: {
            ':waiting': 'waiting',
            ':decision': decision,
            ':by': by,
            ':at': this.clock.now().toISOString(),
          },
        }),
      );
      return String(result.Attributes?.taskToken);
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      throw await this.approvalRefusal(runId, key);
    }
  }

  /** Why a decision was refused, read after the fact (conditions do not say which part failed). */
  private async approvalRefusal(runId: string, key: string): Promise<Error> {
    const item = await this.getStepItem(runId, key);
    if (!item) return new StepNotFoundError(runId, key);
    if (typeof item.decision === 'string')
      return new ApprovalAlreadyDecidedError(runId, key, item.decision, String(item.decidedBy));
    return new ApprovalNotWaitingError(runId, key, String(item.status));
  }

  private async getStepItem(runId: string, key: string): Promise<Item | undefined> {
    const result = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: stepKey(runId, key), ConsistentRead: true }),
    );
    return result.Item;
  }

  /**
   * A failed condition is the domain answer "not applied", not an error, unless the item carries
   * this write's id: then an earlier try of this very call applied it and only the answer was lost.
   */
  private async conditionalUpdate(input: UpdateCommandInput | undefined): Promise<boolean> {
    return (await this.conditionalWrite(input)) !== false;
  }

  /**
   * {@link conditionalUpdate}, answering the attributes the write returned (its `ReturnValues`) when it applied
   * them now, and true when an earlier try did.
   */
  private async conditionalWrite(input: UpdateCommandInput | undefined): Promise<Item | boolean> {
    if (input === undefined) return false;
    try {
      return ((await this.client.send(new UpdateCommand(input))).Attributes as Item | undefined) ?? true;
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      const writeId = input.ExpressionAttributeValues?.[':writeId'];
      return typeof writeId === 'string' && appliedEarlier(this.client, this.tableName, input.Key as Item, writeId);
    }
  }

  /**
   * The home page lists a pipeline's newest runs from its registry item: their statuses follow the run's.
   * `item` is the run's item as a write just left it; without it, the item is read.
   */
  private async refreshRegistry(runId: string, item?: Item): Promise<void> {
    const run =
      item ??
      (await this.client.send(new GetCommand({ TableName: this.tableName, Key: runKey(runId), ConsistentRead: true })))
        .Item;
    if (isCommittedRun(run)) await refreshPipelineRun(this.registry, toRunRecord(run));
  }

  /** Every item of a run's partition (run, steps, gates), strongly consistent. */
  private readPartition(runId: string): Promise<Item[]> {
    return queryItems(this.client, {
      TableName: this.tableName,
      ConsistentRead: true,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': runPk(runId) },
    });
  }

  /**
   * A terminal run leaves no step pending, running or waiting, and no item without a TTL (the
   * state machine creates gate items, which it cannot date). Re-runnable: a crash mid-way heals on retry.
   */
  private async settleOpenSteps(runId: string, endedAt: string, reason: string): Promise<RunRecord | undefined> {
    const items = await this.readPartition(runId);
    const current = toRunWithSteps(items);
    if (!current || !isTerminalRun(current.run.status)) return undefined;
    const open = current.steps.filter((step) => !isTerminalStep(step.status));
    const undated = items.filter((item) => item.expiresAt === undefined);
    const expires = items.find((item) => item.sk === RUN_SK)?.expiresAt;
    await Promise.all([
      ...open.map((step) => this.transitionStep(runId, step.key, 'cancelled', { endedAt, reason })),
      ...undated.map((item) =>
        this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { pk: item.pk, sk: item.sk },
            UpdateExpression: 'SET #ttl = if_not_exists(#ttl, :ttl)',
            ConditionExpression: 'attribute_exists(pk)',
            ExpressionAttributeNames: { '#ttl': 'expiresAt' },
            ExpressionAttributeValues: { ':ttl': expires },
          }),
        ),
      ),
    ]);
    return current.run;
  }

  private async queryActive(): Promise<RunRecord[]> {
    const items = await queryItems(this.client, {
      TableName: this.tableName,
      IndexName: 'gsi3',
      ScanIndexForward: false,
      KeyConditionExpression: 'gsi3pk = :active',
      ExpressionAttributeValues: { ':active': ACTIVE_PK },
    });
    return items.map(toRunRecord);
  }

  /** Without a repository there is no index to read: a Scan, for the local store (infra grants no Scan on AWS). */
  private async scanRuns(pipeline: string | undefined): Promise<RunRecord[]> {
    const items = await scanItems(this.client, {
      TableName: this.tableName,
      FilterExpression: `sk = :run AND #committed = :true${pipeline === undefined ? '' : ' AND #pipeline = :pipeline'}`,
      ExpressionAttributeNames: {
        '#committed': 'committed',
        ...(pipeline === undefined ? {} : { '#pipeline': 'pipeline' }),
      },
      ExpressionAttributeValues: {
        ':run': RUN_SK,
        ':true': true,
        ...(pipeline === undefined ? {} : { ':pipeline': pipeline }),
      },
    });
    return items.map(toRunRecord).sort((a, b) => `${b.createdAt}#${b.id}`.localeCompare(`${a.createdAt}#${a.id}`));
  }
}

function toRunWithSteps(items: Item[]): RunWithSteps | undefined {
  const runItem = items.find((item) => item.sk === RUN_SK);
  if (!isCommittedRun(runItem)) return undefined;
  const steps = items
    .filter((item) => item.type === 'step')
    .map(toStepRecord)
    .sort((a, b) => a.order - b.order);
  return { run: toRunRecord(runItem), steps };
}
