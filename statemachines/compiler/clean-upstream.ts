/**
 * Steps that run only when every step before them has succeeded: no step they need, directly or
 * not, may fail without failing the run (`allow_failure`), and each of them, this one included,
 * runs only when its needs succeeded (an `if:` that requires `success()`, as the default does).
 * Such a step's chain (status.ts, `upstreamChain`) is `succeeded` whenever it runs, so its build
 * and its success write state the constant instead of computing it from its needs' chains.
 */
import type { Expr } from '../pipeline/model.ts';
import { STATUS_FUNCTIONS, walkExpr } from '../pipeline/expressions.ts';
import type { InstanceInfo } from './scope.ts';

/** The keys of such steps; `byKey` in plan order (needs first). */
export function cleanUpstream(byKey: ReadonlyMap<string, InstanceInfo>): Set<string> {
  const clean = new Set<string>();
  for (const { key, inst, needKeys } of byKey.values()) {
    const needsClean = needKeys.every((n) => clean.has(n) && !byKey.get(n)!.inst.step.allowFailure);
    if (needKeys.length === 0 || (requiresSuccess(inst.step.if) && needsClean)) clean.add(key);
  }
  return clean;
}

/** True when `expr` can hold only if `success()` does (one with no status function implies it). */
function requiresSuccess(expr: Expr): boolean {
  const usesStatus = [...walkExpr(expr)].some((e) => e.kind === 'call' && STATUS_FUNCTIONS.has(e.name));
  return !usesStatus || conjoinsSuccess(expr);
}

function conjoinsSuccess(expr: Expr): boolean {
  if (expr.kind === 'call') return expr.name === 'success';
  return expr.kind === 'binary' && expr.op === '&&' && (conjoinsSuccess(expr.left) || conjoinsSuccess(expr.right));
}
