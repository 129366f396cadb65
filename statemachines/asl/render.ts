/**
 * Deterministic JSON for ASL: known ASL fields in a fixed order (the order the ASL
 * spec and the console use), any other key in insertion order, two-space indent.
 * The same definition always renders to the same bytes, so its hash names a version.
 */
import type { Json, State, StateMachine } from './types.ts';

const HEAD = [
  'Comment',
  'StartAt',
  'States',
  'Type',
  'Resource',
  'Variable',
  'And',
  'Or',
  'Not',
  'ErrorEquals',
  'InputPath',
  'Parameters',
  'Result',
  'ResultSelector',
  'ResultPath',
  'OutputPath',
  'TimeoutSeconds',
  'Choices',
  'Default',
  'Branches',
  'IntervalSeconds',
  'MaxAttempts',
  'BackoffRate',
  'Retry',
  'Catch',
  'Error',
  'Cause',
];
/** Always last, after any other key (a Choice rule's operator, say). */
const TAIL = ['Next', 'End'];
const RANK = new Map(HEAD.map((k, i) => [k, i]));

function ordered(value: Json): Json {
  if (Array.isArray(value)) return value.map(ordered);
  if (value === null || typeof value !== 'object') return value;
  const keys = Object.keys(value);
  const known = keys.filter((k) => RANK.has(k)).sort((a, b) => RANK.get(a)! - RANK.get(b)!);
  const rest = keys.filter((k) => !RANK.has(k) && !TAIL.includes(k));
  const out: Record<string, Json> = {};
  for (const k of [...known, ...rest, ...TAIL.filter((t) => keys.includes(t))]) {
    const v = value[k];
    if (v !== undefined) out[k] = ordered(v);
  }
  return out;
}

/**
 * Orders `States` in the order an execution meets them (depth first from `StartAt`), branches too,
 * and drops the states no execution can reach: a definition with one is refused (asl-validator's
 * MISSING_TRANSITION_TARGET, its copy of Step Functions' own check), and a constant condition makes
 * some (`if: "false"` leaves the step's Task and the checks of the steps that need it with no way in).
 */
export function inExecutionOrder(machine: StateMachine): StateMachine {
  const order: string[] = [];
  const seen = new Set<string>();
  // Iterative: a 1,000-step chain is thousands of states deep.
  const stack = [machine.StartAt];
  while (stack.length > 0) {
    const name = stack.pop()!;
    if (seen.has(name)) continue;
    seen.add(name);
    order.push(name);
    const s = machine.States[name]!;
    // The happy path first: Next, then Default, then the rules and catchers.
    const next: string[] = [];
    if ('Next' in s && s.Next) next.push(s.Next);
    if (s.Type === 'Choice') next.push(...(s.Default ? [s.Default] : []), ...s.Choices.map((c) => c.Next));
    if ('Catch' in s) next.push(...(s.Catch ?? []).map((c) => c.Next));
    stack.push(...next.reverse());
  }
  const states: Record<string, State> = {};
  for (const name of order) {
    const s = machine.States[name]!;
    states[name] = s.Type === 'Parallel' ? { ...s, Branches: s.Branches.map(inExecutionOrder) } : s;
  }
  return { ...machine, States: states };
}

/** Renders an ASL definition (or any part of one) deterministically: indented, or compact with `indent` 0. */
export function renderAsl(definition: unknown, indent = 2): string {
  return indent === 0
    ? JSON.stringify(ordered(definition as Json))
    : `${JSON.stringify(ordered(definition as Json), null, indent)}\n`;
}
