/** Builds the test images ahead of the tests that use them (scripts/run-tests.mjs starts it in the background). */
import { testPodman } from './test-podman.ts';

const found = await testPodman();
if (typeof found === 'string') process.stderr.write(`test images not built: ${found}\n`);
