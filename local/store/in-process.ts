/**
 * The requests a process sends to the store it serves itself, answered in process: the SDK builds and signs
 * each request as for any endpoint, then, instead of an HTTP round trip over 127.0.0.1 to its own server,
 * dynalite's request handler answers it directly. Same handler, same validation, same LevelDB; what is
 * skipped is the HTTP client and server on both ends (docs/benchmarks.md, "CPU per `sci run`"). Requests
 * from other processes still come over HTTP.
 */
import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { HttpRequest, HttpResponse } from '@smithy/types';

/** Answers one signed request of this process. */
export type InProcessHandler = (request: HttpRequest) => Promise<HttpResponse>;

/** dynalite's HTTP request listener. */
type RequestListener = (request: IncomingMessage, response: ServerResponse) => void;

/**
 * A handler calling `answer` with a request and a response that carry what dynalite reads and writes of
 * them (node_modules/dynalite/index.js: the headers, method, URL and body; the status, headers and body).
 * `onAnswered` runs with the request's `X-Amz-Target` once the answer is complete.
 */
export function inProcessHandler(answer: RequestListener, onAnswered: (target: string) => void): InProcessHandler {
  return (request) =>
    new Promise((resolve) => {
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(request.headers)) headers[name.toLowerCase()] = value;
      const incoming = Object.assign(new EventEmitter(), { headers, method: request.method, url: request.path || '/' });
      const answered: Record<string, string> = {};
      const response = {
        statusCode: 200,
        setHeader(name: string, value: unknown) {
          answered[name.toLowerCase()] = String(value);
        },
        end(body?: string | Uint8Array) {
          onAnswered(headers['x-amz-target'] ?? '');
          resolve({ statusCode: response.statusCode, headers: answered, body: Buffer.from(body ?? '') });
        },
      };
      answer(incoming as unknown as IncomingMessage, response as unknown as ServerResponse);
      const body = bodyBytes(request.body);
      if (body.length > 0) incoming.emit('data', body);
      incoming.emit('end');
    });
}

/** The SDK's request body (a JSON string, or its bytes) as a Buffer, without copying bytes. */
function bodyBytes(body: unknown): Buffer {
  if (body === undefined || body === null) return Buffer.alloc(0);
  if (typeof body === 'string') return Buffer.from(body);
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  throw new TypeError(`a store request's body must be a string or bytes, not ${typeof body}`);
}

/**
 * Sends the client's requests through `local()` whenever it gives a handler (this process serves the store
 * now), over HTTP otherwise. The innermost middleware: the request is built, signed and retried as before,
 * and its answer deserialized as before.
 */
export function addInProcess(client: DynamoDBClient, local: () => InProcessHandler | undefined): void {
  client.middlewareStack.add(
    (next) => async (args) => {
      const handler = local();
      if (!handler) return next(args);
      return { response: await handler(args.request as HttpRequest), output: undefined as never };
    },
    { step: 'deserialize', priority: 'low', name: 'sciInProcessStore' },
  );
}
