/**
 * Upper bounds of what one execution can cost, computed on the definition's state graph
 * (no loops: the longest path is the worst case), checked against Step Functions' quotas
 * before anything is deployed.
 */
import type { ChoiceRule, State, StateMachine } from '../asl/types.ts';

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
 * A scope's shared ending (ending.ts) is entered by every step of the scope and routes on the key
 * the step left at `$.end.k`, back to that step's own states: on the bare graph a loop through the
 * hub. The walk below follows the key instead: a hub state is a node per key that enters it, and
 * the hub's route leaves only to that key's states, so each step's trip through the hub is costed.
 */
export const SHARED_ENDING = 'shared ending';

/** The key a state leaves at `$.end.k` for the hub, or that its own record is stored under. */
function keyOf(state: State): string | undefined {
  const fields = state as { Result?: unknown; Parameters?: unknown; ResultSelector?: unknown; ResultPath?: unknown };
  for (const f of [fields.Result, fields.Parameters, fields.ResultSelector]) {
    const k = (f as { k?: unknown } | undefined)?.k;
    if (typeof k === 'string') return k;
  }
  const m = typeof fields.ResultPath === 'string' ? /^\$\.steps\.(.+)$/.exec(fields.ResultPath) : null;
  return m?.[1];
}

/** The key a route rule takes (`$.end.k` equals it, alone or first of an And). */
function ruleKey(rule: ChoiceRule): string | undefined {
  const first = 'And' in rule ? (rule.And as ChoiceRule[])[0]! : rule;
  return 'StringEquals' in first && first.Variable === '$.end.k' ? String(first.StringEquals) : undefined;
}

/**
 * Worst-case cost of running `machine` from its start: the longest path, each state's cost
 * computed after its successors' (an explicit post-order: a 5,000-step chain is 15,000 states
 * deep). A node is a state name, or a hub state and the key it was entered with (`name\0key`).
 */
export function longestPath(machine: StateMachine): Cost {
  const hub = new Set(
    Object.entries(machine.States)
      .filter(([, s]) => (s as { Comment?: string }).Comment === SHARED_ENDING)
      .map(([n]) => n),
  );
  const split = (node: string): [string, string | undefined] => {
    const at = node.indexOf('\u0000');
    return at < 0 ? [node, undefined] : [node.slice(0, at), node.slice(at + 1)];
  };
  // a hub's routes by key, built once per hub: a chain's hub has a Choice per step, entered once per step
  const routes = new Map<string, Map<string, string[]> | undefined>();
  const routesOf = (name: string, state: State): Map<string, string[]> | undefined => {
    if (routes.has(name)) return routes.get(name);
    let byKey: Map<string, string[]> | undefined;
    if (state.Type === 'Choice') {
      byKey = new Map();
      for (const choice of state.Choices) {
        const k = ruleKey(choice);
        if (k === undefined) {
          byKey = undefined;
          break;
        }
        byKey.set(k, [...(byKey.get(k) ?? []), choice.Next]);
      }
    }
    routes.set(name, byKey);
    return byKey;
  };
  const nextOf = (node: string): string[] => {
    const [name, key] = split(node);
    const state = machine.States[name]!;
    if (!hub.has(name)) {
      const k = keyOf(state);
      return successors(state).map((n) => (hub.has(n) && k !== undefined ? `${n}\u0000${k}` : n));
    }
    const byKey = routesOf(name, state);
    const next = byKey && key !== undefined ? (byKey.get(key) ?? []) : successors(state);
    return next.map((n) => (hub.has(n) && key !== undefined ? `${n}\u0000${key}` : n));
  };
  const memo = new Map<string, Cost>();
  const stack: Array<{ name: string; expanded: boolean }> = [{ name: machine.StartAt, expanded: false }];
  const onPath = new Set<string>();
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    if (memo.has(top.name)) {
      stack.pop();
      continue;
    }
    const state = machine.States[split(top.name)[0]]!;
    const next = nextOf(top.name);
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
