/**
 * The `sci` the tests start as a child process: the bundle scripts/run-tests.mjs builds once per run
 * (SCI_TEST_CLI), else bin/sci.js itself (a test file run alone). test/cli/help.test.ts always runs bin/sci.js.
 */
import { fileURLToPath } from 'node:url';

export const SCI = process.env.SCI_TEST_CLI ?? fileURLToPath(new URL('../bin/sci.js', import.meta.url));
