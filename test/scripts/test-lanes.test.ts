/**
 * scripts/test-lanes.mjs: the idle lane names test files that exist, and none of them takes a wall-clock bound
 * with it: at the lowest CPU priority a file may wait for a core for as long as the main lane keeps both busy, so
 * a file there must not start the CLI, a store, a server or a child with a timeout (what the end-to-end helpers,
 * the local store and dynalite's client bring).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const { IDLE_LANE } = (await import(pathToFileURL(join(ROOT, 'scripts/test-lanes.mjs')).href)) as {
  IDLE_LANE: Set<string>;
};

/**
 * What brings a wall-clock bound: a `timeout` option in milliseconds (written in thousands, as this code base
 * writes them: `timeout: 120_000`), or a module that has one.
 */
const WALL_CLOCK = /\btimeout:\s*\d+_000\b|from '[^']*(e2e\/helpers|sci-cli|local\/store|local-table|serve\/)/;

test('every file of the idle lane exists', () => {
  const missing = [...IDLE_LANE].filter((file) => !existsSync(join(ROOT, file)));
  assert.deepEqual(missing, []);
});

test('no file of the idle lane takes a wall-clock bound with it', () => {
  const bound = [...IDLE_LANE].filter((file) => WALL_CLOCK.test(readFileSync(join(ROOT, file), 'utf8')));
  assert.deepEqual(bound, []);
});

test('the check sees a child with a timeout and an end-to-end helper', () => {
  assert.ok(WALL_CLOCK.test("spawnSync('x', [], { timeout: 120_000 })"));
  assert.ok(WALL_CLOCK.test("import { sci } from '../e2e/helpers.ts';"));
  assert.ok(!WALL_CLOCK.test("const text = 'steps:\\n  a: { run: x, timeout: 5m }';"));
  assert.ok(!WALL_CLOCK.test('const step = { image: "node:22", timeout: 3600, compute: "small" };'));
});
