/**
 * `sci doctor --stack NAME [--region R] [--repo OWNER/NAME]...`: read-only checks of a deployed
 * stack with your own AWS credentials; every problem is printed with its fix (src/core/doctor.ts).
 */
import { formatFindings, runDoctor } from '../../core/doctor.ts';
import { parseCommandArgs } from '../args.ts';
import { CliUsageError } from '../errors.ts';

export const help = `usage: sci doctor --stack NAME [--region REGION] [--repo OWNER/NAME]...

Checks a deployed serverless-ci stack, read-only, with your AWS credentials: the stack's outputs,
that the webhook and GitHub secrets are set (not the {} placeholder), that the webhook answers a
signed GitHub ping, that the step CodeBuild project exists, the account's concurrent-build quota,
and, for each --repo that GitHub does not serve publicly, that CodeBuild holds GitHub source
credentials. Every problem comes with the command that fixes it. Exit 0 when all pass, 1 otherwise.

options:
  --stack NAME        the CloudFormation stack cdk deployed (ServerlessCi unless you renamed it)
  --region REGION     its region (default: $AWS_REGION, then $AWS_DEFAULT_REGION)
  --repo OWNER/NAME   a repository the stack builds; repeat for several
  -h, --help          show this help
`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {
    stack: { type: 'string' },
    region: { type: 'string' },
    repo: { type: 'string', multiple: true },
  });
  if (positionals.length > 0) throw new CliUsageError(`unexpected argument '${positionals[0]}'`);
  if (!values.stack) throw new CliUsageError('--stack NAME is required (the stack cdk deployed, e.g. ServerlessCi)');
  const region = values.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  if (!region) throw new CliUsageError('no region: pass --region or set AWS_REGION');
  const repos = values.repo ?? [];
  for (const repo of repos)
    if (!/^[A-Za-z0-9-]+\/[A-Za-z0-9._-]+$/.test(repo)) throw new CliUsageError(`--repo ${repo}: expected OWNER/NAME`);
  const { awsDoctorProbes, doctorClients } = await import('../../aws/doctor-probes.ts');
  const findings = await runDoctor(awsDoctorProbes(doctorClients(region), values.stack), {
    stack: values.stack,
    region,
    repos,
  });
  process.stdout.write(`${formatFindings(findings)}\n`);
  const failed = findings.filter((f) => !f.ok).length;
  process.stdout.write(
    failed === 0 ? `\nall ${findings.length} checks passed\n` : `\n${failed} of ${findings.length} checks failed\n`,
  );
  return failed === 0 ? 0 : 1;
}
