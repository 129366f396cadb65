/**
 * Builds the stack the way `cdk synth` does: the context of cdk.json (feature flags and the
 * `sci:*` configuration), real esbuild bundling of every Lambda, no Docker, no network.
 */
import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { ServerlessCiStack } from '../../infra/stack.ts';

/** The `context` block of cdk.json. */
export function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as { context: Record<string, unknown> };
  return cdkJson.context;
}

/** A fresh app and stack, with `overrides` on top of cdk.json's context. */
export function synthStack(overrides: Record<string, unknown> = {}): { app: App; stack: ServerlessCiStack } {
  const app = new App({ context: { ...cdkJsonContext(), ...overrides } });
  const stack = new ServerlessCiStack(app, 'ServerlessCi');
  return { app, stack };
}
