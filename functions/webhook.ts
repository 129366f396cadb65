/**
 * Lambda Function URL `POST`: verify, de-duplicate, enqueue, answer 202 (src/github/ingress.ts).
 * Imports only what that needs (three SDK clients, no store, compiler or Octokit) to keep the
 * bundle and cold start small (docs/benchmarks.md, "Webhook path").
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import { DynamoDeliveryRecords } from '../src/aws/delivery-records.ts';
import { requireEnv } from '../src/aws/environment.ts';
import { clientConfig } from '../src/aws/client-config.ts';
import { cachedSecret } from '../src/aws/secrets.ts';
import { SqsDeliveryQueue } from '../src/aws/sqs-queue.ts';
import { receiveDelivery, type IngressDeps } from '../src/github/ingress.ts';
import { parseAllowList } from '../src/github/trust.ts';

let deps: IngressDeps | undefined;

function build(): IngressDeps {
  return {
    secret: cachedSecret(new SecretsManagerClient(clientConfig), requireEnv('WEBHOOK_SECRET_ARN')),
    // Only the delivery record: a raw PutItem keeps lib-dynamodb and the store out of this bundle.
    store: new DynamoDeliveryRecords(new DynamoDBClient(clientConfig), requireEnv('TABLE_NAME')),
    queue: new SqsDeliveryQueue(new SQSClient(clientConfig), requireEnv('QUEUE_URL')),
    trust: { repos: parseAllowList(process.env.ALLOWED_REPOS), senders: parseAllowList(process.env.ALLOWED_SENDERS) },
    clock: { now: () => new Date() },
  };
}

export async function handler(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyResultV2> {
  deps ??= build();
  // The signature covers the exact bytes GitHub sent; a base64-encoded body is decoded, never re-serialised.
  const body = event.isBase64Encoded ? Buffer.from(event.body ?? '', 'base64').toString('utf8') : (event.body ?? '');
  const response = await receiveDelivery(deps, { headers: event.headers ?? {}, body });
  return { statusCode: response.status, headers: { 'content-type': 'application/json' }, body: response.body };
}
