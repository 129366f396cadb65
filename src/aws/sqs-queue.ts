import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { DeliveryQueue, QueuedDelivery } from '../core/ports.ts';

/** The delivery queue on SQS (standard queue with a DLQ; the dispatcher is idempotent). */
export class SqsDeliveryQueue implements DeliveryQueue {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async enqueue(delivery: QueuedDelivery): Promise<void> {
    await this.client.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl,
        MessageBody: JSON.stringify(delivery),
        MessageAttributes: {
          event: { DataType: 'String', StringValue: delivery.event },
          delivery: { DataType: 'String', StringValue: delivery.deliveryId },
        },
      }),
    );
  }
}
