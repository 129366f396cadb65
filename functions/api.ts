/**
 * Lambda Function URL (AWS_IAM auth): `POST /runs` (manual run with typed inputs),
 * `POST /runs/{id}/steps/{key}/approve|reject`, `POST /runs/{id}/cancel`.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from 'aws-lambda';
import { startBranchRun } from '../src/core/branch-runs.ts';
import { cancel, decide, type ControlDeps } from '../src/core/control.ts';
import { runStore } from '../src/aws/store.ts';
import { failureBody, httpStatusOf } from '../src/http/failure-status.ts';
import { dispatchDeps, executions, repositories, taskTokens } from '../src/aws/wiring.ts';

const json = (statusCode: number, body: unknown): APIGatewayProxyResultV2 => ({
  statusCode,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

function parseBody(event: APIGatewayProxyEventV2): Record<string, unknown> | undefined {
  try {
    const text = event.isBase64Encoded
      ? Buffer.from(event.body ?? '', 'base64').toString('utf8')
      : (event.body ?? '{}');
    const value: unknown = JSON.parse(text || '{}');
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

async function manualRun(body: Record<string, unknown>, caller: string, requestId: string) {
  const { repo, pipeline, branch, inputs } = body;
  if (typeof repo !== 'string' || typeof pipeline !== 'string' || typeof branch !== 'string')
    return json(400, { error: 'repo, pipeline and branch are required strings' });
  const outcome = await startBranchRun(dispatchDeps(), repositories(), {
    event: 'manual',
    repo,
    repoUrl: `https://github.com/${repo}.git`,
    pipeline,
    branch,
    actor: caller,
    seed: `manual:${typeof body.requestId === 'string' ? body.requestId : requestId}`,
    ...(typeof inputs === 'object' && inputs !== null ? { inputs: inputs as Record<string, unknown> } : {}),
  });
  return outcome.ok ? json(202, outcome.value) : json(httpStatusOf(outcome.error), failureBody(outcome.error));
}

export async function handler(event: APIGatewayProxyEventV2, context: Context): Promise<APIGatewayProxyResultV2> {
  if (event.requestContext.http.method !== 'POST') return json(405, { error: 'POST only' });
  const body = parseBody(event);
  if (!body) return json(400, { error: 'body is not a JSON object' });
  const caller =
    (event.requestContext as { authorizer?: { iam?: { userArn?: string } } }).authorizer?.iam?.userArn ?? 'api';
  const path = event.rawPath.replace(/\/+$/, '');
  if (path === '/runs') return manualRun(body, caller, context.awsRequestId);
  const deps: ControlDeps = { store: runStore(), executions: executions(), tokens: taskTokens() };
  const step = /^\/runs\/([^/]+)\/steps\/([^/]+)\/(approve|reject)$/.exec(path);
  const stop = /^\/runs\/([^/]+)\/cancel$/.exec(path);
  const result = step
    ? await decide(deps, step[1]!, decodeURIComponent(step[2]!), step[3] as 'approve' | 'reject', caller)
    : stop
      ? await cancel(deps, stop[1]!, caller)
      : undefined;
  if (!result) return json(404, { error: `no route ${path}` });
  return result.ok ? json(200, { message: result.value }) : json(httpStatusOf(result.error), failureBody(result.error));
}
