#!/usr/bin/env node
// The CLI is TypeScript, and `npm ci` is the only build step: a bundle of it is made on first use and kept
// until a source changes (scripts/cli-cache.mjs), since loading plain JavaScript costs far less CPU than
// compiling through tsx at every start. tsx stays the way when the bundle can't be had (a read-only
// node_modules), and with SCI_DEBUG set, so that stack traces name the sources.
import { pathToFileURL } from 'node:url';

const bundle = process.env.SCI_DEBUG
  ? undefined
  : await import('../scripts/cli-cache.mjs').then((cache) => cache.cachedCli()).catch(() => undefined);
if (bundle) {
  // the bundle's entry runs main(process.argv.slice(2)) and sets the exit code
  await import(pathToFileURL(bundle).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  const { main } = await import('../src/cli/main.ts');
  process.exitCode = await main(process.argv.slice(2));
}
