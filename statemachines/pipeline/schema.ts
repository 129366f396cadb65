/**
 * The pipeline file's shape as a zod v4 schema: the single source for validation and for
 * the JSON Schema editors use. Cross-field rules (needs, cycles, expressions, contexts)
 * live in checks.ts; this file knows only what each key may hold.
 */
import { z } from 'zod';
import { CronExpressionParser } from 'cron-parser';
import { didYouMean } from './suggest.ts';

/** `30s`, `10m`, `2h`, `1d`, or a combination in that order (`1h30m`). */
const DURATION = /^(?=\d)(?:\d+d)?(?:\d+h)?(?:\d+m)?(?:\d+s)?$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const SECRET_REF = /^(?:secretsmanager:[A-Za-z0-9/_+=.@:-]+|ssm:\/[A-Za-z0-9/_.-]+)$/;
/** CodeBuild takes a registry credential's secret by name or ARN, without a JSON key (API_RegistryCredential). */
const REGISTRY_CREDENTIALS =
  /^secretsmanager:(?:arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:)?[A-Za-z0-9/_+=.@-]+$/;
const COMPUTE_SIZES = [
  'small',
  'medium',
  'large',
  'xlarge',
  'lambda-1gb',
  'lambda-2gb',
  'lambda-4gb',
  'lambda-8gb',
  'lambda-10gb',
] as const;
const PR_TYPES = [
  'opened',
  'synchronize',
  'reopened',
  'closed',
  'edited',
  'ready_for_review',
  'converted_to_draft',
  'labeled',
  'unlabeled',
  'assigned',
  'unassigned',
  'review_requested',
  'review_request_removed',
  'locked',
  'unlocked',
] as const;

/**
 * A strict object whose unknown keys are reported with the nearest valid key. zod reports
 * all unknown keys of one object in one issue, so the message holds one line per key, in
 * the order of `keys` (parse.ts splits it back into one diagnostic per key).
 */
function strict<T extends z.core.$ZodLooseShape>(shape: T, what: string) {
  const known = Object.keys(shape);
  return z.strictObject(shape, {
    error: (issue) => {
      if (issue.code === 'unrecognized_keys')
        return issue.keys.map((k) => `unknown key '${k}'${didYouMean(k, known)}`).join('\n');
      if (issue.code === 'invalid_type') return `${what} must be a mapping`;
      return undefined;
    },
  });
}

const nonEmpty = (what: string) => z.string({ error: `${what} must be a string` }).min(1, `${what} must not be empty`);
const list = <T extends z.ZodType>(item: T, what: string) => z.array(item, { error: `${what} must be a list` });
const oneOrMany = (what: string, minItems = 1) =>
  z.union([nonEmpty(what), list(nonEmpty(what), what).min(minItems, `${what} must not be empty`)], {
    error: `${what} must be a string or a list of strings`,
  });
const scalar = z.union([z.string(), z.number(), z.boolean()], { error: 'expected a string, number or boolean' });
const duration = z
  .string({ error: 'expected a duration like 30s, 10m, 2h or 1d' })
  .regex(DURATION, 'expected a duration like 30s, 10m, 2h or 1d')
  .refine((d) => !DURATION.test(d) || /[1-9]/.test(d), 'a duration must be longer than 0s');
const compute = z.enum(COMPUTE_SIZES);
const envName = z
  .string()
  .regex(ENV_NAME, 'environment variable names are letters, digits and _, not starting with a digit');
const envMap = z.record(envName, scalar, { error: 'env must be a mapping of NAME: value' });
const globs = (what: string) => list(nonEmpty('a pattern'), what);
/**
 * A cache path is relative to the checkout, under `~/` (the build's HOME) or absolute (inside the
 * build's container), never through `..`: a cache is restored by writing into these paths.
 */
const cachePath = nonEmpty('a cache path').refine(
  (p) => !p.split('/').includes('..'),
  'a cache path must not contain .. (write it from the checkout, ~/ or /)',
);

