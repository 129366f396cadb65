/**
 * Builds the stack the way `cdk synth` does: the context of cdk.json (feature flags and the
 * `sci:*` configuration), real esbuild bundling of every Lambda, no Docker, no network.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { App } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import { entryPath, FUNCTION_NAMES } from '../../infra/constructs/sci-function.ts';
import { ServerlessCiStack } from '../../infra/stack.ts';

/**
 * Makes the bundling of this process run the project's esbuild binary (node_modules/.bin/esbuild) directly instead of
 * through `npx --no-install esbuild`, the runner CDK picks for an esbuild installed in the project: the same binary,
 * arguments and bundles, without starting npm once per function (~1.3 s of CPU each, more than esbuild's own work).
 * `cdk synth` (.ci/run) still goes through npx. CDK keeps the installation it detected in a static field of its
 * Bundling class (aws-lambda-nodejs/lib/bundling.js, not exported), which this sets before the first NodejsFunction.
 * The binary runs behind test/infra/esbuild-cache.mjs: the bundles of the six functions are made once per checkout and
 * change of a file they are made from, as the CLI's bundle is (scripts/cli-cache.mjs), all six in one esbuild run
 * (≈ 4.4 s of CPU, ≈ 10 s one by one).
 */
export function bundleWithProjectEsbuild(): void {
  const require = createRequire(import.meta.url);
  const lib = dirname(require.resolve('aws-cdk-lib'));
  const { Bundling } = require(join(lib, 'aws-lambda-nodejs', 'lib', 'bundling.js')) as {
    Bundling: { esbuildInstallation?: { isWorkspacePackage: boolean; version: string } };
  };
  const { version } = require(join(dirname(require.resolve('esbuild')), '..', 'package.json')) as { version: string };
  Bundling.esbuildInstallation = { isWorkspacePackage: false, version };
  const bin = mkdtempSync(join(tmpdir(), 'sci-esbuild-'));
  process.on('exit', () => rmSync(bin, { recursive: true, force: true }));
  const cache = fileURLToPath(new URL('./esbuild-cache.mjs', import.meta.url));
  writeFileSync(join(bin, 'esbuild'), `#!/bin/sh\nexec '${process.execPath}' '${cache}' "$@"\n`, { mode: 0o755 });
  process.env.PATH = [bin, process.env.PATH].join(delimiter);
  process.env.SCI_TEST_BUNDLE_TOGETHER = FUNCTION_NAMES.map(entryPath).join(delimiter);
}

/** The `context` block of cdk.json. */
export function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as {
    context: Record<string, unknown>;
  };
  return cdkJson.context;
}

/**
 * Turns V8's concurrent marking off, once, for the rest of this process, for aws-cdk-lib's template validation:
 * its rule engine (@aws/cloudformation-validate, WebAssembly) grows its memory step by step, each growth reports
 * the whole memory again as external memory, and V8 answers each report by starting or finishing a marking cycle:
 * ≈ 600 full collections, ≈ 5 of the ≈ 8 s of CPU its start takes (`node --trace-gc`); without concurrent marking
 * ≈ 60, and the start ≈ 3 s. The validation's findings are the same (only the collector's scheduling changes).
 * The flag is changed right after a full collection, when no marking cycle is under way (V8's flags may change
 * while a process runs; one under way would have started with concurrent marking on).
 */
let concurrentMarking = true;

function withoutConcurrentMarking(): void {
  if (!concurrentMarking) return;
  concurrentMarking = false;
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
  setFlagsFromString('--no-concurrent-marking');
}

/**
 * A fresh app and stack, with `overrides` on top of cdk.json's context. `validation: false` skips
 * aws-cdk-lib's built-in CloudFormation validation (~3 s of CPU to start its rule engine, concurrent marking off), for
 * the stacks that differ from the one a test already validated only in names.
 */
export function synthStack(
  overrides: Record<string, unknown> = {},
  stackName = 'ServerlessCi',
  { validation = true } = {},
): { app: App; stack: ServerlessCiStack } {
  if (validation) withoutConcurrentMarking();
  const app = new App({
    context: { ...cdkJsonContext(), ...overrides },
    builtinCloudFormationValidation: validation,
  });
  const stack = new ServerlessCiStack(app, stackName);
  return { app, stack };
}

type Statement = Record<string, unknown>;

/** Lookups over a synthesized template that the assertions of test/infra share. */
export function inspect(template: Template) {
  /** The logical id of the only resource of `type` whose logical id starts with `prefix`. */
  const logicalId = (type: string, prefix: string): string => {
    const ids = Object.keys(template.findResources(type)).filter((id) => id.startsWith(prefix));
    assert.equal(ids.length, 1, `${type} ${prefix}: ${ids.join(', ')}`);
    return ids[0]!;
  };
  const inlineStatements = (role: {
    Properties: { Policies?: Array<{ PolicyDocument: { Statement: Statement[] } }> };
  }) => (role.Properties.Policies ?? []).flatMap((p) => p.PolicyDocument.Statement);
  /** Every statement of the policies attached to the role `rolePrefix` (inline and DefaultPolicy). */
  const statementsOf = (rolePrefix: string): Statement[] => {
    const roleId = logicalId('AWS::IAM::Role', rolePrefix);
    const attached = Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((p) => JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: roleId }]))
      .flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]);
    return [...inlineStatements(template.findResources('AWS::IAM::Role')[roleId] as never), ...attached];
  };
  /** Every statement of every policy in the template. */
  const allStatements = (): Statement[] => [
    ...Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
      (p) => p.Properties.PolicyDocument.Statement as Statement[],
    ),
    ...Object.values(template.findResources('AWS::IAM::Role')).flatMap((r) => inlineStatements(r as never)),
  ];
  return { logicalId, statementsOf, allStatements };
}

/** A statement's actions as a list. */
export const actionsOf = (s: Statement): string[] => [s.Action].flat() as string[];
