/**
 * aws-local-stepfunctions keeps the context object static for a whole execution, so the engine
 * hands it sentinels for the fields that must be fresh per task (docs/architecture.md) and each
 * task override replaces them when it runs.
 */

export const TASK_TOKEN_SENTINEL = '$$SCI_TASK_TOKEN';
export const NOW_SENTINEL = '$$SCI_NOW';

/** The context object passed to every local execution. */
export function executionContext(executionId: string, stateMachineName: string): Record<string, unknown> {
  return {
    // A local redrive executes the definition again from its start (local-redrive.ts): never a Step Functions redrive.
    Execution: { Id: executionId, Name: executionId.split(':').pop() ?? executionId, RedriveCount: 0 },
    StateMachine: { Id: `local:${stateMachineName}`, Name: stateMachineName },
    State: { EnteredTime: NOW_SENTINEL, Name: '', RetryCount: 0 },
    Task: { Token: TASK_TOKEN_SENTINEL },
  };
}

/** Deep copy of `value` with the sentinels replaced wherever they occur inside strings. */
export function replaceSentinels<T>(value: T, fresh: { now: string; token?: string }): T {
  const swap = (text: string): string => {
    let out = text.split(NOW_SENTINEL).join(fresh.now);
    if (fresh.token !== undefined) out = out.split(TASK_TOKEN_SENTINEL).join(fresh.token);
    return out;
  };
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return swap(v);
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return walk(value) as T;
}
