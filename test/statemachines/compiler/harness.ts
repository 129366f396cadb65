/**
 * The compiler tests' shared set-up: a pipeline text compiled (failing the test on a diagnostic),
 * and its definition executed in aws-local-stepfunctions with an in-memory emulation of
 * every task resource the compiler uses: DynamoDB update/get with the exact condition and
 * ADD/SET/REMOVE semantics of our expressions, task tokens released by sendTaskSuccess,
 * and stubbed builds/approvals/child executions supplied by the test; then readers of the outcome.
 */
import '../../../local/polyfills.ts';
import assert from 'node:assert/strict';
import { StateMachine } from 'aws-local-stepfunctions';
import {
  compilePipeline,
  type CompiledPipeline,
  type CompileOptions,
  type CompileTarget,
} from '../../../statemachines/compiler/compile.ts';
import type { Pipeline, StepInstance } from '../../../statemachines/pipeline/model.ts';
import { parsePipeline } from '../../../statemachines/pipeline/parse.ts';
import { planSteps } from '../../../statemachines/pipeline/plan.ts';
import { buildIsolation, type RunFacts } from '../../../src/core/run-facts.ts';
import { RESOURCES, type State, type StateMachine as Asl } from '../../../statemachines/asl/types.ts';
import { onBuildState, type BuildStateDetail } from '../../../src/core/report.ts';
import type { RunStore, StepTransitionFields } from '../../../src/core/ports.ts';
import { stepMayMove } from '../../../statemachines/lifecycle.ts';
import type { StepStatus } from '../../../statemachines/pipeline/model.ts';

/** `text` parsed and planned; a diagnostic fails the test. */
export function plan(text: string, file = '.sci/test.yml'): { pipeline: Pipeline; instances: StepInstance[] } {
  const parsed = parsePipeline(file, text);
  assert.ok(parsed.ok, JSON.stringify(!parsed.ok && parsed.diagnostics));
  const planned = planSteps(parsed.value);
  assert.ok(planned.ok, JSON.stringify(!planned.ok && planned.diagnostics));
  return { pipeline: parsed.value, instances: planned.value };
}

/** `text` parsed, planned and compiled (what compileSource does, with compile options); a diagnostic fails the test. */
export function compile(
  text: string,
  { file, target, ...options }: CompileOptions & { file?: string; target?: Partial<CompileTarget> } = {},
): CompiledPipeline {
  const { pipeline, instances } = plan(text, file);
  const r = compilePipeline(pipeline, instances, target, options);
  assert.ok(r.ok, JSON.stringify(!r.ok && r.diagnostics));
  return r.value;
}

type Attr = { S: string } | { N: string } | { M: Record<string, Attr> } | { BOOL: boolean };
type Item = Record<string, Attr>;

export interface StepCall {
  key: string;
  /** The effective task input (Parameters after path resolution). */
  input: Record<string, unknown>;
}

export interface Stubs {
  /** A build: resolve to succeed (with its exported variables, if any), throw (error `name`) to fail. */
  // biome-ignore lint/suspicious/noConfusingVoidType: a stub that returns nothing is a build that exports nothing
  build?: (call: StepCall) => Promise<void | Array<{ Name: string; Value: string }>>;
  /** An approval: resolve true to approve, false to reject. */
  approval?: (call: StepCall) => Promise<boolean>;
  /** A child execution: resolve to succeed, throw to fail. */
  execution?: (call: StepCall) => Promise<void>;
  /** Any other resource (a rollout's calls on its target): the service's answer, or throw its error. */
  service?: (resource: string, input: Record<string, any>) => Promise<unknown>;
}

export interface Trace {
  /** When each step's task (build/approval/call) or skip write began, ms since start. */
  started: Map<string, number>;
  /** When each step's terminal status write ran. */
  ended: Map<string, number>;
  /** Every StateEntered, in order. */
  entered: string[];
}

export interface Outcome {
  status: 'SUCCEEDED' | 'FAILED';
  error?: string;
  output?: unknown;
  items: Map<string, Item>;
  trace: Trace;
  /** A failed execution's unsuccessful state (a top-level state that failed) and its input: where a redrive resumes. */
  failedAt?: { state: string; input: unknown };
}

