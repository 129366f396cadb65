/** SQS consumer: each queued delivery → runs (src/github/dispatch-delivery.ts). Partial batch failures retry alone. */
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { QueuedDelivery } from '../src/core/ports.ts';
import { dispatchDelivery, type DeliveryDeps } from '../src/github/dispatch-delivery.ts';
import { dispatchDeps, repositories, syncRepoSchedules } from '../src/aws/wiring.ts';

let deps: DeliveryDeps | undefined;

/** Schedules follow the default branch; a failed sync is logged, never a reason to redeliver the push. */
async function syncQuietly(repo: string, sha: string, branch: string): Promise<void> {
  try {
    console.log(JSON.stringify({ scheduleSync: repo, sha, result: await syncRepoSchedules(repo, sha, branch) }));
  } catch (error) {
    console.error(
      JSON.stringify({ scheduleSync: repo, sha, error: error instanceof Error ? error.message : String(error) }),
    );
  }
}

export async function handler(event: SQSEvent): Promise<SQSBatchResponse> {
  deps ??= { ...dispatchDeps(), repos: repositories(), onDefaultBranchPush: syncQuietly };
  const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
  for (const record of event.Records) {
    try {
      const delivery = JSON.parse(record.body) as QueuedDelivery;
      const outcome = await dispatchDelivery(deps, delivery);
      console.log(JSON.stringify({ delivery: delivery.deliveryId, event: delivery.event, outcome }));
    } catch (error) {
      // Retried by SQS (then the DLQ); every id derives from the delivery, so a retry starts no second run.
      console.error(
        JSON.stringify({ messageId: record.messageId, error: error instanceof Error ? error.message : String(error) }),
      );
      batchItemFailures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures };
}
