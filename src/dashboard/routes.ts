/**
 * The dashboard over HTTP: the page shell at `/`, `/pipeline` and `/runs/<id>`, its assets, a JSON
 * API (`/api/…`), two Server-Sent Events streams (a run's statuses, a step's log) and the actions.
 * Served on loopback only; actions require a custom header and a same-origin request, so another
 * site open in the browser cannot post to them (nor read anything, through DNS rebinding: the Host is checked).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ControlResult } from '../core/control.ts';
import { unavailable } from '../core/result.ts';
import { failureBody, httpStatusOf } from '../http/failure-status.ts';
import { DEFAULT_PRICE_REGION, pricesFor, runCost, type PriceTable } from '../core/cost.ts';
import { homeView, pipelineRuns } from '../core/dashboard.ts';
import type { RunFilter, RunStore, RunWithSteps } from '../core/ports.ts';
import type { EventName, RunStatus } from '../../statemachines/pipeline/model.ts';
import { asset, pageShell } from './assets.ts';
import { layoutRun } from './graph.ts';
import { runLinks } from './links.ts';
import type { Environments, RunActions, StepLogs } from './ports.ts';

export interface DashboardDeps {
  store: RunStore;
  logs: StepLogs;
  actions: RunActions;
  /** The environments page's reads and actions. @default none: the page lists no environment */
  environments?: Environments;
  /** Prices the run page's cost is computed with. @default us-east-1 */
  prices?: PriceTable;
  /** Shown in the header: `local` or the stack's name. */
  title: string;
  /** Who the actions are recorded as. */
  actor: string;
  /** How often live views look for changes. @default 500 */
  pollMs?: number;
}

const ENDED_STEP = new Set(['succeeded', 'failed', 'skipped', 'cancelled']);
const ENDED_RUN = new Set(['succeeded', 'failed', 'cancelled']);
const RUN_STATUSES = new Set(['queued', 'running', 'succeeded', 'failed', 'cancelled']);
const EVENTS = new Set(['push', 'pull_request', 'tag', 'manual', 'schedule', 'pipeline']);

type Handler = (req: IncomingMessage, res: ServerResponse, url: URL, match: RegExpExecArray) => Promise<void>;

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res
    .writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' })
    .end(JSON.stringify(body));
}

const NO_ENVIRONMENTS: ControlResult = unavailable('this dashboard has no environments');

function sendResult(res: ServerResponse, result: ControlResult): void {
  if (result.ok) sendJson(res, 200, { message: result.value });
  else sendJson(res, httpStatusOf(result.error), failureBody(result.error));
}

/** Loopback names only: a page from another origin that rebinds its name to 127.0.0.1 is refused. */
function loopbackHost(req: IncomingMessage): boolean {
  const host = (req.headers.host ?? '').replace(/:\d+$/, '');
  return host === '127.0.0.1' || host === 'localhost' || host === '[::1]';
}

function sameOriginAction(req: IncomingMessage): boolean {
  if (req.headers['x-sci-ui'] !== '1') return false;
  const origin = req.headers.origin;
  return origin === undefined || origin === `http://${req.headers.host}`;
}

function runFilter(url: URL): RunFilter {
  const status = url.searchParams.get('status') ?? '';
  const event = url.searchParams.get('event') ?? '';
  const branch = url.searchParams.get('branch') ?? '';
  return {
    ...(branch ? { branch } : {}),
    ...(RUN_STATUSES.has(status) ? { status: status as RunStatus } : {}),
    ...(EVENTS.has(event) ? { event: event as EventName } : {}),
  };
}

