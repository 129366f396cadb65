/**
 * Bundles a `functions/<name>.ts` entry the way infra ships it (infra/constructs/sci-function.ts
 * BUNDLING: esbuild, minified, ESM, `mainFields: module,main`, SDK bundled, a real `require`),
 * plus the Lambda credential chain alias (src/aws/lambda-credentials.ts). Used by the webhook
 * benchmark and by the test that runs the bundled webhook.
 */
import { build } from 'esbuild';
import { LAMBDA_ALIAS } from '../src/aws/lambda-alias.ts';

/** Writes `outfile` and returns its size in bytes. */
export async function bundleFunction(name: string, outfile: string): Promise<number> {
  const result = await build({
    entryPoints: [`functions/${name}.ts`],
    bundle: true,
    minify: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    outfile,
    metafile: true,
    logLevel: 'silent',
    mainFields: ['module', 'main'],
    alias: LAMBDA_ALIAS,
    banner: { js: "import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);" },
  });
  return Object.values(result.metafile.outputs)[0]!.bytes;
}
