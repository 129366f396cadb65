/**
 * The dashboard in a real browser (Debian's chromium-headless-shell through playwright-core) against the real
 * thing: runs made by the real CLI in a temporary git repository, the local store (dynalite),
 * and the dashboard served over HTTP on loopback. One browser and one tab for the file keep it fast: each test
 * takes the tab (`browser.page()`) at about:blank.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import { openSession, type LocalSession } from '../../local/session.ts';
import { localDashboard } from '../../src/dashboard/local-dashboard.ts';
import { createServeServer, listen } from '../../src/serve/http.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import { collect, runsOf, sandbox, sciAsync, startSci, type Sandbox } from '../e2e/helpers.ts';
import { fileURLToPath } from 'node:url';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { localRuntime } from '../../local/runtime.ts';
import { LoggedStatuses } from '../../local/status-log.ts';
import { LocalRedriver } from '../../local/engine/local-redrive.ts';
import { LocalReleaser } from '../../local/engine/local-release.ts';
import { GitSource } from '../../src/source/git-source.ts';
import { launchBrowser, type Page, type TestBrowser } from './browser.ts';

const CI = `on: { push: {} }
steps:
  build:
    run: echo "building the thing"
  test:
    needs: [build]
    matrix: { shard: [1, 2] }
    run: echo "testing shard \${{ matrix.shard }}"
  package:
    needs: [test]
    run: echo packaged
`;

const PROD = `on: { push: {} }
steps:
  gate:
    approval: { message: "Ship it?" }
  ship:
    needs: [gate]
    run: echo "shipped to prod"
`;

const STAGING = `on: { push: {} }
steps:
  ship:
    run: echo "shipped to staging"
`;

// outside the repository: the switch that makes the flaky step pass
const flags = mkdtempSync(join(tmpdir(), 'sci-ui-redrive-'));
const FLAKY = `steps:
  prepare:
    run: echo prepared >> ${flags}/prepare-runs
  check:
    needs: [prepare]
    run: test -e ${flags}/fixed
`;

const DELIVERY = `steps:
  build: { run: echo built }
  to-staging: { needs: [build], environment: staging, run: echo staging }
  to-production: { needs: [to-staging], environment: production, run: echo production }
`;

async function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await sleep(100)) {
    const found = await probe();
    if (found !== undefined) return found;
  }
  throw new Error('timed out');
}

/** `SCI_SCREENSHOTS=1 node scripts/run-tests.mjs test/dashboard` refreshes the screenshots in docs/. */
async function shoot(page: Page, name: string): Promise<void> {
  if (process.env.SCI_SCREENSHOTS)
    await page.screenshot({ path: fileURLToPath(new URL(`../../docs/${name}`, import.meta.url)), fullPage: true });
}

let box: Sandbox;
let session: LocalSession;
let server: Server;
let base: string;
let browser: TestBrowser;
let ciRun: string;
let flakyRun: string;
/** The commit statuses the runtime and the page's actions posted (a line each, as `sci serve` logs them). */
const posted: string[] = [];
const previousHome = process.env.SCI_HOME;

before(async () => {
  box = sandbox({
    '.sci/ci.yml': CI,
    '.sci/deploy/prod.yml': PROD,
    '.sci/deploy/staging.yml': STAGING,
    '.sci/flaky.yml': FLAKY,
    '.sci/delivery.yml': DELIVERY,
  });
  // the browser starts while the first runs run (it needs nothing of them); one `sci run` makes every run the tests
  // only read (a process each cost ≈ 0.6 s of CPU): flaky's fails (exit 1), the redrive test's; delivery's is the
  // first of the two releases the environments test lists
  const [made, launched] = await Promise.all([
    sciAsync(box, 'run', 'ci', 'deploy/staging', 'flaky', 'delivery', '--json'),
    launchBrowser(),
  ]);
  browser = launched;
  assert.equal(made.code, 1, made.stderr);
  const runs = runsOf(made.stdout);
  assert.deepEqual(runs.map((r) => `${r.pipeline}: ${r.status}`).sort(), [
    'ci: succeeded',
    'delivery: succeeded',
    'deploy/staging: succeeded',
    'flaky: failed',
  ]);
  ciRun = runs.find((r) => r.pipeline === 'ci')!.id;
  flakyRun = runs.find((r) => r.pipeline === 'flaky')!.id;
  process.env.SCI_HOME = box.home;
  session = await openSession(box.repo);
  const source = new GitSource(box.repo);
  const repoUrl = `file://${box.repo}`;
  const runtime = localRuntime({
    session,
    repoDir: box.repo,
    repoUrl,
    source,
    statuses: new LoggedStatuses((line) => posted.push(line)),
    runUrl: (id) => id,
    containers: 'none',
  });
  const redriver = new LocalRedriver({
    store: session.store,
    table: session.table,
    executions: runtime.executions,
    machines: runtime.machines,
    source,
    repoUrl,
  });
  const releaser = new LocalReleaser({
    dispatch: runtime.dispatch,
    source,
    repo: 'local/repo',
    repoUrl,
    actor: 'tester',
  });
  // wired as sci serve wires it (its store polls every 500 ms, as there): the page's actions post statuses and
  // start runs on this runtime
  const dashboard = localDashboard(session, {
    redriver,
    releaser,
    statuses: runtime.report.statuses,
    queue: runtime.report,
  });
  server = createServeServer({ dashboard });
  base = `http://127.0.0.1:${await listen(server, 0)}`;
});

