/**
 * The page's script and styles, bundled by esbuild (a dependency already) the first time they are
 * asked for, then kept in memory: users never run a build step. preact + htm, no JSX.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const clientDir = fileURLToPath(new URL('./client/', import.meta.url));

export interface Asset {
  type: string;
  body: string;
}

let bundled: Promise<Record<string, Asset>> | undefined;

async function bundle(): Promise<Record<string, Asset>> {
  const out = await build({
    entryPoints: [`${clientDir}app.ts`],
    bundle: true,
    minify: true,
    format: 'esm',
    target: 'es2022',
    write: false,
    legalComments: 'none',
    logLevel: 'silent',
  });
  const script = out.outputFiles[0]?.text ?? '';
  const styles = await readFile(`${clientDir}styles.css`, 'utf8');
  return {
    '/assets/app.js': { type: 'text/javascript; charset=utf-8', body: script },
    '/assets/app.css': { type: 'text/css; charset=utf-8', body: styles },
  };
}

/** The asset at `path`, or undefined. A failed bundle is retried on the next request. */
export async function asset(path: string): Promise<Asset | undefined> {
  bundled ??= bundle().catch((error: unknown) => {
    bundled = undefined;
    throw error;
  });
  return (await bundled)[path];
}

/** Every page is this shell; the script reads the address and draws the page. */
export function pageShell(title: string): string {
  const safe = title.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${safe}</title><link rel="stylesheet" href="/assets/app.css"><link rel="icon" href="data:,">
</head><body><div id="app"><p class="loading">Loading…</p></div>
<script type="module" src="/assets/app.js"></script></body></html>
`;
}
