/**
 * The webhook's only table write: the delivery record of docs/architecture.md ("DynamoDB single
 * table"), the same item and condition as `DynamoRunStore.recordDelivery`, but as one raw
 * PutItem so the webhook bundle carries neither lib-dynamodb nor the rest of the store.
 */
import { randomUUID } from 'node:crypto';
import { PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Clock, RunStore } from '../core/ports.ts';
import { isConditionalCheckFailed } from '../store/errors.ts';
import { DELIVERY_RETENTION_DAYS, expiresAt } from '../store/items.ts';
import { DELIVERY_SK, deliveryPk } from '../../statemachines/lifecycle.ts';

export interface DeliveryRecordOptions {
  clock?: Clock;
  /** GitHub redelivers for up to 3 days. @default DELIVERY_RETENTION_DAYS (as the store) */
  retentionDays?: number;
  /** @default crypto.randomUUID */
  newWriteId?: () => string;
}

/** `recordDelivery` of the run store on the deployed table, over the plain DynamoDB client. */
export class DynamoDeliveryRecords implements Pick<RunStore, 'recordDelivery'> {
  private readonly clock: Clock;
  private readonly days: number;
  private readonly newWriteId: () => string;

  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    options: DeliveryRecordOptions = {},
  ) {
    this.clock = options.clock ?? { now: () => new Date() };
    this.days = options.retentionDays ?? DELIVERY_RETENTION_DAYS;
    this.newWriteId = options.newWriteId ?? randomUUID;
  }

  /** True when this call wrote the record, false when it already existed. */
  async recordDelivery(hookId: string, guid: string, details: Record<string, string>): Promise<boolean> {
    const now = this.clock.now();
    const writeId = this.newWriteId();
    try {
      // A retry of this very put passes again without a read (the webhook may only write deliveries).
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: {
            pk: { S: deliveryPk(hookId, guid) },
            sk: { S: DELIVERY_SK },
            type: { S: 'delivery' },
            details: { M: Object.fromEntries(Object.entries(details).map(([k, v]) => [k, { S: v }])) },
            receivedAt: { S: now.toISOString() },
            expiresAt: { N: String(expiresAt(now, this.days)) },
            writeId: { S: writeId },
          },
          ConditionExpression: 'attribute_not_exists(pk) OR writeId = :writeId',
          ExpressionAttributeValues: { ':writeId': { S: writeId } },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }
}
