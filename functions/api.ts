/**
 * Lambda Function URL (AWS_IAM auth): `POST /runs` (manual run with typed inputs),
 * `POST /runs/{id}/steps/{key}/approve|reject`, `POST /runs/{id}/cancel`, `POST /runs/{id}/redrive`,
 * `POST /environments/{env}/rollback`, `POST /environments/{from}/promote` (`{"to": env}`).
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from 'aws-lambda';
import { startBranchRun } from '../src/core/branch-runs.ts';
import { cancel, type ControlDeps, type ControlResult, decide, redrive } from '../src/core/control.ts';
import { rerelease } from '../src/core/rerelease.ts';
import { notFound } from '../src/core/result.ts';
import { currentRelease, previousRelease } from '../src/store/environments.ts';
import { environments, runStore } from '../src/aws/store.ts';
import { failureBody, httpStatusOf } from '../src/http/failure-status.ts';
import { dispatchDeps, executions, redriver, repositories, statuses, taskTokens } from '../src/aws/wiring.ts';

const json = (statusCode: number, body: unknown): APIGatewayProxyResultV2 => ({
  statusCode,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

/** A control use case's result: its message, or its failure with the status of its kind. */
const answer = (result: ControlResult, status = 200) =>
  result.ok ? json(status, { message: result.value }) : json(httpStatusOf(result.error), failureBody(result.error));

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

/** Rollback re-releases the environment's previous successful release; promote the current release of `from` to `to`. */
async function releaseAction(
  env: string,
  verb: 'promote' | 'rollback',
  body: Record<string, unknown>,
  caller: string,
  requestId: string,
) {
  const to = verb === 'rollback' ? env : body.to;
  if (typeof to !== 'string' || to === '') return json(400, { error: 'promote needs {"to": "<environment>"}' });
  const release =
    verb === 'rollback' ? await previousRelease(environments(), env) : await currentRelease(environments(), env);
  if (!release)
    return answer(
      notFound(
        verb === 'rollback'
          ? `environment ${env} has no earlier successful release`
          : `environment ${env} has no release`,
      ),
    );
  const run = await runStore().getRun(release.run);
  if (!run) return answer(notFound(`run ${release.run} of that release is no longer in the table`));
  const { repo } = run.run;
  const result = await rerelease(dispatchDeps(), repositories().source(repo), release, to, {
    repo,
    repoUrl: `https://github.com/${repo}.git`,
    actor: caller,
    seed: `${verb}:${typeof body.requestId === 'string' ? body.requestId : requestId}`,
  });
  return answer(result, 202);
}

export async function handler(event: APIGatewayProxyEventV2, context: Context): Promise<APIGatewayProxyResultV2> {
  if (event.requestContext.http.method !== 'POST') return json(405, { error: 'POST only' });
  const body = parseBody(event);
  if (!body) return json(400, { error: 'body is not a JSON object' });
  const caller =
    (event.requestContext as { authorizer?: { iam?: { userArn?: string } } }).authorizer?.iam?.userArn ?? 'api';
  const path = event.rawPath.replace(/\/+$/, '');
  if (path === '/runs') return manualRun(body, caller, context.awsRequestId);
  const release = /^\/environments\/([^/]+)\/(promote|rollback)$/.exec(path);
  if (release)
    return releaseAction(
      decodeURIComponent(release[1]!),
      release[2] as 'promote' | 'rollback',
      body,
      caller,
      context.awsRequestId,
    );
  const deps: ControlDeps = {
    store: runStore(),
    executions: executions(),
    tokens: taskTokens(),
    // made on first use, as the queue below: only the cancel of a run waiting in its group posts a status
    get statuses() {
      return statuses();
    },
    clock: { now: () => new Date() },
    // a cancelled run that held its concurrency group without starting hands it on: the next run starts
    // here. Made on first use: approvals, redrives and most cancels start nothing.
    get queue() {
      const dispatch = dispatchDeps();
      return { ...dispatch, startUrl: dispatch.runUrl };
    },
  };
  const step = /^\/runs\/([^/]+)\/steps\/([^/]+)\/(approve|reject)$/.exec(path);
  const stop = /^\/runs\/([^/]+)\/cancel$/.exec(path);
  const again = /^\/runs\/([^/]+)\/redrive$/.exec(path);
  const result = step
    ? await decide(deps, step[1]!, decodeURIComponent(step[2]!), step[3] as 'approve' | 'reject', caller)
    : stop
      ? await cancel(deps, stop[1]!, caller)
      : again
        ? await redrive({ store: deps.store, redriver: redriver() }, again[1]!)
        : undefined;
  if (!result) return json(404, { error: `no route ${path}` });
  return answer(result);
}