function sse(res: ServerResponse): { send(event: string, data: unknown): void; closed(): boolean } {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    connection: 'keep-alive',
  });
  let closed = false;
  res.on('close', () => {
    closed = true;
  });
  return {
    send: (event, data) => void (closed || res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`)),
    closed: () => closed,
  };
}

export function dashboardRoutes(deps: DashboardDeps): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  const pollMs = deps.pollMs ?? 500;
  const prices = deps.prices ?? (pricesFor(DEFAULT_PRICE_REGION) as PriceTable);

  const runDetail = (found: RunWithSteps) => ({
    run: found.run,
    steps: found.steps,
    cost: { ...runCost(found, prices), estimated: found.run.executionArn?.startsWith('local:') ?? false },
    links: runLinks(found.run, found.steps),
  });

  const page: Handler = async (_req, res) =>
    void res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(pageShell(`sci — ${deps.title}`));

  const routes: Array<[string, RegExp, Handler]> = [
    ['GET', /^\/(?:pipeline|environments|runs\/[^/]+)?$/, page],
    [
      'GET',
      /^\/assets\/[a-z.]+$/,
      async (_req, res, url) => {
        const found = await asset(url.pathname);
        if (!found) return sendJson(res, 404, { error: 'not found' });
        res.writeHead(200, { 'content-type': found.type, 'cache-control': 'no-cache' }).end(found.body);
      },
    ],
    [
      'GET',
      /^\/api\/home$/,
      async (_req, res) => sendJson(res, 200, { title: deps.title, ...(await homeView(deps.store)) }),
    ],
    [
      'GET',
      /^\/api\/pipeline$/,
      async (_req, res, url) => {
        const repo = url.searchParams.get('repo') ?? '';
        const pipeline = url.searchParams.get('id') ?? '';
        if (!repo || !pipeline) return sendJson(res, 400, { error: 'repo and id are required' });
        const after = url.searchParams.get('after') ?? undefined;
        const result = await pipelineRuns(deps.store, {
          repo,
          pipeline,
          filter: runFilter(url),
          ...(after ? { after } : {}),
        }).catch((error: Error) => error);
        if (result instanceof Error) return sendJson(res, 400, { error: result.message });
        sendJson(res, 200, { title: deps.title, repo, pipeline, ...result });
      },
    ],
    [
      'GET',
      /^\/api\/runs\/([^/]+)$/,
      async (_req, res, _url, m) => {
        const found = await deps.store.getRun(decodeURIComponent(m[1]!));
        if (!found) return sendJson(res, 404, { error: `no run ${m[1]}` });
        sendJson(res, 200, { title: deps.title, ...runDetail(found), graph: layoutRun(found.steps) });
      },
    ],
    [
      'GET',
      /^\/api\/runs\/([^/]+)\/events$/,
      async (_req, res, _url, m) => {
        const stream = sse(res);
        let last = '';
        while (!stream.closed()) {
          const found = await deps.store.getRun(decodeURIComponent(m[1]!));
          if (!found) return void res.end();
          const text = JSON.stringify(runDetail(found));
          if (text !== last) stream.send('run', JSON.parse(text));
          last = text;
          await sleep(pollMs);
        }
      },
    ],
    [
      'GET',
      /^\/api\/runs\/([^/]+)\/steps\/([^/]+)\/log$/,
      async (_req, res, _url, m) => {
        const runId = decodeURIComponent(m[1]!);
        const key = decodeURIComponent(m[2]!);
        const first = await deps.store.getRun(runId);
        if (!first?.steps.some((s) => s.key === key))
          return sendJson(res, 404, { error: `no step ${key} in run ${runId}` });
        const stream = sse(res);
        let from: string | undefined;
        while (!stream.closed()) {
          const found = await deps.store.getRun(runId);
          const step = found?.steps.find((s) => s.key === key);
          if (!found || !step) break;
          // the status is read before the log: once it has ended, reading to the end gets the last line
          const ended = ENDED_STEP.has(step.status) || ENDED_RUN.has(found.run.status);
          for (;;) {
            const { text, next } = await deps.logs.read(found.run, step, from);
            from = next;
            if (text) stream.send('log', text);
            if (!ended || !text) break;
          }
          if (ended) {
            stream.send('end', { status: step.status });
            break;
          }
          await sleep(pollMs);
        }
        res.end();
      },
    ],
    [
      'POST',
      /^\/api\/runs\/([^/]+)\/steps\/([^/]+)\/(approve|reject)$/,
      async (_req, res, _url, m) => {
        sendResult(
          res,
          await deps.actions.decide(
            decodeURIComponent(m[1]!),
            decodeURIComponent(m[2]!),
            m[3] as 'approve' | 'reject',
            deps.actor,
          ),
        );
      },
    ],
    [
      'POST',
      /^\/api\/runs\/([^/]+)\/cancel$/,
      async (_req, res, _url, m) => {
        sendResult(res, await deps.actions.cancel(decodeURIComponent(m[1]!), deps.actor));
      },
    ],
    [
      'GET',
      /^\/api\/environments$/,
      async (_req, res) =>
        sendJson(res, 200, { title: deps.title, environments: (await deps.environments?.list()) ?? [] }),
    ],
    [
      'POST',
      /^\/api\/environments\/([^/]+)\/rollback$/,
      async (_req, res, _url, m) => {
        sendResult(
          res,
          deps.environments ? await deps.environments.rollback(decodeURIComponent(m[1]!)) : NO_ENVIRONMENTS,
        );
      },
    ],
    [
      'POST',
      /^\/api\/environments\/([^/]+)\/promote$/,
      async (_req, res, url, m) => {
        const to = url.searchParams.get('to') ?? '';
        if (!to) return sendJson(res, 400, { error: 'to= names the environment to promote to' });
        sendResult(
          res,
          deps.environments ? await deps.environments.promote(decodeURIComponent(m[1]!), to) : NO_ENVIRONMENTS,
        );
      },
    ],
    [
      'POST',
      /^\/api\/runs\/([^/]+)\/redrive$/,
      async (_req, res, _url, m) => {
        sendResult(res, await deps.actions.redrive(decodeURIComponent(m[1]!)));
      },
    ],
  ];

  return async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    for (const [method, pattern, handler] of routes) {
      const match = pattern.exec(url.pathname);
      if (!match) continue;
      if (req.method !== method) continue;
      if (!loopbackHost(req)) sendJson(res, 403, { error: 'the dashboard answers on loopback names only' });
      else if (method === 'POST' && !sameOriginAction(req))
        sendJson(res, 403, { error: 'actions come from the dashboard page only' });
      else await handler(req, res, url, match);
      return true;
    }
    return false;
  };
}