const cron = z.string({ error: 'cron must be a string' }).superRefine((text, ctx) => {
  const fields = text.trim().split(/\s+/);
  if (fields.length !== 5) {
    ctx.addIssue({
      code: 'custom',
      message: `cron must have 5 fields (minute hour day month weekday), got ${fields.length}`,
    });
    return;
  }
  // Standard cron ORs the two day fields; EventBridge Scheduler, which runs schedules on AWS, cannot.
  if (fields[2] !== '*' && fields[4] !== '*') {
    ctx.addIssue({
      code: 'custom',
      message: 'cron may restrict the day of the month or the day of the week, not both (use * for one)',
    });
    return;
  }
  try {
    CronExpressionParser.parse(text, { tz: 'UTC' });
  } catch (error) {
    ctx.addIssue({
      code: 'custom',
      message: `invalid cron: ${error instanceof Error ? error.message : String(error)}`,
    });
  }
});

const pushTrigger = strict(
  {
    branches: globs('branches'),
    branches_ignore: globs('branches_ignore'),
    tags: globs('tags'),
    paths: globs('paths'),
    paths_ignore: globs('paths_ignore'),
  },
  'push',
).partial();
const pullRequestTrigger = strict(
  {
    branches: globs('branches'),
    types: list(z.enum(PR_TYPES), 'types').min(1),
    paths: globs('paths'),
    paths_ignore: globs('paths_ignore'),
  },
  'pull_request',
).partial();
const scheduleEntry = strict({ cron, branch: nonEmpty('branch').optional() }, 'a schedule entry');
const inputSpec = strict(
  {
    type: z.enum(['string', 'number', 'boolean', 'choice']).optional(),
    description: z.string().optional(),
    required: z.boolean().optional(),
    default: scalar.optional(),
    options: list(nonEmpty('an option'), 'options').min(1, 'options must not be empty').optional(),
  },
  'an input',
);
const manualTrigger = strict(
  {
    inputs: z
      .record(
        z.string().regex(IDENTIFIER, 'input names are letters, digits and _, not starting with a digit'),
        inputSpec,
      )
      .optional(),
  },
  'manual',
);
const pipelineTrigger = strict(
  {
    name: nonEmpty('name'),
    status: list(z.enum(['succeeded', 'failed', 'cancelled']), 'status')
      .min(1)
      .optional(),
  },
  'a pipeline trigger',
);
const triggerMap = strict(
  {
    push: pushTrigger.nullable(),
    pull_request: pullRequestTrigger.nullable(),
    schedule: list(scheduleEntry, 'schedule').min(1, 'schedule must not be empty'),
    manual: manualTrigger.nullable(),
    pipeline: z.union([pipelineTrigger, list(pipelineTrigger, 'pipeline').min(1)]),
  },
  'on',
).partial();
const eventName = z.enum(['push', 'pull_request', 'manual']);
const triggers = z.union([eventName, list(eventName, 'on').min(1), triggerMap], {
  error: 'on must be an event name, a list of event names or a mapping',
});

const retry = z.union(
  [
    z.int().min(0).max(10),
    strict(
      {
        max: z.int().min(0).max(10),
        on: list(z.enum(['failure', 'timeout']), 'on')
          .min(1)
          .optional(),
      },
      'retry',
    ),
  ],
  { error: 'retry must be a number of retries (0-10) or { max, on }' },
);

const AXIS_MESSAGE = 'matrix axes are letters, digits and _, not starting with a digit';
const axisName = z.string().regex(IDENTIFIER, AXIS_MESSAGE);
/** `include` / `exclude`: a list of non-empty `axis: value` mappings. */
const matrixEntries = (what: string) =>
  list(
    z
      .record(axisName, scalar, { error: `each ${what} entry must be a mapping of axis: value` })
      .refine((e) => Object.keys(e).length > 0, `an ${what} entry must not be empty`),
    what,
  );
/** Axes (any key but include/exclude) hold lists of values, as in GitHub Actions. */
const matrix = z
  .object(
    { include: matrixEntries('include').optional(), exclude: matrixEntries('exclude').optional() },
    { error: 'matrix must be a mapping of axis: [values]' },
  )
  .catchall(list(scalar, 'a matrix axis').min(1, 'a matrix axis needs at least one value'))
  .superRefine((m, ctx) => {
    for (const axis of Object.keys(m)) {
      // As z.record reports a bad key: positioned at the key, not its value.
      if (!IDENTIFIER.test(axis))
        ctx.addIssue({
          code: 'invalid_key',
          origin: 'record',
          input: axis,
          issues: [{ code: 'custom', message: AXIS_MESSAGE, input: axis, path: [] }],
          path: [axis],
        });
    }
  });

