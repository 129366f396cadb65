/**
 * `sci doctor` end to end below the CLI: the AWS probes on mocked SDK clients (aws-sdk-client-mock),
 * the ping and GitHub's repository API on a real loopback HTTP server that runs the real webhook
 * ingress (Octokit's signature verifier decides whether our signed ping is valid).
 */
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { BatchGetProjectsCommand, CodeBuildClient, ListSourceCredentialsCommand } from '@aws-sdk/client-codebuild';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import {
  ListAWSDefaultServiceQuotasCommand,
  ListServiceQuotasCommand,
  ServiceQuotasClient,
} from '@aws-sdk/client-service-quotas';
import { awsDoctorProbes, type DoctorClients } from '../../src/aws/doctor-probes.ts';
import { formatFindings, REQUIRED_OUTPUTS, runDoctor, type Finding } from '../../src/core/doctor.ts';
import { receiveDelivery } from '../../src/github/ingress.ts';
import { SCI } from '../sci-cli.ts';
import { mockInstance } from '../mock-instance.ts';

const SECRET = 'webhook-secret-of-the-stack';
const WEBHOOK_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:serverless-ci/webhook-AbCdEf';
const GITHUB_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:serverless-ci/github-AbCdEf';

let server: Server;
let base = '';
/** What the loopback "webhook" stores as its secret (a mismatch must fail the ping). */
let servedSecret = SECRET;
const publicRepos = new Set(['octo/public']);

before(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      if (req.method === 'GET' && req.url?.startsWith('/repos/')) {
        const repo = req.url.slice('/repos/'.length);
        res.writeHead(publicRepos.has(repo) ? 200 : 404, { 'content-type': 'application/json' });
        res.end(JSON.stringify(publicRepos.has(repo) ? { full_name: repo, private: false } : { message: 'Not Found' }));
        return;
      }
      const answer = await receiveDelivery(
        {
          secret: async () => servedSecret,
          store: {
            recordDelivery: async () => {
              throw new Error('a ping records nothing');
            },
          },
          queue: {
            send: async () => {
              throw new Error('a ping enqueues nothing');
            },
          },
          trust: { repos: [], senders: [] },
          clock: { now: () => new Date() },
        } as never,
        { headers: req.headers as Record<string, string>, body: Buffer.concat(chunks).toString('utf8') },
      );
      res.writeHead(answer.status, { 'content-type': 'application/json' });
      res.end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => server.close());

const region = 'eu-west-1';
const doctorClients: DoctorClients = {
  cloudformation: new CloudFormationClient({ region }),
  secrets: new SecretsManagerClient({ region }),
  codebuild: new CodeBuildClient({ region }),
  quotas: new ServiceQuotasClient({ region }),
};
const cfn = mockInstance(doctorClients.cloudformation);
const secrets = mockInstance(doctorClients.secrets);
const codebuild = mockInstance(doctorClients.codebuild);
const quotas = mockInstance(doctorClients.quotas);

/** GitHub's API on the loopback server; everything else as is. */
const loopbackFetch: typeof fetch = (input, init) => fetch(String(input).replace('https://api.github.com', base), init);

const outputs = () =>
  [...REQUIRED_OUTPUTS.map((key) => ({ OutputKey: key, OutputValue: `value-of-${key}` }))].map((o) =>
    o.OutputKey === 'WebhookUrl'
      ? { ...o, OutputValue: `${base}/` }
      : o.OutputKey === 'WebhookSecretArn'
        ? { ...o, OutputValue: WEBHOOK_ARN }
        : o.OutputKey === 'GitHubSecretArn'
          ? { ...o, OutputValue: GITHUB_ARN }
          : o.OutputKey === 'BuildProjectName'
            ? { ...o, OutputValue: 'CiStepsProject-abc' }
            : o,
  );

function healthy() {
  cfn.reset();
  secrets.reset();
  codebuild.reset();
  quotas.reset();
  servedSecret = SECRET;
  cfn.on(DescribeStacksCommand).resolves({
    Stacks: [
      { StackName: 'ServerlessCi', CreationTime: new Date(), StackStatus: 'CREATE_COMPLETE', Outputs: outputs() },
    ],
  });
  secrets.on(GetSecretValueCommand, { SecretId: WEBHOOK_ARN }).resolves({ SecretString: SECRET });
  secrets.on(GetSecretValueCommand, { SecretId: GITHUB_ARN }).resolves({ SecretString: '{"token":"github_pat_x"}' });
  codebuild.on(BatchGetProjectsCommand).resolves({ projects: [{ name: 'CiStepsProject-abc' }] });
  codebuild.on(ListSourceCredentialsCommand).resolves({ sourceCredentialsInfos: [] });
  quotas.on(ListServiceQuotasCommand).resolves({
    Quotas: [
      { QuotaName: 'Concurrently running builds for Linux/Small environment', QuotaCode: 'L-1234ABCD', Value: 20 },
    ],
  });
}

const doctor = (repos: string[] = []) =>
  runDoctor(awsDoctorProbes(doctorClients, 'ServerlessCi', loopbackFetch), {
    stack: 'ServerlessCi',
    region: 'eu-west-1',
    repos,
  });
const failed = (findings: Finding[]) => findings.filter((f) => !f.ok).map((f) => f.check);

