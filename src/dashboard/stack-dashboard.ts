/**
 * The dashboard over a deployed stack (`sci ui --stack`): the same routes and queries as locally,
 * on the stack's run table; step logs from CloudWatch Logs; every action a signed call to the
 * stack's API, which runs the same control use cases as the CLI and records the signer as the actor.
 */
import type { ControlResult } from '../core/control.ts';
import type { PriceTable } from '../core/cost.ts';
import type { RunStore } from '../core/ports.ts';
import { ok, unavailable } from '../core/result.ts';
import { failureOfBody } from '../http/failure-status.ts';
import type { EnvironmentTable } from '../store/environments.ts';
import { environmentEntries } from './environment-list.ts';
import type { Environments, RunActions, StepLogs } from './ports.ts';
import { dashboardRoutes } from './routes.ts';

/** A build's log from a position (src/aws/build-logs.ts). */
export interface BuildLogReader {
  read(buildId: string, from?: string): Promise<{ text: string; next: string }>;
}

/** The stack's API as the user (src/aws/signed-api.ts). */
export interface StackApi {
  post(path: string, body: Record<string, unknown>): Promise<{ status: number; body: Record<string, unknown> }>;
}

export interface StackDashboardOptions {
  stack: string;
  region: string;
  store: RunStore;
  environments: EnvironmentTable;
  logs: BuildLogReader;
  api: StackApi;
  prices?: PriceTable;
  /** @default 2000: a tail reads CloudWatch Logs and DynamoDB, which bill and throttle per call */
  pollMs?: number;
}

const segment = encodeURIComponent;

/**
 * What the API answered, as the control use cases answer: its message, or the failure its body
 * names (src/http/failure-status.ts); an answer without one (no network, the function URL refusing
 * the signature, a stack without the route) is the API being unavailable, said in words.
 */
async function call(api: StackApi, path: string, body: Record<string, unknown> = {}): Promise<ControlResult> {
  const answer = await api
    .post(path, body)
    .catch((error: Error) => ({ status: 0, body: { error: error.message } as Record<string, unknown> }));
  const said = (key: string) => (typeof answer.body[key] === 'string' ? (answer.body[key] as string) : undefined);
  if (answer.status >= 200 && answer.status < 300) return ok(said('message') ?? 'done');
  const failure = failureOfBody(answer.body);
  if (failure) return { ok: false, error: failure };
  return unavailable(apiRefusal(answer.status, said('error') ?? said('message') ?? ''));
}

function apiRefusal(status: number, why: string): string {
  if (status === 0) return `the stack's API cannot be reached: ${why}`;
  if (status === 403)
    return `the stack's API refused your credentials (403${why ? `: ${why}` : ''}): they need lambda:InvokeFunctionUrl and lambda:InvokeFunction on the ApiFunctionArn output (docs/deploy.md, "The API")`;
  if (status === 404) return `the stack's API has no such action (${why}): update the stack (npx cdk deploy)`;
  return why ? `${why} (HTTP ${status})` : `the stack's API answered HTTP ${status}`;
}

export function stackActions(api: StackApi): RunActions {
  return {
    decide: (runId, stepKey, verb) => call(api, `runs/${segment(runId)}/steps/${segment(stepKey)}/${verb}`),
    cancel: (runId) => call(api, `runs/${segment(runId)}/cancel`),
    redrive: (runId) => call(api, `runs/${segment(runId)}/redrive`),
  };
}

export function stackEnvironments(table: EnvironmentTable, api: StackApi): Environments {
  return {
    list: () => environmentEntries(table),
    promote: (from, to) => call(api, `environments/${segment(from)}/promote`, { to }),
    rollback: (name) => call(api, `environments/${segment(name)}/rollback`),
  };
}

/**
 * A step's log: its latest build's, once the build has started (the reporter records its id). The
 * position names the build it is in, so when a retry starts another build the tail moves to it.
 */
export function stackStepLogs(logs: BuildLogReader): StepLogs {
  return {
    read: async (_run, step, from) => {
      if (!step.buildId) return { text: '', next: from ?? '' };
      const space = (from ?? '').indexOf(' ');
      const [build, token] = space > 0 ? [from!.slice(0, space), from!.slice(space + 1)] : ['', ''];
      const same = build === step.buildId;
      const read = await logs.read(step.buildId, same && token ? token : undefined);
      const switched = build !== '' && !same ? `[sci] attempt ${step.attempts}: build ${step.buildId}\n` : '';
      return { text: switched + read.text, next: `${step.buildId} ${read.next}` };
    },
  };
}

export function stackDashboard(options: StackDashboardOptions) {
  return dashboardRoutes({
    store: options.store,
    logs: stackStepLogs(options.logs),
    actions: stackActions(options.api),
    environments: stackEnvironments(options.environments, options.api),
    title: `${options.stack} (${options.region})`,
    // the API records the signer's IAM identity as the actor
    actor: 'aws',
    pollMs: options.pollMs ?? 2000,
    ...(options.prices ? { prices: options.prices } : {}),
  });
}