/**
 * What the execution runs as: a Step Functions redrive of an execution that failed is emulated as
 * AWS defines it (docs/dashboard.md, "Redrive"): it resumes at the unsuccessful state with that
 * state's input, the same definition and the run's table, with `$$.Execution.RedriveCount` one more.
 */
export interface Attempt {
  /** The items the table holds when the execution starts (a redrive: the attempt's, as they were left). */
  items?: Map<string, Item>;
  /** @default 0 */
  redriveCount?: number;
  /** @default the definition's StartAt */
  startAt?: string;
  /**
   * The parts of a split pipeline by id (CompiledPipeline.parts): a call of one runs it, on the
   * same table, tokens and trace, as a child execution (RedriveCount 0, as a new execution has).
   */
  parts?: ReadonlyMap<string, Asl>;
}

/** What a part's execution shares with the execution that started it. */
interface Shared {
  tokens: Map<string, { resolve: (v: unknown) => void; reject: (e: Error) => void }>;
  trace: Trace;
  now: () => number;
  nextToken: () => number;
}

class TaskError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

const str = (a: Attr | undefined): string | undefined => (a && 'S' in a ? a.S : undefined);

/** Resolves `#name` placeholders (a bare name is itself). */
const attrName = (token: string, names: Record<string, string>): string => names[token] ?? token;

