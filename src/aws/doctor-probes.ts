/**
 * The AWS side of `sci doctor` (src/core/doctor.ts): read-only calls with the user's own
 * credentials. Each probe is one or two SDK calls; the clients come in from the caller.
 */
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { BatchGetProjectsCommand, CodeBuildClient, ListSourceCredentialsCommand } from '@aws-sdk/client-codebuild';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import {
  ListAWSDefaultServiceQuotasCommand,
  ListServiceQuotasCommand,
  ServiceQuotasClient,
  type ServiceQuota,
} from '@aws-sdk/client-service-quotas';
import type { DoctorProbes } from '../core/doctor.ts';
import { sendSignedPing } from '../github/ping.ts';
import { readStackOutputs } from './stack-outputs.ts';

export interface DoctorClients {
  cloudformation: CloudFormationClient;
  secrets: SecretsManagerClient;
  codebuild: CodeBuildClient;
  quotas: ServiceQuotasClient;
}

/** Clients for `region` with the default credential chain (profile, SSO, env, …). */
export function doctorClients(region: string): DoctorClients {
  return {
    cloudformation: new CloudFormationClient({ region }),
    secrets: new SecretsManagerClient({ region }),
    codebuild: new CodeBuildClient({ region }),
    quotas: new ServiceQuotasClient({ region }),
  };
}

/** CodeBuild's concurrency quotas are named "Concurrently running builds for <fleet>". */
const CONCURRENCY = /concurrent/i;

export function awsDoctorProbes(clients: DoctorClients, stack: string, fetchImpl: typeof fetch = fetch): DoctorProbes {
  return {
    stackOutputs: () => readStackOutputs(clients.cloudformation, stack),
    async secretValue(arn) {
      const out = await clients.secrets.send(new GetSecretValueCommand({ SecretId: arn }));
      return out.SecretString;
    },
    async projectExists(name) {
      const out = await clients.codebuild.send(new BatchGetProjectsCommand({ names: [name] }));
      return (out.projects ?? []).some((p) => p.name === name);
    },
    async concurrentBuildQuotas() {
      const pick = (quotas: ServiceQuota[] | undefined) =>
        (quotas ?? [])
          .filter((q) => CONCURRENCY.test(q.QuotaName ?? '') && q.Value !== undefined)
          .map((q) => ({ name: q.QuotaName!, code: q.QuotaCode ?? '', value: q.Value! }));
      const applied = pick(
        (await clients.quotas.send(new ListServiceQuotasCommand({ ServiceCode: 'codebuild', MaxResults: 100 }))).Quotas,
      );
      if (applied.length > 0) return applied;
      return pick(
        (
          await clients.quotas.send(
            new ListAWSDefaultServiceQuotasCommand({ ServiceCode: 'codebuild', MaxResults: 100 }),
          )
        ).Quotas,
      );
    },
    async sourceCredentialTypes() {
      const out = await clients.codebuild.send(new ListSourceCredentialsCommand({}));
      return (out.sourceCredentialsInfos ?? []).map((c) => c.serverType ?? '').filter((t) => t !== '');
    },
    ping: (url, secret) => sendSignedPing(url, secret, fetchImpl),
    async repoVisibility(repo) {
      const response = await fetchImpl(`https://api.github.com/repos/${repo}`, {
        headers: { accept: 'application/vnd.github+json', 'user-agent': 'sci-doctor' },
      });
      if (response.status === 404) return 'private';
      if (!response.ok) return 'unknown';
      const body = (await response.json()) as { private?: boolean };
      return body.private === false ? 'public' : 'private';
    },
  };
}
