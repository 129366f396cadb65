/** The step records a new run starts with: one `pending` record per compiled step instance, with its graph edges. */
import type { StepRecord } from './ports.ts';

/** What a compiled pipeline says of each step instance (`CompiledStep` satisfies it). */
export interface PlannedStep {
  key: string;
  name: string;
  kind: StepRecord['kind'];
  order: number;
  needs?: string[];
  group?: string;
  compute?: StepRecord['compute'];
}

export function pendingStepRecords(runId: string, steps: readonly PlannedStep[]): StepRecord[] {
  return steps.map((s) => ({
    runId,
    key: s.key,
    name: s.name,
    kind: s.kind,
    order: s.order,
    status: 'pending',
    attempts: 0,
    ...(s.needs ? { needs: s.needs } : {}),
    ...(s.group ? { group: s.group } : {}),
    ...(s.compute ? { compute: s.compute } : {}),
  }));
}
