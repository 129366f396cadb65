/**
 * Judges every SDK command a test's `aws-sdk-client-mock` mocks receive against the AWS API
 * model (test/aws/api-model.ts): registered once per test file, it checks after each test the
 * calls that test made, so a Lambda that sends a wrong member, type or enum value fails its test.
 */
import { afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { sdkCallProblems, type Service } from './api-model.ts';

type Mock = { calls(): unknown[] };

export function judgeSdkCalls(mocks: Partial<Record<Service, Mock>>): void {
  const judged = new Map<Mock, number>();
  afterEach(() => {
    for (const [service, mock] of Object.entries(mocks) as Array<[Service, Mock]>) {
      const calls = mock.calls();
      // a mock reset since the last test starts its count again
      const from = (judged.get(mock) ?? 0) > calls.length ? 0 : (judged.get(mock) ?? 0);
      judged.set(mock, calls.length);
      assert.deepEqual(
        sdkCallProblems(service, { calls: () => calls.slice(from) }),
        [],
        `SDK calls against the ${service} API model`,
      );
    }
  });
}
