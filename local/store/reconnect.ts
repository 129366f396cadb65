/**
 * Keeps a local client working when the process serving the store exits mid-command: a call
 * that finds the server gone re-opens the store (finding the next server, or becoming it) and
 * is sent again. Added as an SDK middleware, so the raw and the document client both get it.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

/** Errors that mean "nobody answered at that endpoint", not "DynamoDB said no". */
const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ECONNABORTED']);

export function isConnectionError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as NodeJS.ErrnoException).code;
  if (code !== undefined && CONNECTION_CODES.has(code)) return true;
  return error.name === 'TimeoutError' || /socket hang up/.test(error.message);
}

/**
 * On a connection error, awaits `reconnect` (shared by concurrent failures) and retries, up to
 * `attempts` times. A write the old server applied just before dying is sent again; the store
 * recognises it by its write id (src/store/updates.ts) and still answers "applied".
 */
export function addReconnect(client: DynamoDBClient, reconnect: () => Promise<void>, attempts = 3): void {
  let pending: Promise<void> | undefined;
  const shared = () => {
    pending ??= reconnect().finally(() => {
      pending = undefined;
    });
    return pending;
  };
  client.middlewareStack.add(
    (next) => async (args) => {
      for (let attempt = 1; ; attempt++) {
        try {
          return await next(args);
        } catch (error) {
          if (attempt >= attempts || !isConnectionError(error)) throw error;
          if (process.env.SCI_DEBUG_STORE)
            process.stderr.write(
              `store: ${(error as Error).name} ${(error as NodeJS.ErrnoException).code ?? ''} ${(error as Error).message}; reconnecting\n`,
            );
          await shared();
        }
      }
    },
    { step: 'initialize', name: 'sciLocalReconnect', priority: 'high' },
  );
}
