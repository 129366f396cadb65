/**
 * How soon V8 optimizes a function, for a `sci` process. V8 hands a function to its optimizing compiler
 * (TurboFan, on background threads whose CPU the command pays) once it has run a small budget of bytecode;
 * most of a command's JavaScript (the AWS SDK's request path, dynalite's parsers, the interpreter's states)
 * runs a few hundred times and ends before the optimized code pays back. Ten times V8's budget leaves that
 * code to the interpreter and the baseline compiler and still optimizes what runs hot in a long `sci serve`
 * or a large run: a 10-step `sci run` takes about a fifth less CPU, `sci runs` a tenth
 * (docs/benchmarks.md, "CPU per `sci run` and per local step").
 */
import { setFlagsFromString } from 'node:v8';

/** V8's default `--interrupt-budget` (V8 11.3, Node 20; 66 KB of bytecode), times ten. */
const INTERRUPT_BUDGET = 67_584 * 10;

/** Raises the budget for the functions V8 tiers up from now on (set before a command's modules load). */
export function optimizeOnlyHotCode(): void {
  setFlagsFromString(`--interrupt-budget=${INTERRUPT_BUDGET}`);
}