/** Applies `SET a = :v, b = if_not_exists(b, :v), … ADD n :v REMOVE r` to an item (the forms the compiler emits). */
function applyUpdate(
  item: Item,
  expression: string,
  names: Record<string, string>,
  values: Record<string, Attr>,
): Item {
  const out: Item = { ...item };
  const kept = (name: string, fallback: string) => {
    const current = item[attrName(name, names)];
    const token = `:kept_${name.slice(1)}`;
    values[token] = current ?? values[fallback]!;
    return token;
  };
  const expr = expression.replace(/if_not_exists\((#?\w+), (:\w+)\)/g, (_m, name: string, fallback: string) =>
    kept(name, fallback),
  );
  for (const clause of expr.split(/\s+(?=SET |ADD |REMOVE )/)) {
    const [verb, ...rest] = clause.trim().split(/\s+/);
    const body = rest.join(' ');
    for (const part of body.split(',').map((p) => p.trim())) {
      if (verb === 'SET') {
        const [name, value] = part.split('=').map((p) => p.trim());
        out[attrName(name!, names)] = values[value!]!;
      } else if (verb === 'ADD') {
        const [name, value] = part.split(/\s+/);
        const key = attrName(name!, names);
        const prev = Number((out[key] as { N?: string } | undefined)?.N ?? '0');
        out[key] = { N: String(prev + Number((values[value!] as { N: string }).N)) };
      } else if (verb === 'REMOVE') {
        delete out[attrName(part, names)];
      }
    }
  }
  return out;
}

/** Evaluates the condition expressions the compiler emits: terms joined by OR. */
function conditionHolds(
  item: Item | undefined,
  expr: string | undefined,
  names: Record<string, string>,
  values: Record<string, Attr>,
): boolean {
  if (!expr) return true;
  const attr = (token: string) => item?.[attrName(token, names)];
  const num = (a: Attr | undefined) => Number((a as { N?: string } | undefined)?.N);
  return expr.split(' OR ').some((term) => {
    let m = /^attribute_not_exists\((#?\w+)\)$/.exec(term);
    if (m) return attr(m[1]!) === undefined;
    m = /^(#?\w+) IN \(([^)]*)\)$/.exec(term);
    if (m) return m[2]!.split(',').some((p) => str(values[p.trim()]) === str(attr(m![1]!)));
    m = /^contains\((#?\w+), (:\w+)\)$/.exec(term);
    if (m) return str(attr(m[1]!))?.includes(str(values[m[2]!]) ?? '') ?? false;
    m = /^(#?\w+) = (:\w+)$/.exec(term);
    if (m) return str(attr(m[1]!)) === str(values[m[2]!]);
    m = /^(#?\w+) < (:\w+)$/.exec(term);
    if (m) return attr(m[1]!) !== undefined && num(attr(m[1]!)) < num(values[m[2]!]);
    throw new Error(`harness: unsupported condition ${term}`);
  });
}

function allTasks(machine: Asl): Array<[string, Extract<State, { Type: 'Task' }>]> {
  return Object.entries(machine.States).flatMap(([name, s]): Array<[string, Extract<State, { Type: 'Task' }>]> => {
    if (s.Type === 'Task') return [[name, s]];
    if (s.Type === 'Parallel') return s.Branches.flatMap(allTasks);
    if (s.Type === 'Map') return allTasks(s.ItemProcessor);
    return [];
  });
}

/** Wait states: a rollout's bake times pass at once in tests. */
function waitOverrides(machine: Asl): Record<string, number> {
  return Object.fromEntries(
    Object.entries(machine.States).flatMap(([name, s]): Array<[string, number]> => {
      if (s.Type === 'Wait') return [[name, 0]];
      if (s.Type === 'Parallel') return s.Branches.flatMap((b) => Object.entries(waitOverrides(b)));
      return [];
    }),
  );
}

/** CodeBuild's "Build State Change" event of a build that succeeded, with the build's environment. */
function succeededEvent(p: Record<string, unknown>): BuildStateDetail {
  const vars = (p.EnvironmentVariablesOverride as Array<{ Name: string; Value: string }> | undefined) ?? [];
  return {
    'build-status': 'SUCCEEDED',
    'additional-information': {
      environment: { 'environment-variables': vars.map((v) => ({ name: v.Name, value: v.Value })) },
    },
  };
}

/** Runs `definition` for `input`; `steps` are the compiled steps (their items start `pending` unless `precreate` is false). */
export async function execute(
  definition: Asl,
  input: unknown,
  steps: Array<{ key: string; name: string }>,
  stubs: Stubs,
  options: { precreate: boolean } & Attempt = { precreate: true },
  shared?: Shared,
): Promise<Outcome> {
  const items = options.items ?? new Map<string, Item>();
  const keyOf = (k: { pk: Attr; sk: Attr }) => `${str(k.pk)}|${str(k.sk)}`;
  const runId = (input as { run: { id: string } }).run.id;
  if (options.precreate) for (const s of steps) items.set(`RUN#${runId}|STEP#${s.key}`, { status: { S: 'pending' } });
  const byName = new Map(steps.map((s) => [s.name, s.key]));
  let tokenSeq = 0;
  const t0 = performance.now();
  const { tokens, trace, now, nextToken }: Shared = shared ?? {
    tokens: new Map(),
    trace: { started: new Map(), ended: new Map(), entered: [] },
    now: () => performance.now() - t0,
    nextToken: () => ++tokenSeq,
  };

  const stepOf = (p: Record<string, unknown>): string => {
    const vars = (p.EnvironmentVariablesOverride as Array<{ Name: string; Value: string }> | undefined) ?? [];
    const key = vars.find((v) => v.Name === 'SCI_STEP_KEY')?.Value;
    if (key !== undefined) return key;
    const named = vars.find((v) => v.Name === 'SCI_STEP')?.Value;
    if (named !== undefined) return byName.get(named)!;
    return str((p.Key as { sk: Attr }).sk)!.replace(/^STEP#/, '');
  };

  // What the reporter's store does with a build's success event (src/core/report.ts onBuildState): a
  // conditional transition of an existing item, never backwards.
  const buildEvents = {
    transitionStep: async (run: string, key: string, to: StepStatus, fields: StepTransitionFields = {}) => {
      const item = items.get(`RUN#${run}|STEP#${key}`);
      const from = str(item?.status) as StepStatus | undefined;
      if (!item || !from || !stepMayMove(from, to)) return false;
      item.status = { S: to };
      if (fields.endedAt) item.endedAt = { S: fields.endedAt };
      trace.ended.set(key, now());
      return true;
    },
  } as unknown as RunStore;

  const update = (
    p: Record<string, any>,
    prefix: 'DynamoDB' | 'DynamoDb',
  ): { before: Item | undefined; after: Item } => {
    const id = keyOf(p.Key);
    const before = items.get(id);
    const values = structuredClone(p.ExpressionAttributeValues ?? {}) as Record<string, Attr>;
    for (const v of Object.values(values)) if ('S' in v && v.S === '$$SCI_NOW') v.S = new Date().toISOString();
    if (!conditionHolds(before, p.ConditionExpression, p.ExpressionAttributeNames ?? {}, values)) {
      throw new TaskError(`${prefix}.ConditionalCheckFailedException`, 'The conditional request failed');
    }
    const after = applyUpdate(before ?? {}, p.UpdateExpression, p.ExpressionAttributeNames ?? {}, values);
    items.set(id, after);
    return { before, after };
  };

  const handlers: Record<string, (input: any) => Promise<any>> = {};
  for (const [name, task] of allTasks(definition)) {
    handlers[name] = async (p: Record<string, any>) => {
      switch (task.Resource) {
        case RESOURCES.startBuild: {
          const key = stepOf(p);
          trace.started.set(key, now());
          const exported = await (stubs.build ?? (async () => {}))({ key, input: p });
          await onBuildState({ store: buildEvents, clock: { now: () => new Date() } }, succeededEvent(p));
          return { Build: { BuildStatus: 'SUCCEEDED', ExportedEnvironmentVariables: exported ?? [] } };
        }
        case RESOURCES.startExecution: {
          const part = options.parts?.get(p.Input.part);
          if (part) {
            const ran = await execute(
              part,
              p.Input,
              steps,
              stubs,
              { precreate: false, items, parts: options.parts! },
              { tokens, trace, now, nextToken },
            );
            if (ran.status === 'FAILED') throw new TaskError('States.TaskFailed', `part ${p.Input.part}: ${ran.error}`);
            return { Output: ran.output };
          }
          const stepKey = (p.Input.run.id as string).slice(runId.length + 1);
          trace.started.set(stepKey, now());
          await (stubs.execution ?? (async () => {}))({ key: stepKey, input: p });
          return { Output: {} };
        }
        case RESOURCES.updateItem: {
          const sk = str(p.Key.sk)!;
          if (sk.startsWith('STEP#') && p.ExpressionAttributeValues[':s']?.S === 'skipped')
            trace.started.set(sk.slice(5), now());
          const { before, after } = update(p, 'DynamoDB');
          if (sk.startsWith('STEP#')) trace.ended.set(sk.slice(5), now());
          const changed = Object.fromEntries(
            Object.entries(after).filter(([k, v]) => JSON.stringify(before?.[k]) !== JSON.stringify(v)),
          );
          return {
            Attributes: p.ReturnValues === 'ALL_NEW' ? after : p.ReturnValues === 'ALL_OLD' ? (before ?? {}) : changed,
          };
        }
        case RESOURCES.getItem:
          return { Item: items.get(keyOf(p.Key)) ?? {} };
        case RESOURCES.updateItemWaitForToken: {
          const token = `token-${nextToken()}`;
          p.ExpressionAttributeValues[':token'] = { S: token };
          const sk = str(p.Key.sk)!;
          const approvalKey = sk.startsWith('STEP#') ? sk.slice(5) : undefined;
          if (approvalKey) trace.started.set(approvalKey, now());
          update(p, 'DynamoDb');
          const waiting = new Promise((resolve, reject) => tokens.set(token, { resolve, reject }));
          if (approvalKey) {
            const approve = await (stubs.approval ?? (async () => true))({ key: approvalKey, input: p });
            if (approve) tokens.get(token)!.resolve({ approved: true });
            else tokens.get(token)!.reject(new TaskError('sci.Rejected', 'rejected'));
          }
          return waiting;
        }
        case RESOURCES.sendTaskSuccess: {
          const waiter = tokens.get(p.TaskToken);
          if (!waiter) throw new TaskError('Sfn.TaskDoesNotExistException', 'unknown token');
          tokens.delete(p.TaskToken);
          waiter.resolve(JSON.parse(p.Output));
          return {};
        }
        default:
          if (stubs.service) return stubs.service(task.Resource, p);
          throw new Error(`harness: no emulation for ${task.Resource}`);
      }
    };
  }

  const machine = new StateMachine({ ...definition, StartAt: options.startAt ?? definition.StartAt } as never, {
    validationOptions: { noValidate: true },
  });
  const execution = machine.run(
    input as never,
    {
      overrides: {
        taskResourceLocalHandlers: handlers,
        retryIntervalOverrides: retryOverrides(definition),
        waitTimeOverrides: waitOverrides(definition),
      },
      context: {
        Task: { Token: '$$SCI_TASK_TOKEN' },
        State: { EnteredTime: '$$SCI_NOW' },
        Execution: { Id: 'local', RedriveCount: options.redriveCount ?? 0 },
      },
    } as never,
  );
  let failedAt: Outcome['failedAt'];
  const collect = (async () => {
    for await (const e of execution.eventLogs) {
      if (e.type === 'StateEntered') trace.entered.push(e.state.name);
      if (e.type === 'StateFailed' && e.state.name in definition.States)
        failedAt = { state: e.state.name, input: e.state.input };
    }
  })();
  try {
    const output = await execution.result;
    await collect;
    return { status: 'SUCCEEDED', output, items, trace };
  } catch (error) {
    await collect.catch(() => {});
    const cause = (error as { cause?: { name?: string } }).cause;
    return { status: 'FAILED', error: cause?.name ?? String(error), items, trace, ...(failedAt ? { failedAt } : {}) };
  }
}

/** Retries wait 0 ms in tests. */
function retryOverrides(machine: Asl): Record<string, number> {
  return Object.fromEntries(
    allTasks(machine)
      .filter(([, t]) => t.Retry)
      .map(([n]) => [n, 0]),
  );
}

/** The build roles the harness's inputs name (the dispatcher's come from the stack). */
export const TEST_BUILD_ROLES = {
  trusted: 'arn:aws:iam::123456789012:role/sci-steps',
  untrusted: 'arn:aws:iam::123456789012:role/sci-untrusted-steps',
};

/**
 * A complete execution input (docs/architecture.md) with overridable run fields; `run.builds`
 * follows from the facts as the dispatcher decides it (src/core/run-facts.ts) unless given.
 */
export function runInput(run: Record<string, unknown> = {}): {
  run: Record<string, unknown>;
  steps: Record<string, never>;
} {
  const merged: Record<string, unknown> = {
    id: 'r1',
    pipeline: 'ci',
    repo: 'o/r',
    repoUrl: 'https://github.com/o/r.git',
    sha: 'a'.repeat(40),
    ref: 'refs/heads/main',
    branch: 'main',
    tag: '',
    event: 'push',
    actor: 'octocat',
    pr: { number: 0, base: '', fork: false },
    inputs: {},
    callees: {},
    ...run,
  };
  const { untrusted, ...fields } = merged;
  return {
    run: {
      builds: buildIsolation({ ...(fields as unknown as RunFacts), untrusted: untrusted === true }, TEST_BUILD_ROLES),
      ...fields,
    },
    steps: {},
  };
}

/** s0 declares an output; s1…s7 each need the step before; s7 reads s0's output (across parts, when split). */
export const OUTPUT_READER = `steps:
  s0: { outputs: [v], run: make }
${Array.from({ length: 6 }, (_, i) => `  s${i + 1}: { needs: [s${i}], run: echo s${i + 1} }`).join('\n')}
  s7: { needs: [s6], run: 'echo \${{ steps.s0.outputs.v }}' }
`;

/**
 * How a split pipeline runs: its parts' machines by id (a call of one runs it as a child execution,
 * `Attempt.parts`) and an execution input naming each in `run.callees`, as the dispatcher deploys them.
 */
export function splitRun(pipeline: CompiledPipeline): { input: ReturnType<typeof runInput>; parts: Map<string, Asl> } {
  return {
    input: runInput({
      callees: Object.fromEntries(pipeline.parts.map((p) => [p.id, `arn:aws:states:::stateMachine:${p.id}`])),
    }),
    parts: new Map(pipeline.parts.map((p) => [p.id, p.definition])),
  };
}

/** A step's item in the table (run `r1`, runInput's, unless named). */
export function stepItem(o: Outcome, key: string, run = 'r1'): Item | undefined {
  return o.items.get(`RUN#${run}|STEP#${key}`);
}

/** A step's status and the reason recorded with it. */
export function stepStatus(
  o: Outcome,
  key: string,
  run = 'r1',
): { status: string | undefined; reason: string | undefined } {
  const item = stepItem(o, key, run);
  return { status: str(item?.status), reason: str(item?.reason) };
}

/** A step's status. */
export const statusOf = (o: Outcome, key: string, run = 'r1'): string | undefined => stepStatus(o, key, run).status;

/** A build call's environment variables, by name. */
export function envOf(call: StepCall): Record<string, string> {
  const vars = call.input.EnvironmentVariablesOverride as Array<{ Name: string; Value: string }>;
  return Object.fromEntries(vars.map((v) => [v.Name, v.Value]));
}
