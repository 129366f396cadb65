/**
 * Keeps EventBridge Scheduler in step with the `on.schedule` entries on the default branch:
 * one schedule per pipeline + cron, created/updated/deleted to match the files.
 */
import type { Pipeline } from '../../statemachines/pipeline/model.ts';
import type { ScheduleSpec, Scheduler } from './ports.ts';

/** 5-field cron (0 or 7 = Sunday) → EventBridge `cron()` (1 = Sunday, `?` in one day field). */
export function toEventBridgeCron(cron: string): string {
  const [minute, hour, dom, month, dow] = cron.trim().split(/\s+/);
  if (!minute || !hour || !dom || !month || !dow) throw new Error(`not a 5-field cron: ${cron}`);
  if (dom !== '*' && dow !== '*')
    throw new Error(`cron ${cron}: EventBridge cannot combine day-of-month and day-of-week`);
  // EventBridge wants a start value before `/`: minutes and hours count from 0, days and months from 1.
  const step = (field: string, first: string) => field.replace(/^\*\//, `${first}/`);
  const day = (n: string) => (/^\d+$/.test(n) ? String((Number(n) % 7) + 1) : n);
  const awsDow =
    dow === '*'
      ? '?'
      : dow
          .split(',')
          .map((item) =>
            item.replace(/^([^/-]+)(?:-([^/]+))?/, (_, a: string, b?: string) => (b ? `${day(a)}-${day(b)}` : day(a))),
          )
          .join(',');
  return `cron(${step(minute, '0')} ${step(hour, '0')} ${dow === '*' ? step(dom, '1') : '?'} ${step(month, '1')} ${awsDow} *)`;
}

/** The schedules the pipelines ask for, and the crons EventBridge cannot express (`file:line:col: …`). */
export function desiredSchedules(
  repo: string,
  defaultBranch: string,
  pipelines: Pipeline[],
  nameOf: (pipelineId: string, cron: string) => string,
): { schedules: ScheduleSpec[]; problems: string[] } {
  const schedules: ScheduleSpec[] = [];
  const problems: string[] = [];
  for (const p of pipelines) {
    for (const s of p.triggers.schedule ?? []) {
      try {
        schedules.push({
          name: nameOf(p.id, s.cron),
          expression: toEventBridgeCron(s.cron),
          target: { repo, pipeline: p.id, branch: s.branch ?? defaultBranch, cron: s.cron },
        });
      } catch (error) {
        problems.push(
          `${s.span.file}:${s.span.line}:${s.span.col}: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    }
  }
  return { schedules, problems };
}

/** Upserts the desired schedules and deletes the repository's others; returns what changed. */
export async function syncSchedules(
  scheduler: Scheduler,
  prefix: string,
  desired: ScheduleSpec[],
): Promise<{ upserted: string[]; removed: string[] }> {
  const wanted = new Set(desired.map((s) => s.name));
  const stale = (await scheduler.list(prefix)).filter((name) => !wanted.has(name));
  for (const schedule of desired) await scheduler.upsert(schedule);
  for (const name of stale) await scheduler.remove(name);
  return { upserted: [...wanted].sort(), removed: stale };
}
