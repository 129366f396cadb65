/**
 * SDK client settings for every adapter: adaptive retry mode backs off with jitter and
 * client-side rate limiting when Step Functions or Scheduler throttle a burst of pushes.
 */
export const clientConfig = { maxAttempts: 8, retryMode: 'adaptive' } as const;

/** The SDK's error name, for the few errors we treat as outcomes rather than failures. */
export function errorName(error: unknown): string {
  return error instanceof Error ? error.name : '';
}
