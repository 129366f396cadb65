/**
 * Listens on loopback, prints where, and resolves once Ctrl-C or SIGTERM has closed the server.
 * A second Ctrl-C (or SIGTERM), whenever it comes, calls `again` (default: exit 130 at once).
 */
import type { Server } from 'node:http';
import { listen } from './http.ts';

export interface SignalHooks {
  /** Called at the first signal, as the server stops accepting. */
  stopping?(): void;
  /** Called at the second signal. @default exit 130 */
  again?(): void;
}

export async function serveUntilSignal(
  server: Server,
  port: number,
  banner: (url: string) => string,
  log: (line: string) => void,
  hooks: SignalHooks = {},
): Promise<void> {
  const bound = await listen(server, port);
  log(banner(`http://127.0.0.1:${bound}/`));
  await new Promise<void>((done) => {
    let signals = 0;
    // one listener for the process's life: a second signal is never left to the default action mid-way
    const onSignal = () => {
      signals += 1;
      if (signals > 1) {
        (hooks.again ?? (() => process.exit(130)))();
        return;
      }
      hooks.stopping?.();
      server.close(() => done());
      // live views (SSE) hold connections open; closing them lets the server end
      server.closeAllConnections();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

/** `--port`: 0 to 65535. */
export function portOption(value: string | undefined, fallback: number): number | undefined {
  const port = Number(value ?? String(fallback));
  return Number.isInteger(port) && port >= 0 && port <= 65535 ? port : undefined;
}