after(async () => {
  await browser?.close();
  server?.closeAllConnections();
  await new Promise((done) => server?.close(done));
  await session?.close();
  if (previousHome === undefined) delete process.env.SCI_HOME;
  else process.env.SCI_HOME = previousHome;
  box?.cleanup();
  rmSync(flags, { recursive: true, force: true });
});

test('home: pipelines grouped by their .sci/ folders, with a working filter', async () => {
  const page = await browser.page();
  await page.goto(base);
  const folder = page.locator('details.folder', { hasText: 'deploy' });
  await folder.waitFor();
  assert.deepEqual(await folder.locator('.pipeline-name').allTextContents(), ['staging']);
  assert.deepEqual(await page.locator('.repo > ul > .pipeline .pipeline-name').allTextContents(), [
    'ci',
    'delivery',
    'flaky',
  ]);
  await page.getByRole('searchbox', { name: 'Filter pipelines' }).fill('stag');
  await page.locator('.pipeline-name', { hasText: 'ci' }).waitFor({ state: 'detached' });
  assert.equal(await page.locator('.pipeline-name').count(), 1);
});

test('run: one graph node per step, matrix cells grouped, status as text', async () => {
  const page = await browser.page();
  await page.goto(`${base}/runs/${ciRun}`);
  await page.locator('.node').first().waitFor();
  const labels = await page.locator('.node').evaluateAll((nodes) => nodes.map((n) => n.getAttribute('aria-label')));
  assert.deepEqual(labels.sort(), [
    'build: succeeded',
    'package: succeeded',
    'test (shard=1): succeeded',
    'test (shard=2): succeeded',
  ]);
  assert.equal(await page.locator('.group', { hasText: 'test' }).count(), 1);
  assert.equal(await page.locator('.graph .edge').count(), 4);
});

test('clicking a step in the graph shows its log; the keyboard works too', async () => {
  const page = await browser.page();
  await page.goto(`${base}/runs/${ciRun}`);
  await page.locator('.node[data-step="build"]').click();
  await page.getByTestId('log').filter({ hasText: 'building the thing' }).waitFor();
  await shoot(page, 'dashboard-run.png');
  await page.locator('.node[data-step="package"]').focus();
  await page.keyboard.press('Enter');
  await page.getByTestId('log').filter({ hasText: 'packaged' }).waitFor();
  assert.match(page.url(), /step=package/);
});

test('approve in the page resumes the run, and the graph follows live', async () => {
  const running = collect(startSci(box, 'run', 'deploy/prod', '--json'));
  const waiting = await waitFor(async () => {
    const [run] = await session.store.listRuns({ pipeline: 'deploy/prod' });
    return run && (await session.store.listSteps(run.id)).some((s) => s.status === 'waiting') ? run : undefined;
  });
  const page = await browser.page();
  await page.goto(`${base}/runs/${waiting.id}`);
  await page.locator('.node[aria-label="gate: waiting"]').waitFor();
  await page.getByRole('button', { name: 'Approve' }).click();
  await page.locator('.node[aria-label="ship: succeeded"]').waitFor({ timeout: 20_000 });
  await page.locator('.toolbar .badge', { hasText: 'succeeded' }).waitFor();
  const ended = await running;
  assert.equal(ended.code, 0, ended.stderr);
  assert.equal(runsOf(ended.stdout)[0]?.status, 'succeeded');
});

