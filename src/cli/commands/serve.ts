/**
 * `sci serve [--repo DIR] [--port P] [--allow-untrusted]`: a local GitHub webhook endpoint
 * (`POST /webhook`, secret from SCI_WEBHOOK_SECRET) that runs matching pipelines on the
 * embedded engine, and `GET /`. Steps of fork pull requests run in a bubblewrap sandbox; without
 * one they are refused unless `--allow-untrusted` is given.
 */
import { resolve } from 'node:path';
import { openSession } from '../../../local/session.ts';
import { GitSource } from '../../source/git-source.ts';
import { createServeApp } from '../../serve/serve-app.ts';
import { createServeServer, listen } from '../../serve/http.ts';
import { parseCommandArgs } from '../args.ts';
import { CliUsageError } from '../errors.ts';

export const help = `usage: sci serve [--repo DIR] [--port P] [--allow-untrusted]

Serves a local GitHub webhook endpoint (POST /webhook, secret from SCI_WEBHOOK_SECRET) that runs
matching pipelines on the embedded engine, and the dashboard at /.

options:
  --repo DIR         the repository (default: the current directory)
  --port P           the port to listen on
  --allow-untrusted  run steps of fork pull requests even when no sandbox (bubblewrap) is usable
  -h, --help         show this help
`;

export async function run(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(argv, { repo: { type: 'string' }, port: { type: 'string' }, 'allow-untrusted': { type: 'boolean' } });
  const port = Number(values.port ?? '8080');
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CliUsageError(`--port must be a port number, got '${values.port}'`);
  const secret = process.env.SCI_WEBHOOK_SECRET;
  if (!secret) throw new CliUsageError('set SCI_WEBHOOK_SECRET to the secret configured on the GitHub webhook');
  const repoDir = resolve(values.repo ?? '.');
  const session = await openSession(repoDir);
  const log = (line: string) => process.stdout.write(`${new Date().toISOString()} ${line}\n`);
  const app = await createServeApp({
    repoDir,
    secret,
    session,
    source: new GitSource(repoDir),
    log,
    untrustedPolicy: values['allow-untrusted'] ? 'allow' : 'sandbox',
  }).catch((error: Error) => {
    throw new CliUsageError(error.message);
  });
  const server = createServeServer(app.handlers);
  const bound = await listen(server, port);
  log(`sci serve: http://127.0.0.1:${bound}/ (webhook: POST /webhook) for ${app.repo ?? repoDir}`);
  await new Promise<void>((done) => {
    const stop = () => server.close(() => done());
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await app.drained();
  app.close();
  await session.close();
  return 0;
}
