/**
 * Pre-auth memory of `sci serve`: a body is refused before it is read when it is unsigned or
 * declared too large, and bodies being read share one budget, so a flood of large POSTs costs
 * answers (401/413/503), not gigabytes. Real HTTP on loopback, with raw sockets as the attacker.
 */
import { strict as assert } from 'node:assert';
import type { ServerResponse } from 'node:http';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createServeServer, listen, MAX_BODY, MAX_BUFFERED } from '../../src/serve/http.ts';

let port: number;
let delivered = 0;
const server = createServeServer({
  webhook: async () => {
    delivered += 1;
    return { status: 401, body: '{"error":"bad signature"}' };
  },
  dashboard: async () => false,
});

/**
 * The server's own view while a test records it: the response of each request whose head it read, in order.
 * (Kept only then: a response holds its request, and a request the body read so far.)
 */
let responses: ServerResponse[] | undefined;
const onChange = new Set<() => void>();
const changed = () => {
  for (const check of onChange) check();
};
server.on('request', (_req, res: ServerResponse) => {
  responses?.push(res);
  changed();
});

/** Resolves when `holds()` does, checked after each change the server or a client sees; rejects after 20 s. */
function until(holds: () => boolean, what: () => string): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = () => {
      if (!holds()) return;
      onChange.delete(check);
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      onChange.delete(check);
      reject(new Error(`timed out waiting for ${what()}`));
    }, 20_000);
    onChange.add(check);
    check();
  });
}

before(async () => {
  port = await listen(server, 0);
});
after(() => {
  server.closeAllConnections();
  server.close();
});

/** Sends the head of a POST (and `body`, if any) and resolves with the status line the server answers. */
function answer(
  headers: Record<string, string | number>,
  body = '',
): Promise<{ status: number; socket: ReturnType<typeof connect> }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    socket.on('error', () => undefined);
    const head = Object.entries({ host: 'localhost', ...headers })
      .map(([k, v]) => `${k}: ${v}`)
      .join('\r\n');
    socket.write(`POST /webhook HTTP/1.1\r\n${head}\r\n\r\n${body}`);
    socket.once('data', (data) => resolve({ status: Number(/^HTTP\/1\.1 (\d+)/.exec(data.toString())?.[1]), socket }));
    setTimeout(() => reject(new Error('no answer')), 20_000).unref();
  });
}

describe('sci serve before authentication', () => {
  it('answers an unsigned 24 MB POST with 401 before reading its body', async () => {
    const { status, socket } = await answer({ 'content-length': 24 * 1024 * 1024 });
    socket.destroy();
    assert.equal(status, 401);
  });

  it('answers a signed POST declaring more than 25 MB with 413 before reading its body', async () => {
    const { status, socket } = await answer({ 'content-length': MAX_BODY + 1, 'x-hub-signature-256': 'sha256=00' });
    socket.destroy();
    assert.equal(status, 413);
  });

  it('holds at most the shared budget of bodies at once: 40 concurrent 24 MB POSTs, the rest get 503', async () => {
    const size = 24 * 1024 * 1024;
    const before = delivered;
    const mine: ServerResponse[] = [];
    responses = mine;
    let refusals = 0;
    // each sends its head and one byte, then stalls: the server is holding the body open
    const pending = Array.from({ length: 40 }, () =>
      answer({ 'content-length': size, 'x-hub-signature-256': 'sha256=00' }, 'x')
        .then((a) => {
          if (a.status === 503) refusals += 1;
          changed();
          return a;
        })
        .catch(() => undefined),
    );
    await until(
      () => mine.length === 40,
      () => `the server to read 40 heads (${mine.length})`,
    );
    responses = undefined;
    // a refusal is decided in the microtasks after its head is read: by the next turn of the event loop every
    // response is either answered or still waiting for its body
    await new Promise((resolve) => setImmediate(resolve));
    const answered = mine.filter((res) => res.writableEnded);
    const refused = answered.filter((res) => res.statusCode === 503).length;
    assert.equal(answered.length, refused, 'every answer is a 503');
    // the ones within the budget are still waiting for their bodies; every other one was answered 503 at once,
    // and this client reads each of them
    await until(
      () => refusals === refused,
      () => `the client to read the ${refused} 503s (${refusals})`,
    );
    assert.equal(refusals, 40 - Math.floor(MAX_BUFFERED / size));
    assert.equal(mine.filter((res) => !res.writableEnded).length, Math.floor(MAX_BUFFERED / size), 'held');
    assert.equal(delivered, before, 'nothing reached the handler');
    for (const p of pending) void p.then((a) => a?.socket.destroy());
    server.closeAllConnections();
  });

  it('refuses a chunked body that grows past 25 MB while it streams, and the client always reads the 413', async () => {
    // the client is still sending when the answer comes: a socket closed at once would reset the
    // connection, and the client would lose the answer about one time in ten; 20 tries catch that
    for (let attempt = 0; attempt < 20; attempt++)
      assert.equal(await refusedWhileStreaming(), 413, `attempt ${attempt}`);
  });
});

/** Streams a chunked body of 31 MB and resolves with the status the server answers while it is still sent. */
async function refusedWhileStreaming(): Promise<number> {
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  socket.write(
    'POST /webhook HTTP/1.1\r\nhost: x\r\nx-hub-signature-256: sha256=00\r\ntransfer-encoding: chunked\r\n\r\n',
  );
  const chunk = Buffer.alloc(1024 * 1024, 'a');
  try {
    return await new Promise<number>((resolve, reject) => {
      socket.once('data', (data) => resolve(Number(/^HTTP\/1\.1 (\d+)/.exec(data.toString())?.[1])));
      socket.once('close', () => reject(new Error('the connection closed without an answer')));
      setTimeout(() => reject(new Error('no answer')), 20_000).unref();
      const pump = (sent: number) => {
        if (sent > 30 || socket.destroyed) return;
        socket.write(`${chunk.length.toString(16)}\r\n`);
        socket.write(chunk);
        socket.write('\r\n', () => pump(sent + 1));
      };
      pump(0);
    });
  } finally {
    socket.destroy();
  }
}