test('redrive from the page resumes a failed run at its failed step', async () => {
  // flaky's run failed in the first `sci run` (before)
  writeFileSync(join(flags, 'fixed'), '');
  const page = await browser.page();
  await page.goto(`${base}/runs/${flakyRun}`);
  await page.locator('.node[aria-label="check: failed"]').waitFor();
  assert.equal(await page.getByRole('button', { name: 'Cancel run' }).count(), 0);
  await page.getByRole('button', { name: 'Redrive' }).click();
  await page
    .getByRole('status')
    .filter({ hasText: `redriving run ${flakyRun} (attempt 2)` })
    .waitFor();
  await page.locator('.node[aria-label="check: succeeded"]').waitFor({ timeout: 30_000 });
  await page.locator('.toolbar .badge', { hasText: 'succeeded' }).waitFor();
  // the attempt reads "2 (redriven …)"; a bare /^2/ also matched a duration of "2s"
  await page.locator('.meta dd', { hasText: /^2 \(redriven/ }).waitFor();
  // the step that had succeeded ran once, and the Redrive button is gone from a succeeded run
  assert.equal(readFileSync(join(flags, 'prepare-runs'), 'utf8'), 'prepared\n');
  assert.equal(await page.getByRole('button', { name: 'Redrive' }).count(), 0);
});

test('environments: current releases and history; Rollback and Promote run the release steps', async () => {
  // the second release of each environment (the first: delivery's run in before)
  const made = await collect(startSci(box, 'run', 'delivery', '--json', '--no-containers'));
  assert.equal(made.code, 0, made.stderr);
  const page = await browser.page();
  await page.goto(base);
  await page.getByRole('link', { name: 'Environments' }).click();
  const production = page.getByRole('region', { name: 'production' });
  await production.getByRole('table').waitFor();
  assert.equal(await production.locator('tbody tr').count(), 2);
  assert.equal(await page.getByRole('region', { name: 'staging' }).locator('tbody tr').count(), 2);
  await production.getByRole('button', { name: 'Roll back production' }).click();
  await page
    .getByRole('status')
    .filter({ hasText: /releasing [0-9a-f]{12} \(run .*\) to production: run / })
    .waitFor();
  await production.locator('tbody tr').nth(2).waitFor({ timeout: 30_000 });
  await production.locator('tbody tr').first().locator('.badge', { hasText: 'succeeded' }).waitFor();
  const staging = page.getByRole('region', { name: 'staging' });
  await staging.getByLabel('Promote to').selectOption('production');
  await staging.getByRole('button', { name: 'Promote staging' }).click();
  await production.locator('tbody tr').nth(3).waitFor({ timeout: 30_000 });
  await production.locator('tbody tr').first().locator('.badge', { hasText: 'succeeded' }).waitFor({ timeout: 30_000 });
  await shoot(page, 'dashboard-envs.png');
  // the home page last, with every pipeline the tests ran
  await page.goto(base);
  await page.locator('.pipeline').first().waitFor();
  await shoot(page, 'dashboard-home.png');
});

test('a run waiting in its concurrency group says which run it waits for, on its page and its pipeline page; Cancel ends it', async () => {
  const blocker = (await session.store.getRun(ciRun))!;
  const { startedAt: _s, endedAt: _e, executionArn: _x, transitions: _t, reason: _r, ...run } = blocker.run;
  // a sibling id: ciRun's with another last character (a fixed 'W' collided when ciRun ended in W)
  const id = `${ciRun.slice(0, -1)}${ciRun.endsWith('W') ? 'X' : 'W'}`;
  const steps = blocker.steps.map(({ startedAt: _a, endedAt: _b, reason: _c, outputs: _d, ...step }) => ({
    ...step,
    runId: id,
    status: 'pending' as const,
    attempts: 0,
  }));
  const queued = { ...run, id, status: 'queued' as const, waitingFor: ciRun, concurrencyGroup: 'ci-main' };
  assert.equal(await session.store.createRun(queued, steps), true);
  // in the group's queue behind ciRun, as the dispatcher puts it there
  const entrant = (r: typeof run) => ({ id: r.id, repo: r.repo, group: 'ci-main', createdAt: r.createdAt });
  await session.store.claimGroup(entrant(blocker.run), 'free');
  assert.deepEqual(await session.store.waitInGroup(entrant(queued), ciRun), { waits: true });
  const page = await browser.page();
  await page.goto(`${base}/runs/${id}`);
  const waiting = page.locator('.meta div', { hasText: 'Waiting for' });
  await waiting.waitFor();
  assert.match((await waiting.textContent()) ?? '', new RegExp(`run ${ciRun} to end \\(concurrency group ci-main\\)`));
  await page.getByRole('link', { name: 'ci', exact: true }).click();
  const row = page.locator('tr', { hasText: id });
  await row.waitFor();
  await row.getByRole('link', { name: ciRun }).click();
  await page.waitForURL(`${base}/runs/${ciRun}`);
  // a waiting run has no execution: Cancel ends it at once, leaves the queue and posts its end
  await page.goto(`${base}/runs/${id}`);
  await page.getByRole('button', { name: 'Cancel run' }).click();
  await page
    .getByRole('status')
    .filter({ hasText: `cancelled run ${id} (it had not started)` })
    .waitFor();
  await page.locator('.toolbar', { hasText: 'cancelled' }).waitFor();
  const ended = (await session.store.getRun(id))!.run;
  assert.deepEqual([ended.status, ended.reason?.endsWith(' while waiting')], ['cancelled', true]);
  // ciRun had ended: the group is free again
  assert.deepEqual(await session.store.readGroup(run.repo, 'ci-main'), {});
  assert.match(
    posted.at(-1) ?? '',
    new RegExp(`^sci/ci error at ${run.sha.slice(0, 7)}: cancelled: cancelled by .+ while waiting$`),
  );
});

test('no console errors on any page', () => {
  assert.deepEqual(browser.errors, []);
});
