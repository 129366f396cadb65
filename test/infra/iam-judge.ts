/**
 * The IAM judge the infra tests share: a real policy evaluator (@cloud-copilot/iam-simulate, a dev
 * dependency only: AGPL) over policies taken from a synthesized template, with the template's
 * intrinsics (Ref, Fn::GetAtt, Fn::Join, pseudo parameters) evaluated to concrete ARNs.
 */
import { runSimulation, type Simulation } from '@cloud-copilot/iam-simulate';

export const ACCOUNT = '123456789012';
export const REGION = 'us-east-1';

export type Statement = Record<string, unknown>;
export type PolicyDocument = { Version: string; Statement: Statement[] };

/** How one CloudFormation resource resolves: its `Ref` and its attributes. */
export interface ResolvedResource {
  ref: string;
  attributes: Record<string, string>;
}

const PSEUDO: Record<string, string> = {
  'AWS::Partition': 'aws',
  'AWS::Region': REGION,
  'AWS::AccountId': ACCOUNT,
  'AWS::URLSuffix': 'amazonaws.com',
  'AWS::StackName': 'ServerlessCi',
  'AWS::StackId':
    'arn:aws:cloudformation:us-east-1:123456789012:stack/ServerlessCi/5f1e2d3c-aaaa-bbbb-cccc-123456789012',
};

/**
 * The physical ids and ARNs the resources of a template would get: names from the template where
 * it sets one (secrets, the schedule group), else derived from the logical id. Enough for every
 * resource type a policy of ours points at.
 */
export function resolveResources(
  resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>,
): Map<string, ResolvedResource> {
  const out = new Map<string, ResolvedResource>();
  const arn = (service: string, rest: string) => `arn:aws:${service}:${REGION}:${ACCOUNT}:${rest}`;
  for (const [id, r] of Object.entries(resources)) {
    const name = (evaluate(r.Properties?.Name) as string | undefined) ?? id;
    switch (r.Type) {
      case 'AWS::IAM::Role':
        out.set(id, { ref: id, attributes: { Arn: `arn:aws:iam::${ACCOUNT}:role/${id}` } });
        break;
      case 'AWS::Lambda::Function':
        out.set(id, { ref: id, attributes: { Arn: arn('lambda', `function:${id}`) } });
        break;
      case 'AWS::SecretsManager::Secret':
        out.set(id, { ref: arn('secretsmanager', `secret:${name}-AbCdEf`), attributes: {} });
        break;
      case 'AWS::DynamoDB::GlobalTable':
        out.set(id, { ref: id, attributes: { Arn: arn('dynamodb', `table/${id}`) } });
        break;
      case 'AWS::SQS::Queue':
        out.set(id, {
          ref: `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${id}`,
          attributes: { Arn: arn('sqs', id), QueueName: id },
        });
        break;
      case 'AWS::S3::Bucket':
        out.set(id, { ref: id.toLowerCase(), attributes: { Arn: `arn:aws:s3:::${id.toLowerCase()}` } });
        break;
      case 'AWS::Logs::LogGroup':
        out.set(id, { ref: id, attributes: { Arn: arn('logs', `log-group:${id}:*`) } });
        break;
      case 'AWS::CodeBuild::Project':
        out.set(id, { ref: id, attributes: { Arn: arn('codebuild', `project/${id}`) } });
        break;
      case 'AWS::Scheduler::ScheduleGroup':
        out.set(id, { ref: name, attributes: { Arn: arn('scheduler', `schedule-group/${name}`) } });
        break;
      default:
        out.set(id, { ref: id, attributes: {} });
    }
  }
  return out;
}

/** Evaluates the intrinsics of a template value (a policy, an environment variable). */
export function evaluate(
  node: unknown,
  resources: Map<string, ResolvedResource> = new Map(),
  pseudo: Record<string, string> = {},
): unknown {
  const again = (n: unknown) => evaluate(n, resources, pseudo);
  if (Array.isArray(node)) return node.map(again);
  if (node === null || typeof node !== 'object') return node;
  const value = node as Record<string, unknown>;
  if ('Ref' in value) {
    const ref = value.Ref as string;
    const resolved = pseudo[ref] ?? PSEUDO[ref] ?? resources.get(ref)?.ref;
    if (resolved === undefined) throw new Error(`cannot resolve Ref ${ref}`);
    return resolved;
  }
  if ('Fn::GetAtt' in value) {
    const [id, attribute] = value['Fn::GetAtt'] as [string, string];
    const resolved = resources.get(id)?.attributes[attribute];
    if (resolved === undefined) throw new Error(`cannot resolve Fn::GetAtt ${id}.${attribute}`);
    return resolved;
  }
  if ('Fn::Join' in value) {
    const [delimiter, items] = value['Fn::Join'] as [string, unknown[]];
    return (again(items) as unknown[]).join(delimiter);
  }
  if ('Fn::Select' in value) {
    const [index, list] = value['Fn::Select'] as [number, unknown];
    return (again(list) as unknown[])[index];
  }
  if ('Fn::Split' in value) {
    const [delimiter, text] = value['Fn::Split'] as [string, unknown];
    return (again(text) as string).split(delimiter);
  }
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, again(v)]));
}

/** One request to judge: an action on a resource, with the context keys the caller sends. */
export interface Request {
  action: string;
  resource: string;
  context?: Record<string, string | string[]>;
}

/** What the evaluator decides for `request` under the identity policies `policies`. */
export async function decide(policies: PolicyDocument[], request: Request): Promise<string> {
  const simulation: Simulation = {
    identityPolicies: policies.map((policy, i) => ({ name: `policy${i}`, policy })),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    request: {
      action: request.action,
      principal: `arn:aws:iam::${ACCOUNT}:role/judged`,
      resource: { accountId: ACCOUNT, resource: request.resource },
      contextVariables: request.context ?? {},
    },
  } as Simulation;
  const result = await runSimulation(simulation, {});
  if (result.resultType === 'error') {
    const message = (result.errors as { message?: string }).message ?? '';
    // The action has no resource of this type (IAM ignores such a grant), or takes only "*".
    if (message === 'no.resource.types' || message === 'must.use.wildcard') return `NotApplicable(${message})`;
    throw new Error(`invalid simulation of ${request.action} on ${request.resource}: ${JSON.stringify(result.errors)}`);
  }
  return result.overallResult;
}

/** The requests among `requests` the policies do not allow, as readable lines. */
export async function notAllowed(policies: PolicyDocument[], requests: Request[]): Promise<string[]> {
  const lines: string[] = [];
  for (const request of requests) {
    const decision = await decide(policies, request);
    if (decision !== 'Allowed') lines.push(`${request.action} on ${request.resource}: ${decision}`);
  }
  return lines;
}

/** The requests among `requests` the policies allow (for must-deny lists). */
export async function allowed(policies: PolicyDocument[], requests: Request[]): Promise<string[]> {
  const lines: string[] = [];
  for (const request of requests) {
    if ((await decide(policies, request)) === 'Allowed') lines.push(`${request.action} on ${request.resource}`);
  }
  return lines;
}

/**
 * A concrete resource an ARN pattern allows: the judge asks about real ARNs, because the
 * evaluator answers a wildcard request with "some match", not "every match".
 */
export function sampleOf(pattern: string): string {
  if (!pattern.includes('*')) return pattern;
  // `execution:<machine>*` (CDK's grant for a child's executions) → `execution:<machine>:<run>`.
  if (/:execution:[^:*]+\*$/.test(pattern)) return pattern.replace(/\*$/, ':run-0001');
  return pattern.replace(/\*/g, 'sample');
}