describe('sci doctor', () => {
  beforeEach(healthy);

  test('a healthy stack passes every check, the webhook answering a signed ping', async () => {
    const findings = await doctor(['octo/public']);
    assert.deepEqual(failed(findings), [], formatFindings(findings));
    assert.deepEqual(
      findings.map((f) => f.check),
      [
        'outputs',
        'webhook secret',
        'github credentials',
        'webhook ping',
        'build project',
        'build quota',
        'source access',
      ],
    );
    assert.equal(cfn.commandCalls(DescribeStacksCommand)[0]!.args[0].input.StackName, 'ServerlessCi');
  });

  test('no stack: one finding that says how to deploy', async () => {
    cfn
      .on(DescribeStacksCommand)
      .rejects(Object.assign(new Error('Stack with id ServerlessCi does not exist'), { name: 'ValidationError' }));
    const findings = await doctor();
    assert.equal(findings.length, 1);
    assert.match(findings[0]!.detail, /no stack ServerlessCi in eu-west-1/);
    assert.match(findings[0]!.fix!, /cdk deploy/);
  });

  test('missing outputs, the {} placeholder, a missing project: each a failure with its fix', async () => {
    cfn.on(DescribeStacksCommand).resolves({
      Stacks: [
        {
          StackName: 'ServerlessCi',
          CreationTime: new Date(),
          StackStatus: 'UPDATE_COMPLETE',
          Outputs: outputs().filter((o) => o.OutputKey !== 'ApiUrl'),
        },
      ],
    });
    secrets.on(GetSecretValueCommand, { SecretId: GITHUB_ARN }).resolves({ SecretString: '{}' });
    codebuild.on(BatchGetProjectsCommand).resolves({ projects: [], projectsNotFound: ['CiStepsProject-abc'] });
    const findings = await doctor();
    assert.deepEqual(failed(findings), ['outputs', 'github credentials', 'build project']);
    const github = findings.find((f) => f.check === 'github credentials')!;
    assert.match(github.detail, /placeholder/);
    assert.match(github.fix!, new RegExp(`put-secret-value --region eu-west-1 --secret-id ${GITHUB_ARN}`));
    for (const f of findings.filter((x) => !x.ok)) assert.ok(f.fix, `${f.check} has a fix`);
  });

  test('a webhook that holds another secret refuses the ping (401), and the fix says so', async () => {
    servedSecret = 'rotated-elsewhere';
    const ping = (await doctor()).find((f) => f.check === 'webhook ping')!;
    assert.equal(ping.ok, false);
    assert.match(ping.detail, /^HTTP 401/);
    assert.match(ping.fix!, /redeploy/);
  });

  test('a quota of 1 concurrent build is flagged with the increase request', async () => {
    quotas.on(ListServiceQuotasCommand).resolves({ Quotas: [] });
    quotas.on(ListAWSDefaultServiceQuotasCommand).resolves({
      Quotas: [
        { QuotaName: 'Concurrently running builds for Linux/Small environment', QuotaCode: 'L-1234ABCD', Value: 1 },
      ],
    });
    const quota = (await doctor()).find((f) => f.check === 'build quota')!;
    assert.equal(quota.ok, false);
    assert.match(
      quota.fix!,
      /request-service-quota-increase --region eu-west-1 --service-code codebuild --quota-code L-1234ABCD/,
    );
  });

  test('a private repository without CodeBuild source credentials fails; with them it passes', async () => {
    const without = (await doctor(['octo/secret'])).find((f) => f.check === 'source access')!;
    assert.equal(without.ok, false);
    assert.match(without.fix!, /import-source-credentials --region eu-west-1 --server-type GITHUB/);
    codebuild.on(ListSourceCredentialsCommand).resolves({
      sourceCredentialsInfos: [{ serverType: 'GITHUB', authType: 'PERSONAL_ACCESS_TOKEN', arn: 'arn:x' }],
    });
    assert.equal((await doctor(['octo/secret'])).find((f) => f.check === 'source access')!.ok, true);
  });

  test('an AWS error in one check is a finding, the other checks still run', async () => {
    codebuild
      .on(BatchGetProjectsCommand)
      .rejects(Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' }));
    const findings = await doctor();
    assert.deepEqual(failed(findings), ['build project']);
    assert.match(findings.find((f) => f.check === 'build project')!.detail, /AccessDeniedException/);
  });

  test('every call the doctor makes is a read', async () => {
    await doctor(['octo/secret']);
    // Describe/List/Get/BatchGet only: the doctor never changes the account.
    assert.ok(cfn.calls().length + secrets.calls().length + codebuild.calls().length + quotas.calls().length >= 6);
    for (const mock of [cfn, secrets, codebuild, quotas]) {
      for (const call of mock.calls()) assert.match(call.args[0].constructor.name, /^(Describe|List|Get|BatchGet)/);
    }
  });

  test('sci doctor without --stack is a usage error (exit 2), through the real CLI', () => {
    const result = spawnSync(process.execPath, [SCI, 'doctor', '--region', 'eu-west-1'], { encoding: 'utf8' });
    assert.equal(result.status, 2, result.stderr);
    assert.match(result.stderr, /--stack NAME is required/);
  });
});
