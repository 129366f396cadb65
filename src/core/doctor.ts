/**
 * `sci doctor`: read-only checks of a deployed stack, each failure with the command that fixes it
 * (docs/deploy.md, "Check the deployment"). The checks see AWS and GitHub only through
 * {@link DoctorProbes}, so they are tested with mocked clients and a loopback webhook.
 */

/** What the checks need to know about the deployment, one small question each. */
export interface DoctorProbes {
  /** The stack's outputs, or undefined if there is no such stack. */
  stackOutputs(): Promise<Record<string, string> | undefined>;
  /** A secret's current value, or undefined if it has none. */
  secretValue(arn: string): Promise<string | undefined>;
  /** Whether the CodeBuild project exists. */
  projectExists(name: string): Promise<boolean>;
  /** The account's concurrent-build quotas for CodeBuild, by quota name; empty if unknown. */
  concurrentBuildQuotas(): Promise<Array<{ name: string; code: string; value: number }>>;
  /** Server types (`GITHUB`, …) CodeBuild holds source credentials for. */
  sourceCredentialTypes(): Promise<string[]>;
  /** Sends GitHub's `ping` event, signed with `secret`, to `url`: how the webhook answered. */
  ping(url: string, secret: string): Promise<PingAnswer>;
  /** Whether GitHub serves `repo` to anonymous callers; 'unknown' when it cannot tell. */
  repoVisibility(repo: string): Promise<'public' | 'private' | 'unknown'>;
}

/** The webhook's answer to a signed ping: accepted, refused for the signature or for the caller, or else. */
export interface PingAnswer {
  answer: 'accepted' | 'bad-signature' | 'forbidden' | 'other';
  /** What it answered, in one line (the HTTP status and the start of the body). */
  detail: string;
}

export interface DoctorOptions {
  stack: string;
  region: string;
  /** Repositories to check source access for (`owner/name`). */
  repos: string[];
}

export interface Finding {
  check: string;
  ok: boolean;
  detail: string;
  /** What to run or change, for a failed check. */
  fix?: string;
}

/** The outputs later checks read; the stack defines them (infra/stack.ts). */
export const REQUIRED_OUTPUTS = [
  'WebhookUrl',
  'ApiUrl',
  'TableName',
  'BuildProjectName',
  'WebhookSecretArn',
  'GitHubSecretArn',
] as const;

/** Below this many concurrent builds a matrix queues step by step (new accounts often get 1). */
export const MIN_CONCURRENT_BUILDS = 2;

const describeError = (error: unknown) => (error instanceof Error ? `${error.name}: ${error.message}` : String(error));

/** Runs every check that applies; a check that cannot run (an AWS error) is a finding too. */
export async function runDoctor(probes: DoctorProbes, options: DoctorOptions): Promise<Finding[]> {
  const cli = `--region ${options.region}`;
  const outputs = await probes.stackOutputs().catch((error: unknown) => ({ error: describeError(error) }) as const);
  if (outputs === undefined || 'error' in outputs) {
    return [
      {
        check: 'stack',
        ok: false,
        detail:
          outputs === undefined
            ? `no stack ${options.stack} in ${options.region}`
            : `cannot read stack ${options.stack}: ${outputs.error}`,
        fix: `deploy it (npx cdk deploy), or pass the right --stack and --region; your credentials need cloudformation:DescribeStacks`,
      },
    ];
  }
  const findings: Finding[] = [];
  const missing = REQUIRED_OUTPUTS.filter((name) => !outputs[name]);
  findings.push(
    missing.length === 0
      ? { check: 'outputs', ok: true, detail: `${REQUIRED_OUTPUTS.length} outputs present` }
      : {
          check: 'outputs',
          ok: false,
          detail: `missing outputs: ${missing.join(', ')}`,
          fix: 'the stack is older than this sci or failed to update: npx cdk deploy',
        },
  );
  const guarded = async (check: string, run: () => Promise<Finding[]>) => {
    try {
      findings.push(...(await run()));
    } catch (error) {
      findings.push({
        check,
        ok: false,
        detail: describeError(error),
        fix: 'check your credentials can read it (docs/deploy.md, "Check the deployment")',
      });
    }
  };
  const webhookSecretArn = outputs.WebhookSecretArn;
  let webhookSecret: string | undefined;
  if (webhookSecretArn) {
    await guarded('webhook secret', async () => {
      webhookSecret = await probes.secretValue(webhookSecretArn);
      return [
        webhookSecret
          ? { check: 'webhook secret', ok: true, detail: 'set' }
          : {
              check: 'webhook secret',
              ok: false,
              detail: 'empty',
              fix: `aws secretsmanager put-secret-value ${cli} --secret-id ${webhookSecretArn} --secret-string "$(openssl rand -hex 24)", then paste it into the GitHub webhook`,
            },
      ];
    });
  }
  if (outputs.GitHubSecretArn)
    await guarded('github credentials', async () => [
      githubCredentials(await probes.secretValue(outputs.GitHubSecretArn!), outputs.GitHubSecretArn!, cli),
    ]);
  if (outputs.WebhookUrl && webhookSecret) {
    await guarded('webhook ping', async () => [
      pingFinding(await probes.ping(outputs.WebhookUrl!, webhookSecret!), outputs.WebhookUrl!),
    ]);
  }
  if (outputs.BuildProjectName) {
    await guarded('build project', async () => [
      (await probes.projectExists(outputs.BuildProjectName!))
        ? { check: 'build project', ok: true, detail: outputs.BuildProjectName! }
        : {
            check: 'build project',
            ok: false,
            detail: `CodeBuild project ${outputs.BuildProjectName} not found`,
            fix: 'npx cdk deploy (someone deleted it by hand)',
          },
    ]);
  }
  await guarded('build quota', async () => [quotaFinding(await probes.concurrentBuildQuotas(), cli)]);
  if (options.repos.length > 0) await guarded('source access', async () => sourceFindings(probes, options.repos, cli));
  return findings;
}

