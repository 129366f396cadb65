/** Listens on loopback, prints where, and resolves once Ctrl-C or SIGTERM has closed the server. */
import type { Server } from 'node:http';
import { listen } from './http.ts';

export async function serveUntilSignal(
  server: Server,
  port: number,
  banner: (url: string) => string,
  log: (line: string) => void,
): Promise<void> {
  const bound = await listen(server, port);
  log(banner(`http://127.0.0.1:${bound}/`));
  await new Promise<void>((done) => {
    const stop = () => {
      server.close(() => done());
      // live views (SSE) hold connections open; closing them lets the server end
      server.closeAllConnections();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

/** `--port`: 0 to 65535. */
export function portOption(value: string | undefined, fallback: number): number | undefined {
  const port = Number(value ?? String(fallback));
  return Number.isInteger(port) && port >= 0 && port <= 65535 ? port : undefined;
}
