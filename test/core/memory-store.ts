/**
 * A RunStore double for core unit tests, with the contract's forward-only transitions.
 * The real store (DynamoDB/dynalite) has its own tests; this keeps the core's tests about the core.
 */
import type { RunRecord, RunStore, StepRecord } from '../../src/core/ports.ts';

const RUN_RANK: Record<string, number> = { queued: 0, running: 1, succeeded: 2, failed: 2, cancelled: 2 };
const STEP_RANK: Record<string, number> = { pending: 0, waiting: 1, running: 1, succeeded: 2, failed: 2, skipped: 2, cancelled: 2 };

export class MemoryRunStore implements RunStore {
  readonly runs = new Map<string, RunRecord>();
  readonly steps = new Map<string, StepRecord[]>();
  readonly deliveries = new Set<string>();
  readonly tokens = new Map<string, string>();

  async createRun(run: RunRecord, steps: StepRecord[]) {
    if (this.runs.has(run.id)) return false;
    this.runs.set(run.id, structuredClone(run));
    this.steps.set(run.id, structuredClone(steps));
    return true;
  }
  async getRun(runId: string) {
    const run = this.runs.get(runId);
    return run && { run: structuredClone(run), steps: structuredClone(this.steps.get(runId) ?? []) };
  }
  async listRuns(q: { repo?: string; pipeline?: string; limit?: number }) {
    return [...this.runs.values()]
      .filter((r) => (!q.repo || r.repo === q.repo) && (!q.pipeline || r.pipeline === q.pipeline))
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id))
      .slice(0, q.limit ?? 100);
  }
  async listPipelines() {
    const keys = new Map([...this.runs.values()].map((r) => [`${r.repo}#${r.pipeline}`, r]));
    return Promise.all([...keys.values()].map(async ({ repo, pipeline }) => {
      const recent = await this.listRuns({ repo, pipeline, limit: 5 });
      return { repo, pipeline, lastRunAt: recent[0]!.createdAt, recent };
    }));
  }
  async pageRuns(q: { repo: string; pipeline: string; limit: number; after?: string; filter?: Partial<Pick<RunRecord, 'branch' | 'status' | 'event'>> }) {
    const all = (await this.listRuns({ repo: q.repo, pipeline: q.pipeline, limit: Infinity }))
      .filter((r) => Object.entries(q.filter ?? {}).every(([k, v]) => v === undefined || r[k as 'branch'] === v));
    const from = q.after ? all.findIndex((r) => r.id === q.after) + 1 : 0;
    const runs = all.slice(from, from + q.limit);
    return { runs, ...(from + q.limit < all.length ? { next: runs.at(-1)!.id } : {}) };
  }
  async transitionRun(runId: string, to: RunRecord['status'], fields: Partial<RunRecord> = {}) {
    const run = this.runs.get(runId);
    if (!run || (RUN_RANK[to] ?? 0) <= (RUN_RANK[run.status] ?? 0)) return false;
    Object.assign(run, fields, { status: to });
    return true;
  }
  async transitionStep(runId: string, key: string, to: StepRecord['status'], fields: { startedAt?: string; endedAt?: string; reason?: string; incrementAttempts?: boolean } = {}) {
    const step = this.steps.get(runId)?.find((s) => s.key === key);
    if (!step || (STEP_RANK[to] ?? 0) <= (STEP_RANK[step.status] ?? 0)) return false;
    const { incrementAttempts, ...rest } = fields;
    Object.assign(step, rest, { status: to, attempts: step.attempts + (incrementAttempts ? 1 : 0) });
    return true;
  }
  async recordDelivery(hookId: string, guid: string) {
    const key = `${hookId}#${guid}`;
    if (this.deliveries.has(key)) return false;
    this.deliveries.add(key);
    return true;
  }
  async getApprovalToken(runId: string, key: string) {
    return this.tokens.get(`${runId}#${key}`);
  }
  async listSteps(runId: string) {
    return structuredClone(this.steps.get(runId) ?? []);
  }
  async recordApprovalDecision(runId: string, key: string): Promise<string> {
    const token = this.tokens.get(`${runId}#${key}`);
    if (!token) throw Object.assign(new Error(`step ${key} is not waiting`), { name: 'ApprovalNotWaitingError' });
    return token;
  }
  async findRunsInGroup(repo: string, group: string) {
    return (await this.listRuns({ repo })).filter((r) => r.concurrencyGroup === group && (r.status === 'queued' || r.status === 'running'));
  }
  async listActiveRuns() {
    return (await this.listRuns({})).filter((r) => r.status === 'queued' || r.status === 'running');
  }
  async markAbandoned(runId: string, reason: string) {
    return this.transitionRun(runId, 'failed', { reason });
  }
  async setRunExecution(runId: string, executionArn: string) {
    const run = this.runs.get(runId);
    if (!run || (run.executionArn && run.executionArn !== executionArn)) return false;
    run.executionArn = executionArn;
    return true;
  }
}
