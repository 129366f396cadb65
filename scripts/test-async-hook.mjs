// Preloaded into every test process by scripts/run-tests.mjs (`--import`). Node 20's test runner enables an async
// hook with `init` and `destroy` callbacks in each process (its harness): every promise then runs a JavaScript
// callback when it is made and is tracked until it is collected, so that the harness can tell which test an
// asynchronous resource belongs to. The tests that run the engine, the store and the AWS SDK in their own process
// make millions of promises, and that tracking took a large share of their CPU (docs/testing.md, "node:test's
// async hook"). Here the harness's hook is never enabled; the harness is told of each test and suite instead, when
// it is made (node:test's Test is an AsyncResource of type 'Test'), which is what it needs to nest the tests a
// `describe` declares. What it no longer sees are the resources a test's code makes: an uncaught exception or
// unhandled rejection from a test's code still fails the run (node:test reports it at the top level, "A resource
// generated asynchronous activity…", and sets the exit code) but does not name the test, and a `test()` called
// after an `await` in a suite's or test's body (none here) would be a top-level test. SCI_TEST_ASYNC_HOOK=1 keeps
// node's own hook.
import asyncHooks from 'node:async_hooks';

/** Where node's harness calls `createHook` from (node:internal/test_runner/harness). */
const HARNESS = 'node:internal/test_runner/harness';

function calledByTheHarness() {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 3;
  const stack = new Error().stack ?? '';
  Error.stackTraceLimit = limit;
  return stack.includes(HARNESS);
}

if (!process.env.SCI_TEST_ASYNC_HOOK) {
  const { AsyncResource, createHook } = asyncHooks;
  /** The harness's `init`, told of each test and suite as it is made. */
  let harnessInit;
  const neverEnabled = {
    enable() {
      return this;
    },
    disable() {
      return this;
    },
  };
  asyncHooks.createHook = function createHookOutsideTheHarness(callbacks) {
    if (!calledByTheHarness()) return createHook.call(this, callbacks);
    harnessInit = callbacks.init;
    return neverEnabled;
  };
  // node:test's Test class extends the AsyncResource it finds here when it is loaded, after this module
  asyncHooks.AsyncResource = class extends AsyncResource {
    constructor(type, options) {
      super(type, options);
      if (type === 'Test') harnessInit?.(this.asyncId(), type, this.triggerAsyncId(), this);
    }
  };
}
