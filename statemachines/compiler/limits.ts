/**
 * Upper bounds of what one execution can cost, computed on the definition's state graph
 * (no loops: the longest path is the worst case), checked against Step Functions' quotas
 * before anything is deployed.
 */
import type { State, StateMachine } from '../asl/types.ts';

/** Step Functions quotas (standard workflows). */
export const LIMITS = { definitionBytes: 1_048_576, historyEvents: 25_000 } as const;

export interface Estimates {
  /** UTF-8 size of the compact definition, as submitted. */
  definitionBytes: number;
  /** Longest path through the definition, in execution history events. */
  maxHistoryEvents: number;
  /** Longest path, in state transitions (states entered, retries included). */
  maxTransitions: number;
}

interface Cost {
  events: number;
  transitions: number;
}

function attempts(state: State): number {
  return state.Type === 'Task' ? 1 + (state.Retry ?? []).reduce((n, r) => n + r.MaxAttempts, 0) : 1;
}

/** Events one entry of `state` writes: entered/exited, plus scheduled/started/outcome per attempt. */
function ownCost(state: State, branches: Cost[]): Cost {
  const n = attempts(state);
  if (state.Type === 'Task') return { events: 2 + 3 * n, transitions: n };
  if (state.Type === 'Parallel') {
    return {
      events: 4 + branches.reduce((s, b) => s + b.events + 2, 0),
      transitions: 1 + branches.reduce((s, b) => s + b.transitions, 0),
    };
  }
  return { events: 2, transitions: 1 };
}

function successors(state: State): string[] {
  const out = new Set<string>();
  if ('Next' in state && state.Next) out.add(state.Next);
  if (state.Type === 'Choice') {
    for (const c of state.Choices) out.add(c.Next);
    if (state.Default) out.add(state.Default);
  }
  if ('Catch' in state) for (const c of state.Catch ?? []) out.add(c.Next);
  return [...out];
}

/**
 * Worst-case cost of running `machine` from its start: the longest path, each state's cost
 * computed after its successors' (an explicit post-order: a 5,000-step chain is 15,000 states
 * deep).
 */
export function longestPath(machine: StateMachine): Cost {
  const memo = new Map<string, Cost>();
  const stack: Array<{ name: string; expanded: boolean }> = [{ name: machine.StartAt, expanded: false }];
  const onPath = new Set<string>();
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    if (memo.has(top.name)) {
      stack.pop();
      continue;
    }
    const state = machine.States[top.name]!;
    const next = successors(state);
    if (!top.expanded) {
      top.expanded = true;
      onPath.add(top.name);
      for (const n of next) if (!memo.has(n) && !onPath.has(n)) stack.push({ name: n, expanded: false });
      continue;
    }
    stack.pop();
    onPath.delete(top.name);
    const own = ownCost(state, state.Type === 'Parallel' ? state.Branches.map(longestPath) : []);
    // A successor still on the path closes the one loop the compiler emits (waiting for an
    // environment another run holds): counted once, as how often it turns depends on other runs.
    const rest = next.map((n) => memo.get(n) ?? { events: 0, transitions: 0 });
    memo.set(top.name, {
      events: own.events + rest.reduce((m, r) => Math.max(m, r.events), 0),
      transitions: own.transitions + rest.reduce((m, r) => Math.max(m, r.transitions), 0),
    });
  }
  return memo.get(machine.StartAt)!;
}

/**
 * The estimates of `machine`, whose compact rendering is `json`. Without `json`, the size is that of
 * plain `JSON.stringify`: compact JSON has the same length in any key or state order, so a machine
 * can be sized before it is put in order and rendered (renderAsl), which only pays when it fits.
 */
export function estimate(machine: StateMachine, json = JSON.stringify(machine)): Estimates {
  const path = longestPath(machine);
  return {
    definitionBytes: Buffer.byteLength(json, 'utf8'),
    // ExecutionStarted and the final execution event.
    maxHistoryEvents: path.events + 2,
    maxTransitions: path.transitions,
  };
}
