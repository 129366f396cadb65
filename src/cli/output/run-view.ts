/**
 * The one shape a run has in `--json` output (`sci run`, `sci show`): the user-facing contract's
 * `{ id, pipeline, status, startedAt, endedAt, steps: [...] }`, steps in plan order.
 */
import { DEFAULT_PRICE_REGION, PRICE_REGIONS, pricesFor, runCost, type PriceTable } from '../../core/cost.ts';
import type { RunRecord, RunStore, RunWithSteps, StepRecord } from '../../core/ports.ts';
import { buildConsoleUrl } from '../../aws/names.ts';
import { CliUsageError } from '../errors.ts';
import { printable } from './printable.ts';

export interface StepView {
  name: string;
  status: string;
  attempts: number;
  startedAt: string | null;
  endedAt: string | null;
  reason?: string;
  /** The step's latest build in the CodeBuild console (runs on AWS only). */
  build?: string;
}

export interface RunView {
  id: string;
  pipeline: string;
  status: string;
  startedAt: string | null;
  endedAt: string | null;
  steps: StepView[];
  /** What the run costs on AWS (locally: what it would have cost); `transitions` null when not recorded. */
  cost: { usd: number; transitions: number | null; buildSeconds: number };
  /** 1, then one more per redrive (`sci redrive`). */
  attempt: number;
}

/** 1 for a run never redriven, then one more per redrive. */
export function runAttempt(run: RunWithSteps['run']): number {
  return (run.redriveCount ?? 0) + 1;
}

/** Steps in plan order (matrix instances are separate steps). */
export function orderedSteps(steps: StepRecord[]): StepRecord[] {
  return [...steps].sort((a, b) => a.order - b.order || a.name.localeCompare(b.name));
}

export function runView({ run, steps }: RunWithSteps, prices: PriceTable = cliPrices()): RunView {
  const cost = runCost({ run, steps }, prices);
  return {
    id: run.id,
    pipeline: run.pipeline,
    status: run.status,
    startedAt: run.startedAt ?? null,
    endedAt: run.endedAt ?? null,
    steps: orderedSteps(steps).map((s) => ({
      name: s.name,
      status: s.status,
      attempts: s.attempts,
      startedAt: s.startedAt ?? null,
      endedAt: s.endedAt ?? null,
      ...(s.reason ? { reason: s.reason } : {}),
      ...withBuild(s),
    })),
    cost: { usd: cost.usd, transitions: cost.transitions, buildSeconds: cost.buildSeconds },
    attempt: runAttempt(run),
  };
}

/** `{ build: <CodeBuild console URL> }` for a step that ran on CodeBuild; `{}` locally. */
function withBuild(step: StepRecord): { build?: string } {
  const url = buildConsoleUrl(step.buildId);
  return url ? { build: url } : {};
}

/** `sci runs --json`: the view of each of `runs` (a listing) with its steps, read from `store`; a run gone meanwhile is left out. */
export async function runViews(store: RunStore, runs: RunRecord[]): Promise<RunView[]> {
  const views: RunView[] = [];
  for (const r of runs) {
    const full = await store.getRun(r.id);
    if (full) views.push(runView(full));
  }
  return views;
}

/** The prices of `SCI_COST_REGION` (default us-east-1); a region without prices is a usage error. */
export function cliPrices(region = process.env.SCI_COST_REGION?.trim() || DEFAULT_PRICE_REGION): PriceTable {
  const prices = pricesFor(region);
  if (!prices)
    throw new CliUsageError(`SCI_COST_REGION: no prices for '${region}'; known regions: ${PRICE_REGIONS.join(', ')}`);
  return prices;
}

/** `cost: ≈ $0.0123 on AWS us-east-1 (42 transitions, 95 s of builds)`. */
export function costLine(rws: RunWithSteps, prices: PriceTable = cliPrices()): string {
  const cost = runCost(rws, prices);
  const local = rws.run.executionArn?.startsWith('local:') ?? false;
  const transitions = cost.transitions === null ? 'transitions not recorded' : `${cost.transitions} transitions`;
  return `cost: ${local ? 'would be ' : ''}$${cost.usd.toFixed(4)} on AWS ${cost.region} (${transitions}, ${cost.buildSeconds} s of builds)`;
}

/** `1.2s`, `2m03s`; empty when the step never started. */
export function duration(startedAt: string | undefined, endedAt: string | undefined, now: number = Date.now()): string {
  if (!startedAt) return '';
  const ms = (endedAt ? Date.parse(endedAt) : now) - Date.parse(startedAt);
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

const MARKS: Record<string, string> = {
  pending: '·',
  running: '▶',
  waiting: '⏸',
  succeeded: '✓',
  failed: '✗',
  skipped: '-',
  cancelled: '⊘',
  queued: '·',
};

/** One step as a line: mark, name, status, duration, reason. */
export function stepLine(step: StepRecord, nameWidth: number, now?: number, spinner?: string): string {
  const mark = step.status === 'running' && spinner ? spinner : (MARKS[step.status] ?? '?');
  const time = duration(step.startedAt, step.endedAt, now);
  const tries = step.attempts > 1 ? ` (attempt ${step.attempts})` : '';
  const reason = step.reason ? `  ${printable(step.reason)}` : '';
  return `  ${mark} ${printable(step.name).padEnd(nameWidth)}  ${step.status.padEnd(9)} ${time.padStart(7)}${tries}${reason}`;
}

/** A run as a header and one line per step. */
export function runBlock(rws: RunWithSteps, now?: number, spinner?: string): string[] {
  const { run } = rws;
  const steps = orderedSteps(rws.steps);
  const width = Math.max(4, ...steps.map((s) => printable(s.name).length));
  const header = `${printable(run.pipeline)}  ${run.status}  ${duration(run.startedAt ?? run.createdAt, run.endedAt, now)}  (run ${run.id}${run.redriveCount ? `, attempt ${runAttempt(run)}` : ''})`;
  return [
    header,
    ...steps.flatMap((s) => {
      const { build } = withBuild(s);
      return [stepLine(s, width, now, spinner), ...(build ? [`      build: ${build}`] : [])];
    }),
  ];
}

/** A step by display name (`test (node=20)`) or key. */
export function findStep(steps: StepRecord[], nameOrKey: string): StepRecord | undefined {
  return steps.find((s) => s.name === nameOrKey) ?? steps.find((s) => s.key === nameOrKey);
}