const ENVIRONMENT_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const environmentName = z
  .string({ error: 'environment must be a name or { name, url, approval, branches }' })
  .regex(ENVIRONMENT_NAME, 'environment names are letters, digits, _, . and -, starting with a letter or digit');
/** `image: node:22`, or `image: { name, credentials }` for a registry that needs a login (Docker Hub's pull limits). */
const image = z.union(
  [
    nonEmpty('image'),
    strict(
      {
        name: nonEmpty('name'),
        credentials: z
          .string({ error: 'credentials must be a string' })
          .regex(
            REGISTRY_CREDENTIALS,
            "credentials must be a Secrets Manager secret, 'secretsmanager:NAME' or 'secretsmanager:ARN' (CodeBuild reads registry credentials from Secrets Manager only)",
          )
          .optional(),
      },
      'image',
    ),
  ],
  { error: 'image must be a name or { name, credentials }' },
);

const environment = z.union(
  [
    environmentName,
    strict(
      {
        name: environmentName,
        url: nonEmpty('url').optional(),
        approval: z.boolean().optional(),
        branches: globs('branches').min(1).optional(),
      },
      'environment',
    ),
  ],
  { error: 'environment must be a name or { name, url, approval, branches }' },
);

const PERCENT = /^(?:100|\d{1,2})(?:\.\d+)?%$/;
const PERCENT_MESSAGE = 'expected a percentage like 2% (0-100)';
const percent = z.union(
  [z.number().min(0, PERCENT_MESSAGE).max(100, PERCENT_MESSAGE), z.string().regex(PERCENT, PERCENT_MESSAGE)],
  { error: PERCENT_MESSAGE },
);
const arn = (what: string, pattern: RegExp, of: string) =>
  nonEmpty(what).regex(pattern, `${what} must be the ARN of ${of}`);
const ELB_ARN = 'arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:\\d{12}:';
const LISTENER_ARN = new RegExp(`^${ELB_ARN}listener/app/[^/]+/[^/]+/[^/]+$`);
const RULE_ARN = new RegExp(`^${ELB_ARN}listener-rule/app/[^/]+/[^/]+/[^/]+/[^/]+$`);
const TARGET_GROUP_ARN = new RegExp(`^${ELB_ARN}targetgroup/[^/]+/[^/]+$`);
const LOCAL_URL = /^http:\/\/(?:127\.0\.0\.1|localhost|\[::1\]):\d{1,5}\/?$/;
const localUrl = (what: string) =>
  z
    .string({ error: `${what} must be a string` })
    .regex(LOCAL_URL, `${what} must be a local server like http://127.0.0.1:8081`);
const rolloutTarget = strict(
  {
    lambda: strict(
      {
        function: nonEmpty('function'),
        alias: nonEmpty('alias'),
        version: z.union([nonEmpty('version'), z.int().min(1)], {
          error: 'version must be a version number or a ${{ }} value',
        }),
      },
      'lambda',
    ),
    alb: strict(
      {
        listener: arn('listener', LISTENER_ARN, 'an Application Load Balancer listener'),
        rule: arn('rule', RULE_ARN, 'a listener rule').optional(),
        stable: arn('stable', TARGET_GROUP_ARN, 'a target group'),
        candidate: arn('candidate', TARGET_GROUP_ARN, 'a target group'),
      },
      'alb',
    ),
    local: strict(
      {
        listen: z.int({ error: 'listen must be a port number' }).min(1).max(65535),
        stable: localUrl('stable'),
        candidate: localUrl('candidate'),
      },
      'local',
    ),
  },
  'target',
).partial();
const WEIGHT_MESSAGE = 'a weight is a whole percentage (1-100)';
const rollout = strict(
  {
    target: rolloutTarget,
    strategy: z.enum(['canary', 'blue_green']).optional(),
    weights: list(z.int({ error: WEIGHT_MESSAGE }).min(1, WEIGHT_MESSAGE).max(100, WEIGHT_MESSAGE), 'weights')
      .min(1, 'weights must not be empty')
      .optional(),
    interval: duration.optional(),
    analysis: strict(
      {
        max_error_rate: percent,
        min_requests: z.int().min(0),
        alarms: list(nonEmpty('an alarm name'), 'alarms')
          .min(1)
          .max(100, 'at most 100 alarms (DescribeAlarms takes 100 names)'),
      },
      'analysis',
    )
      .partial()
      .optional(),
  },
  'rollout',
);

