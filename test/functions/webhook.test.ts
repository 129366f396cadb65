/**
 * The webhook Lambda entry as deployed: a Function URL event, the webhook secret from Secrets
 * Manager and SQS mocked (aws-sdk-client-mock), delivery records in a real dynalite table.
 */
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mockClient } from 'aws-sdk-client-mock';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { openLocalStore, type LocalStore } from '../../local/store/dynalite-server.ts';
import { examples, signedRequest, TEST_SECRET } from '../github/helpers.ts';
import { judgeSdkCalls } from '../aws/sdk-judge.ts';

const sqs = mockClient(SQSClient);
const secrets = mockClient(SecretsManagerClient);
judgeSdkCalls({ sqs, secretsmanager: secrets });
let home: string;
let local: LocalStore;
let handler: (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

function urlEvent(request: { headers: Record<string, string>; body: string }, base64 = false): APIGatewayProxyEventV2 {
  const headers = Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k.toLowerCase(), v]));
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: '/',
    rawQueryString: '',
    headers,
    isBase64Encoded: base64,
    body: base64 ? Buffer.from(request.body).toString('base64') : request.body,
    requestContext: { http: { method: 'POST', path: '/' } },
  } as unknown as APIGatewayProxyEventV2;
}

before(async () => {
  home = mkdtempSync(join(tmpdir(), 'sci-webhook-fn-'));
  local = await openLocalStore(home);
  Object.assign(process.env, {
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_ENDPOINT_URL_DYNAMODB: local.endpoint(),
    TABLE_NAME: local.tableName,
    QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/sci-deliveries',
    WEBHOOK_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:sci-webhook',
    ALLOWED_REPOS: 'Codertocat/Hello-World',
  });
  ({ handler } = (await import('../../functions/webhook.ts')) as unknown as { handler: typeof handler });
});

after(async () => {
  await local.close();
  rmSync(home, { recursive: true, force: true });
});

beforeEach(() => {
  sqs.reset();
  secrets.reset();
  secrets.on(GetSecretValueCommand).resolves({ SecretString: TEST_SECRET });
  sqs.on(SendMessageCommand).resolves({ MessageId: 'm' });
});

describe('functions/webhook handler', () => {
  test('a signed push: 202, one SendMessage with the delivery, a delivery record in DynamoDB; the redelivery: 200, nothing sent', async () => {
    const request = await signedRequest('push', examples('push')[4], 'fn-guid-1');
    const res = await handler(urlEvent(request));
    assert.equal(res.statusCode, 202, res.body);
    const sent = sqs.commandCalls(SendMessageCommand);
    assert.equal(sent.length, 1);
    assert.equal(sent[0]!.args[0].input.QueueUrl, process.env.QUEUE_URL);
    const message = JSON.parse(sent[0]!.args[0].input.MessageBody!);
    assert.deepEqual([message.hookId, message.deliveryId, message.event], ['4242', 'fn-guid-1', 'push']);
    assert.equal(await local.store.recordDelivery('4242', 'fn-guid-1', {}), false, 'the delivery is recorded');
    const again = await handler(urlEvent(request, true));
    assert.equal(again.statusCode, 200);
    assert.equal(sqs.commandCalls(SendMessageCommand).length, 1);
  });

  test('a bad signature: 401, no SQS call, no record', async () => {
    const request = await signedRequest('push', examples('push')[4], 'fn-guid-bad', 'not the secret');
    assert.equal((await handler(urlEvent(request))).statusCode, 401);
    assert.equal(sqs.commandCalls(SendMessageCommand).length, 0);
    assert.equal(await local.store.recordDelivery('4242', 'fn-guid-bad', {}), true, 'nothing was recorded');
  });

  test('the webhook secret is fetched once per container', async () => {
    for (const id of ['fn-a', 'fn-b']) await handler(urlEvent(await signedRequest('push', examples('push')[4], id)));
    assert.ok(secrets.commandCalls(GetSecretValueCommand).length <= 1);
  });
});
