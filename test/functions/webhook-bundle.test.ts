/**
 * The webhook Lambda as bundled for shipping (bench/lambda-bundle.ts: SDK bundled, Lambda
 * credential chain) answering a signed push over real HTTP: the delivery record goes to a real
 * dynalite table, Secrets Manager and SQS are a loopback server speaking their JSON protocol
 * that also checks each request is signed with the credentials Lambda puts in the environment.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { bundleFunction } from '../../bench/lambda-bundle.ts';
import { openLocalStore, type LocalStore } from '../../local/store/dynalite-server.ts';
import { examples, signedRequest, TEST_SECRET } from '../github/helpers.ts';

let dir: string;
let local: LocalStore;
let aws: Server;
const sent: Array<{ target: string; body: Record<string, unknown> }> = [];
const ENV = [
  'AWS_REGION',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_PROFILE',
  'AWS_ENDPOINT_URL_DYNAMODB',
  'AWS_ENDPOINT_URL_SQS',
  'AWS_ENDPOINT_URL_SECRETS_MANAGER',
  'TABLE_NAME',
  'QUEUE_URL',
  'WEBHOOK_SECRET_ARN',
  'ALLOWED_REPOS',
];
const saved = Object.fromEntries(ENV.map((n) => [n, process.env[n]]));

/** Secrets Manager GetSecretValue and SQS SendMessage, AWS JSON protocol. */
function fakeAws(): Server {
  return createServer((req, res) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString('utf8')));
    req.on('end', () => {
      const target = String(req.headers['x-amz-target']);
      const body = JSON.parse(text) as Record<string, unknown>;
      sent.push({ target, body });
      if (!String(req.headers.authorization).startsWith('AWS4-HMAC-SHA256 Credential=AKIDLAMBDA/')) {
        res.writeHead(403).end(JSON.stringify({ __type: 'UnrecognizedClientException', message: 'unsigned' }));
        return;
      }
      const answer = target.endsWith('GetSecretValue')
        ? { SecretString: TEST_SECRET }
        : { MessageId: 'm-1', MD5OfMessageBody: createHash('md5').update(String(body.MessageBody)).digest('hex') };
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' }).end(JSON.stringify(answer));
    });
  });
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sci-webhook-bundle-'));
  local = await openLocalStore(join(dir, 'home'));
  aws = fakeAws();
  await new Promise<void>((done) => aws.listen(0, '127.0.0.1', done));
  const endpoint = `http://127.0.0.1:${(aws.address() as AddressInfo).port}`;
  for (const n of ENV) delete process.env[n];
  Object.assign(process.env, {
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'AKIDLAMBDA',
    AWS_SECRET_ACCESS_KEY: 's',
    AWS_SESSION_TOKEN: 't',
    AWS_ENDPOINT_URL_DYNAMODB: local.endpoint(),
    AWS_ENDPOINT_URL_SQS: endpoint,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoint,
    TABLE_NAME: local.tableName,
    QUEUE_URL: `${endpoint}/123456789012/sci-deliveries`,
    WEBHOOK_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:sci-webhook',
    ALLOWED_REPOS: 'Codertocat/Hello-World',
  });
});

after(async () => {
  for (const n of ENV) {
    if (saved[n] === undefined) delete process.env[n];
    else process.env[n] = saved[n];
  }
  await new Promise((done) => aws.close(done));
  await local.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the shipped webhook bundle', () => {
  test('answers a signed push 202 and its redelivery 200, through the bundled SDK', async () => {
    const out = join(dir, 'webhook.mjs');
    const bytes = await bundleFunction('webhook', out);
    // The budget; deterministic for a given lockfile (no profile/SSO/STS clients inside).
    assert.ok(bytes <= 300 * 1024, `webhook bundle is ${(bytes / 1024).toFixed(0)} KB`);
    const { handler } = (await import(pathToFileURL(out).href)) as {
      handler: (e: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;
    };
    const request = await signedRequest('push', examples('push')[4], 'bundle-guid-1');
    const event = {
      version: '2.0',
      rawPath: '/',
      headers: Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k.toLowerCase(), v])),
      isBase64Encoded: false,
      body: request.body,
      requestContext: { http: { method: 'POST', path: '/' } },
    } as unknown as APIGatewayProxyEventV2;
    const first = await handler(event);
    assert.equal(first.statusCode, 202, first.body);
    assert.deepEqual(
      sent.map((s) => s.target),
      ['secretsmanager.GetSecretValue', 'AmazonSQS.SendMessage'],
    );
    assert.equal(JSON.parse(String(sent[1]!.body.MessageBody)).deliveryId, 'bundle-guid-1');
    assert.equal(await local.store.recordDelivery('4242', 'bundle-guid-1', {}), false, 'recorded in the table');
    assert.equal((await handler(event)).statusCode, 200);
    assert.equal(sent.length, 2, 'the redelivery sends nothing');
  });
});
