/**
 * A real browser for the dashboard tests: Debian's Chromium as its headless shell (`chromium-headless-shell`,
 * scripts/system-packages.txt: the same Blink and V8 as `chromium`, without the desktop browser around them; what
 * playwright runs for `headless: true` with its own downloads) driven by playwright-core, with a fresh profile and
 * nothing that reaches the network. The shell's start, six pages and close take ≈ 1.1–1.4 s of CPU against the full
 * browser's ≈ 4.8–5.6 s in headless mode (docs/testing.md, "Session 10, browser-infra").
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';

// required, not imported: an import of this CommonJS package has node's ESM loader lex each file it requires (its
// two 3.5 MB bundles) for export names, ≈ 0.35 s of CPU per test process (`import()` 1.1 s, `require` 0.8 s)
const { chromium } = createRequire(import.meta.url)('playwright-core') as typeof import('playwright-core');

export const CHROMIUM = process.env.SCI_CHROMIUM ?? '/usr/bin/chromium-headless-shell';

export interface TestBrowser {
  context: BrowserContext;
  /**
   * The browser's tab at about:blank, its console errors and uncaught exceptions collected in `errors`. Every call
   * hands back the same tab (a new one only when it was closed): a new tab is a new renderer process, ≈ 0.15 s of
   * Chromium's CPU each.
   */
  page(): Promise<Page>;
  errors: string[];
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<TestBrowser> {
  const profile = mkdtempSync(join(tmpdir(), 'sci-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1360, height: 900 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
  const errors: string[] = [];
  const watched = (page: Page) => {
    page.on('console', (m) => m.type() === 'error' && errors.push(`console: ${m.text()}`));
    page.on('pageerror', (e) => errors.push(`page: ${e.message}`));
    return page;
  };
  // the tab a persistent context opens with
  let tab = context.pages()[0] && watched(context.pages()[0]);
  return {
    context,
    errors,
    async page() {
      if (!tab || tab.isClosed()) tab = watched(await context.newPage());
      else await tab.goto('about:blank');
      return tab;
    },
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export type { Browser, Page };
