/**
 * What every part of the compiler shares while compiling one pipeline: the target,
 * the state-name registry, each instance with its need keys, the gate plan and the
 * diagnostics collected so far.
 */
import type { Json } from '../asl/types.ts';
import type { StateNames } from '../asl/names.ts';
import type { Diagnostic } from '../diagnostics.ts';
import type { Pipeline, StepInstance } from '../pipeline/model.ts';
import { member, type RecordPaths } from './context.ts';
import { formatEscape, type TemplateScope } from './templates.ts';
import { CONTEXT } from './run-context.ts';
import { gatePath, type Visibility } from './visibility.ts';

/** Names of the deployed resources the definition refers to. */
export interface CompileTarget {
  /** @default 'sci-runs' */
  tableName: string;
  /** @default 'sci-steps' */
  buildProject: string;
  /** @default 'sci-artifacts' */
  artifactBucket: string;
  /**
   * Where the definition runs: on `aws`, a `local` rollout target (served by `sci run` alone) is
   * a diagnostic rather than a definition Step Functions would refuse.
   * @default 'local'
   */
  engine?: 'aws' | 'local';
}

export const DEFAULT_TARGET: CompileTarget = {
  tableName: 'sci-runs',
  buildProject: 'sci-steps',
  artifactBucket: 'sci-artifacts',
  engine: 'local',
};

export interface InstanceInfo {
  inst: StepInstance;
  key: string;
  /** Direct needs as instance keys, in need order. */
  needKeys: string[];
  /** Position in the plan. */
  order: number;
}

export interface Scope {
  pipeline: Pipeline;
  target: CompileTarget;
  names: StateNames;
  byKey: Map<string, InstanceInfo>;
  /** Gated step key → needs it waits for through its gate. */
  gates: Map<string, string[]>;
  /** Need key → gated steps it must signal after its final status write. */
  signals: Map<string, string[]>;
  /** Upper bound of a whole run, in seconds: the timeout of a gate. */
  runBound: number;
  /** Called pipelines by id, when known: their declared inputs complete the child input. */
  callees: ReadonlyMap<string, Pipeline>;
  /** Where each step can read the records of the steps before it. */
  visible: Visibility;
  /** Bytes one step output may hold in this pipeline (outputs.ts). */
  outputLimit: number;
  diagnostics: Diagnostic[];
}

/** How step `key` finds the record of step `name` (a plain step: its key is its instance key). */
export function recordPaths(scope: Scope, key: string): RecordPaths {
  return (name) => {
    const source = [...scope.byKey.values()].find(
      (i) => i.inst.step.name === name && Object.keys(i.inst.matrix).length === 0,
    );
    if (source) return scope.visible.path(key, source.key);
    return scope.pipeline.released?.[name] ? `$.run.released${member(name)}` : undefined;
  };
}

/** The scope `${{ }}` templates of step `info` compile in. */
export function templateScope(scope: Scope, info: InstanceInfo, outputVars?: Map<string, string>): TemplateScope {
  return {
    pipeline: scope.pipeline,
    matrix: info.inst.matrix,
    records: recordPaths(scope, info.key),
    ...(outputVars ? { outputVars } : {}),
  };
}

/** The run's partition key in DynamoDB (`RUN#<id>`), computed once in the run context. */
export const RUN_PK: Record<string, Json> = { 'S.$': `${CONTEXT}.pk` };

/** A DynamoDB `Key` parameter for an item of this run. */
export function itemKey(sk: string): Record<string, Json> {
  return { pk: RUN_PK, sk: { S: sk } };
}

/** A DynamoDB `Key` parameter for the item of this run whose sort key is `prefix` then the value at `path`. */
export function itemKeyAt(prefix: string, path: string): Record<string, Json> {
  return { pk: RUN_PK, sk: { 'S.$': `States.Format('${formatEscape(prefix)}{}', ${path})` } };
}

/** Where the terminal status (and upstream-failure chain) of need `need` is, as seen by step `from`. */
export function needPath(scope: Scope, from: string, need: string, field: 'status' | 'chain'): string {
  const gated = scope.gates.get(from);
  return `${gated?.includes(need) ? gatePath(from, gated, need) : `$.steps.${need}`}.${field}`;
}

/** A terminal status as the state sees it (`cancelled` when the write found the run cancelled). */
export type FinalStatus = 'succeeded' | 'failed' | 'skipped' | 'cancelled';

/**
 * Where to go next. `name()` is a state to enter (materialised on first use); `route` lets the
 * step just before pick the target itself from its own final status, sparing the next step its
 * check Choice (one transition per step on chains); undefined when that step cannot be routed.
 */
export interface Entry {
  name(): string;
  route?: (fromKey: string, status: FinalStatus) => string | undefined;
  /**
   * Where the carry Pass of step `fromKey` goes on a redrive (it succeeded before), when that can be
   * leaner than `name()`: the step's check keeps only its own carry rule (step.ts `checkEntry`).
   */
  carried?: (fromKey: string) => string | undefined;
  /** Makes the states a predecessor's carry leads through (layout.ts materialises a sequence last item first). */
  warm?: () => void;
}

/** An entry that is simply a state. */
export function stateEntry(name: string): Entry {
  return { name: () => name };
}
