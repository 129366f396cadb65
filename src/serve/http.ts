/**
 * The local HTTP front: `POST /webhook` goes through the very ingress the Lambda uses (`sci serve`
 * only); everything else is the dashboard (src/dashboard/routes.ts). Bound to 127.0.0.1 only.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HttpRequest, HttpResponse } from '../github/ingress.ts';

/** GitHub caps payloads at 25 MB; anything larger is not GitHub. */
const MAX_BODY = 25 * 1024 * 1024;

export interface ServeHandlers {
  /** Absent for `sci ui`, which has no webhook. */
  webhook?(request: HttpRequest): Promise<HttpResponse>;
  /** Answers the dashboard's requests; false when the path is not the dashboard's. */
  dashboard(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
}

function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) resolve(undefined);
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export function createServeServer(handlers: ServeHandlers): Server {
  return createServer((req, res) => {
    const send = (status: number, type: string, body: string) => res.writeHead(status, { 'content-type': type }).end(body);
    const route = async () => {
      const path = (req.url ?? '/').split('?')[0];
      if (req.method === 'POST' && path === '/webhook' && handlers.webhook) {
        const body = await readBody(req);
        if (body === undefined) return send(413, 'application/json', '{"error":"payload too large"}');
        const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : v]));
        const answer = await handlers.webhook({ headers, body });
        return send(answer.status, 'application/json', answer.body);
      }
      if (await handlers.dashboard(req, res)) return;
      return send(404, 'application/json', '{"error":"not found"}');
    };
    route().catch((error: unknown) => res.headersSent ? res.end() : send(500, 'application/json', JSON.stringify({ error: error instanceof Error ? error.message : String(error) })));
  });
}

/** Listens on 127.0.0.1:`port` (0 = any free port) and returns the bound port. */
export function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}
