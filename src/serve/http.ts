/**
 * The local HTTP front: `POST /webhook` goes through the very ingress the Lambda uses (`sci serve`
 * only); everything else is the dashboard (src/dashboard/routes.ts). Bound to 127.0.0.1 only.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { HttpRequest, HttpResponse } from '../github/ingress.ts';

/** GitHub caps payloads at 25 MB; anything larger is not GitHub. */
export const MAX_BODY = 25 * 1024 * 1024;
/**
 * Bytes of request bodies held at once, before any is verified: a burst of large unsigned
 * POSTs gets 503s instead of the server's memory. Four GitHub-sized bodies fit.
 */
export const MAX_BUFFERED = 4 * MAX_BODY;

export interface ServeHandlers {
  /** Absent for `sci ui`, which has no webhook. */
  webhook?(request: HttpRequest): Promise<HttpResponse>;
  /** Answers the dashboard's requests; false when the path is not the dashboard's. */
  dashboard(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
}

/** Bytes of bodies being read right now, across requests. */
let buffered = 0;

/** How long a refused connection is drained after its answer, before it is closed. */
const LINGER_MS = 2000;

type Body = { ok: true; text: string } | { ok: false; status: number; error: string };

/**
 * Reads a webhook body within the limits: refused at once when unsigned or when Content-Length
 * says too large, and while streaming when it grows past MAX_BODY or past the shared budget.
 */
function readBody(req: IncomingMessage): Promise<Body> {
  const refuse = (status: number, error: string): Promise<Body> => Promise.resolve({ ok: false, status, error });
  // GitHub always signs when a secret is set, and sci serve always has one: no need to read the rest
  if (!req.headers['x-hub-signature-256']) return refuse(401, 'missing or invalid X-Hub-Signature-256');
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_BODY) return refuse(413, 'payload too large');
  if (buffered + declared > MAX_BUFFERED) return refuse(503, 'too many large deliveries at once; retry later');
  // a declared length is reserved up front, so concurrent stalled bodies count in full
  buffered += declared;
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (body: Body) => {
      if (done) return;
      done = true;
      buffered -= Math.max(size, declared);
      resolve(body);
    };
    req.on('data', (chunk: Buffer) => {
      if (done) return;
      buffered += Math.max(0, size + chunk.length - Math.max(size, declared));
      size += chunk.length;
      if (size > MAX_BODY) finish({ ok: false, status: 413, error: 'payload too large' });
      else if (buffered > MAX_BUFFERED)
        finish({ ok: false, status: 503, error: 'too many large deliveries at once; retry later' });
      else chunks.push(chunk);
    });
    req.on('end', () => finish({ ok: true, text: Buffer.concat(chunks).toString('utf8') }));
    req.on('error', () => finish({ ok: false, status: 400, error: 'request aborted' }));
    req.on('close', () => finish({ ok: false, status: 400, error: 'request aborted' }));
  });
}

/**
 * The rest of a refused body is never kept, but it is read and dropped for LINGER_MS after the
 * answer, with our side half-closed, before the socket closes (a "lingering close", as Apache
 * does). Node would close the socket as soon as the answer is written; closing a socket while the
 * client still sends makes the kernel send a reset, and a reset can make the client's kernel drop
 * the answer before the client reads it.
 */
function lingerAfterAnswer(socket: Socket): void {
  // node:http calls destroySoon once a `connection: close` answer is written
  socket.destroySoon = () => {
    socket.end();
    socket.resume();
    setTimeout(() => socket.destroy(), LINGER_MS).unref();
  };
}

export function createServeServer(handlers: ServeHandlers): Server {
  return createServer((req, res) => {
    const send = (status: number, type: string, body: string) =>
      res.writeHead(status, { 'content-type': type }).end(body);
    const route = async () => {
      const path = (req.url ?? '/').split('?')[0];
      if (req.method === 'POST' && path === '/webhook' && handlers.webhook) {
        const body = await readBody(req);
        if (!body.ok) {
          res.setHeader('connection', 'close');
          lingerAfterAnswer(req.socket);
          return send(body.status, 'application/json', JSON.stringify({ error: body.error }));
        }
        const headers = Object.fromEntries(
          Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : v]),
        );
        const answer = await handlers.webhook({ headers, body: body.text });
        return send(answer.status, 'application/json', answer.body);
      }
      if (await handlers.dashboard(req, res)) return;
      return send(404, 'application/json', '{"error":"not found"}');
    };
    route().catch((error: unknown) =>
      res.headersSent
        ? res.end()
        : send(
            500,
            'application/json',
            JSON.stringify({ error: error instanceof Error ? error.message : String(error) }),
          ),
    );
  });
}

/** Listens on 127.0.0.1:`port` (0 = any free port) and returns the bound port. */
export function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}
