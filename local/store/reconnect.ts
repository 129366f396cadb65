/**
 * Keeps a local client working when the process serving the store exits mid-command: a call
 * that finds the server gone re-opens the store (finding the next server, or becoming it) and
 * is sent again. A call the store answers with its own failure (HTTP 5xx: LevelDB met a full disk,
 * see local/store/dynalite.ts) is sent again after a short wait. Added as an SDK middleware, so the
 * raw and the document client both get it.
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
 * The store's own failure (HTTP 5xx, InternalServerError from local/store/dynalite.ts): the class of
 * error the SDK's standard retry treats as transient (@smithy/core retry: TRANSIENT_ERROR_STATUS_CODES).
 */
export function isServerError(error: unknown): boolean {
  const status = (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
  return status !== undefined && status >= 500 && status <= 599;
}

/** Waits before sending a call again after a server error: 100 ms, doubled each time (3.1 s over 5 retries). */
const SERVER_ERROR_BACKOFF_MS = 100;

/**
 * On a connection error, awaits `reconnect` (shared by concurrent failures) and retries, up to
 * `attempts` times. A write the old server applied just before dying is sent again; the store
 * recognises it by its write id (src/store/updates.ts) and still answers "applied".
 * On a server error, waits and retries, up to `serverAttempts` times: the store answers one only
 * for a write it did not apply, once it has made room (a full disk gives up the store's reserve).
 */
export function addReconnect(
  client: DynamoDBClient,
  reconnect: () => Promise<void>,
  attempts = 3,
  serverAttempts = 6,
): void {
  let pending: Promise<void> | undefined;
  const shared = () => {
    pending ??= reconnect().finally(() => {
      pending = undefined;
    });
    return pending;
  };
  client.middlewareStack.add(
    (next) => async (args) => {
      for (let connectionFailures = 0, serverFailures = 0; ; ) {
        try {
          return await next(args);
        } catch (error) {
          if (isConnectionError(error) && ++connectionFailures < attempts) {
            debug(error, 'reconnecting');
            await shared();
          } else if (isServerError(error) && ++serverFailures < serverAttempts) {
            debug(error, 'sending again');
            await new Promise((resolve) => setTimeout(resolve, SERVER_ERROR_BACKOFF_MS * 2 ** (serverFailures - 1)));
          } else throw error;
        }
      }
    },
    { step: 'initialize', name: 'sciLocalReconnect', priority: 'high' },
  );
}

function debug(error: unknown, action: string): void {
  if (!process.env.SCI_DEBUG_STORE) return;
  const { name, code, message } = error as NodeJS.ErrnoException;
  process.stderr.write(`store: ${name} ${code ?? ''} ${message}; ${action}\n`);
}