/** One entry under `steps:`; exactly one of run/approval/pipeline is checked when building. */
export const stepSchema = strict(
  {
    needs: oneOrMany('needs', 0).describe('Steps that must end before this one starts'),
    if: z
      .union([z.string(), z.boolean()], { error: 'if must be an expression' })
      .describe("Condition, e.g. branch == 'main' || always(); default success()"),
    allow_failure: z.boolean().describe('A failure of this step does not fail the run'),
    matrix: matrix.describe('One instance per cell: axes of values, plus include/exclude as in GitHub Actions'),
    run: oneOrMany('run').describe('Command(s) run with bash, stopping at the first failure'),
    image: image.describe(
      'Container image of the step: a name, or { name, credentials: secretsmanager:NAME } for a registry login',
    ),
    compute: compute.describe('CodeBuild compute size'),
    timeout: duration.describe('Duration: 30s, 10m, 2h, 1d'),
    retry: retry.describe('Retries: a number, or { max, on: [failure, timeout] }'),
    env: envMap,
    secrets: z.record(
      envName,
      z.string().regex(SECRET_REF, "expected a secret reference 'secretsmanager:NAME' or 'ssm:/path'"),
      { error: 'secrets must be a mapping' },
    ),
    artifacts: globs('artifacts').describe('Files kept and restored into every step that needs this one'),
    cache: strict({ key: nonEmpty('key'), paths: list(cachePath, 'paths').min(1, 'paths must not be empty') }, 'cache'),
    outputs: list(
      z.string().regex(IDENTIFIER, 'output names are letters, digits and _, not starting with a digit'),
      'outputs',
    ).describe('Names the step writes as NAME=value lines to $SCI_OUTPUT, read as steps.STEP.outputs.NAME'),
    environment: environment.describe(
      'The environment this step releases to: a name or { name, url, approval, branches }',
    ),
    approval: strict({ message: nonEmpty('message'), timeout: duration }, 'approval')
      .partial()
      .nullable()
      .describe('Waits for a person to approve'),
    pipeline: strict({ name: nonEmpty('name'), inputs: z.record(z.string(), scalar) }, 'pipeline')
      .partial({ inputs: true })
      .describe('Calls another pipeline of this repository and waits for it'),
    rollout: rollout.describe(
      'Moves traffic to a candidate by weights, analysing its error rate and alarms at each; rolls back on failure',
    ),
  },
  'a step',
).partial();

/** A whole pipeline file, as written. */
export const pipelineSchema = strict(
  {
    name: nonEmpty('name').optional().describe('Display name; defaults to the path under .sci/'),
    on: triggers.optional().describe('Events that start the pipeline; default: push'),
    env: envMap.optional().describe('Environment variables for every step'),
    defaults: strict({ image, compute, timeout: duration }, 'defaults').partial().optional(),
    concurrency: z
      .union([
        nonEmpty('concurrency'),
        strict({ group: nonEmpty('group'), cancel_in_progress: z.boolean().optional() }, 'concurrency'),
      ])
      .optional(),
    steps: z
      .record(z.string(), stepSchema, { error: 'steps must be a mapping of step name to step' })
      .describe('The steps: name → step with exactly one of run, approval, pipeline, rollout'),
  },
  'a pipeline file',
);

/** The file's data after the schema (before defaults); build.ts turns it into the model. */
export type PipelineFile = z.output<typeof pipelineSchema>;
export type StepFile = z.output<typeof stepSchema>;
export type InputFile = z.output<typeof inputSpec>;
export type ImageFile = z.output<typeof image>;

/** One space between cron fields, so a schedule compares equal however it was spaced. */
export function normalizeCron(cron: string): string {
  return cron.trim().split(/\s+/).join(' ');
}

/** Seconds in a duration string already validated by the schema. */
export function durationSeconds(text: string): number {
  const unit: Record<string, number> = { d: 86400, h: 3600, m: 60, s: 1 };
  return [...text.matchAll(/(\d+)([dhms])/g)].reduce((sum, [, n, u]) => sum + Number(n) * unit[u!]!, 0);
}