function githubCredentials(value: string | undefined, arn: string, cli: string): Finding {
  const fix = `aws secretsmanager put-secret-value ${cli} --secret-id ${arn} --secret-string '{"token":"github_pat_..."}' (or an App: docs/deploy.md, "Fill in the secrets")`;
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(value ?? '') as Record<string, unknown>;
  } catch {
    return { check: 'github credentials', ok: false, detail: 'not JSON', fix };
  }
  if (typeof parsed.token === 'string' && parsed.token !== '')
    return { check: 'github credentials', ok: true, detail: 'a token' };
  if (
    parsed.appId !== undefined &&
    typeof parsed.privateKey === 'string' &&
    parsed.privateKey.includes('PRIVATE KEY')
  ) {
    return { check: 'github credentials', ok: true, detail: 'a GitHub App' };
  }
  return {
    check: 'github credentials',
    ok: false,
    detail:
      Object.keys(parsed).length === 0 ? 'still the {} placeholder' : 'neither {"token"} nor {"appId","privateKey"}',
    fix,
  };
}

const PING_FIX: Record<Exclude<PingAnswer['answer'], 'accepted'>, string> = {
  'bad-signature':
    'the webhook does not accept the secret it stores: redeploy (npx cdk deploy) so it reads the current value',
  forbidden:
    'the function URL refuses calls: since October 2025 a public URL needs both lambda:InvokeFunctionUrl and lambda:InvokeFunction for "*" (npx cdk deploy adds both)',
  other: 'read the webhook function log (docs/deploy.md, "Where to see runs and logs")',
};

function pingFinding({ answer, detail }: PingAnswer, url: string): Finding {
  if (answer === 'accepted') return { check: 'webhook ping', ok: true, detail: `${url} answered a signed ping` };
  return { check: 'webhook ping', ok: false, detail, fix: PING_FIX[answer] };
}

function quotaFinding(quotas: Array<{ name: string; code: string; value: number }>, cli: string): Finding {
  if (quotas.length === 0)
    return {
      check: 'build quota',
      ok: true,
      detail: 'no concurrent-build quota visible (servicequotas:ListServiceQuotas); skipped',
    };
  const low = quotas.filter((q) => q.value < MIN_CONCURRENT_BUILDS);
  const summary = quotas.map((q) => `${q.name} = ${q.value}`).join('; ');
  if (low.length === 0) return { check: 'build quota', ok: true, detail: summary };
  return {
    check: 'build quota',
    ok: false,
    detail: `${low.map((q) => `${q.name} = ${q.value}`).join('; ')}: parallel steps will wait for each other`,
    fix: low
      .map(
        (q) =>
          `aws service-quotas request-service-quota-increase ${cli} --service-code codebuild --quota-code ${q.code} --desired-value 10`,
      )
      .join('\n'),
  };
}

async function sourceFindings(probes: DoctorProbes, repos: string[], cli: string): Promise<Finding[]> {
  const types = await probes.sourceCredentialTypes();
  const findings: Finding[] = [];
  for (const repo of repos) {
    const visibility = await probes.repoVisibility(repo);
    if (visibility === 'public') {
      findings.push({ check: 'source access', ok: true, detail: `${repo} is public` });
    } else if (types.includes('GITHUB')) {
      findings.push({
        check: 'source access',
        ok: true,
        detail: `${repo} is ${visibility}; CodeBuild holds GitHub source credentials`,
      });
    } else {
      findings.push({
        check: 'source access',
        ok: false,
        detail: `${repo} is ${visibility === 'private' ? 'private (or does not exist)' : 'of unknown visibility'} and CodeBuild has no GitHub source credentials: every step's clone will fail`,
        fix: `aws codebuild import-source-credentials ${cli} --server-type GITHUB --auth-type PERSONAL_ACCESS_TOKEN --token github_pat_... (Contents: read on ${repo})`,
      });
    }
  }
  return findings;
}

/** `ok  check  detail` lines, each failure followed by its fix. */
export function formatFindings(findings: Finding[]): string {
  return findings
    .map(
      (f) =>
        `${f.ok ? 'ok  ' : 'FAIL'}  ${f.check}: ${f.detail}${f.ok || !f.fix ? '' : `\n      fix: ${f.fix.replace(/\n/g, '\n           ')}`}`,
    )
    .join('\n');
}
