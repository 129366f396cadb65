/**
 * Deployment configuration, read from CDK context (`cdk.json` → `context`, or `cdk deploy -c key=value`).
 * Every key is validated up front and all problems are reported at once, so a typo fails
 * `cdk synth` with one readable message instead of a half-built template.
 */
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Node } from 'constructs';
import { z } from 'zod';

/** Validated deployment configuration. */
export interface ServerlessCiConfig {
  /** `owner/name` (or numeric id) of every repository the webhook accepts; empty = accept none. */
  allowedRepos: string[];
  /** GitHub logins (or numeric ids) whose deliveries are accepted; empty = any sender of an allowed repository. */
  allowedSenders: string[];
  /**
   * Secrets Manager name of the GitHub credentials (token or App key), filled by the user.
   * @default `<stack name>/github-<id of this stack>` (see infra/constructs/secrets.ts)
   */
  githubSecretName?: string;
  /**
   * Secrets Manager name of the webhook signing secret (generated).
   * @default `<stack name>/webhook-<id of this stack>`
   */
  webhookSecretName?: string;
  /** Retention of every log group the stack creates. @default 30 */
  logRetentionDays: RetentionDays;
  /** Days before run artifacts and caches expire from the bucket. @default 30 */
  artifactRetentionDays: number;
  /** Secrets Manager name prefix that pipeline steps may read (`sci/`). */
  secretsPrefix: string;
  /** SSM parameter path prefix that pipeline steps may read (`/sci/`). */
  parametersPrefix: string;
  /** What `rollout:` steps may act on (docs/delivery.md): nothing unless named here. */
  rolloutTargets: RolloutTargets;
}

/** The deployment targets pipelines may roll out to; the execution role is granted exactly these. */
export interface RolloutTargets {
  /** Lambda functions (names or ARNs) whose aliases `lambda` targets may shift. @default [] */
  functions: string[];
  /** ALB listener or listener-rule ARNs `alb` targets may modify. @default [] */
  listeners: string[];
  /** CloudWatch alarm names `analysis.alarms` may read. @default [] */
  alarms: string[];
}

/** The context keys, named as they appear in `cdk.json`. */
export const CONTEXT_KEYS = {
  allowedRepos: 'sci:allowedRepos',
  allowedSenders: 'sci:allowedSenders',
  githubSecretName: 'sci:githubSecretName',
  webhookSecretName: 'sci:webhookSecretName',
  logRetentionDays: 'sci:logRetentionDays',
  artifactRetentionDays: 'sci:artifactRetentionDays',
  secretsPrefix: 'sci:secretsPrefix',
  parametersPrefix: 'sci:parametersPrefix',
  rolloutTargets: 'sci:rolloutTargets',
} as const satisfies Record<keyof ServerlessCiConfig, string>;

/** The values CloudWatch Logs accepts for a retention period. */
const RETENTION_VALUES = Object.values(RetentionDays).filter(
  (v): v is RetentionDays => typeof v === 'number' && v !== RetentionDays.INFINITE,
);

/** `owner/name`, or the numeric repository id (survives renames; src/github/trust.ts accepts both). */
const REPO = /^(?:\d+|[A-Za-z0-9-]+\/[A-Za-z0-9._-]+)$/;
const LOGIN = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/;
const SECRET_NAME = /^[A-Za-z0-9/_+=.@-]{1,512}$/;

// `-c key=value` on the command line always arrives as a string; cdk.json keeps JSON types.
const numberish = z.preprocess((v) => (typeof v === 'string' && v.trim() !== '' ? Number(v) : v), z.number().int());
const listOf = (item: z.ZodString) =>
  z.preprocess(
    (v) =>
      typeof v === 'string'
        ? v
            .split(',')
            .map((s) => s.trim())
            .filter((s) => s !== '')
        : v,
    z.array(item),
  );

const FUNCTION = /^(?:arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:)?[A-Za-z0-9_-]{1,64}$/;
const LISTENER =
  /^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:\d{12}:listener(?:-rule)?\/app\/[^/]+\/[^/]+\/[^/]+(?:\/[^/]+)?$/;
const ALARM = /^[^\s:*?][^:*?]{0,254}$/;
const rolloutTargets = z
  .object(
    {
      functions: z
        .array(z.string().regex(FUNCTION, 'each function must be a Lambda function name or unqualified ARN'))
        .default([]),
      listeners: z
        .array(z.string().regex(LISTENER, 'each entry must be an ALB listener or listener-rule ARN'))
        .default([]),
      alarms: z.array(z.string().regex(ALARM, 'each alarm must be a CloudWatch alarm name')).default([]),
    },
    { error: 'must be { functions, listeners, alarms }' },
  )
  .strict()
  .default({ functions: [], listeners: [], alarms: [] });

const schema = z
  .object({
    allowedRepos: listOf(z.string().regex(REPO, 'each entry must be a repository as owner/name or its numeric id')),
    allowedSenders: listOf(z.string().regex(LOGIN, 'each entry must be a GitHub login or numeric user id')),
    githubSecretName: z
      .string()
      .regex(SECRET_NAME, 'must be a Secrets Manager name ([A-Za-z0-9/_+=.@-], 1-512 chars)')
      .optional(),
    webhookSecretName: z
      .string()
      .regex(SECRET_NAME, 'must be a Secrets Manager name ([A-Za-z0-9/_+=.@-], 1-512 chars)')
      .optional(),
    logRetentionDays: numberish.refine((v) => (RETENTION_VALUES as number[]).includes(v), {
      error: `must be one of ${RETENTION_VALUES.join(', ')} (the periods CloudWatch Logs supports)`,
    }),
    artifactRetentionDays: numberish.refine((v) => v >= 1 && v <= 3650, { error: 'must be between 1 and 3650' }),
    secretsPrefix: z.string().regex(/^[A-Za-z0-9_+=.@-]+\/$/, 'must be a name prefix ending in "/", e.g. "sci/"'),
    parametersPrefix: z
      .string()
      .regex(/^\/[A-Za-z0-9_.\-/]*\/$/, 'must be a parameter path starting and ending in "/", e.g. "/sci/"'),
    rolloutTargets,
  })
  .superRefine((config, ctx) => {
    // Every step may read secrets under the prefix; the system's own secrets must stay out of it.
    for (const field of ['githubSecretName', 'webhookSecretName'] as const) {
      if (config[field]?.startsWith(config.secretsPrefix)) {
        ctx.addIssue({
          code: 'custom',
          path: [field],
          message: `must not start with "sci:secretsPrefix" (${config.secretsPrefix}): every pipeline step can read secrets under it`,
        });
      }
    }
  });

/** Thrown when the context is invalid; the message lists every problem, one per line. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Reads and validates the `sci:*` context of `node`; throws {@link ConfigError} listing every problem. */
export function readConfig(node: Node): ServerlessCiConfig {
  const raw = Object.fromEntries(Object.entries(CONTEXT_KEYS).map(([field, key]) => [field, node.tryGetContext(key)]));
  const result = schema.safeParse(raw);
  if (result.success) return result.data as ServerlessCiConfig;
  const lines = result.error.issues.map((issue) => {
    const field = issue.path[0] as keyof ServerlessCiConfig;
    const got = raw[field] === undefined ? 'missing' : `got ${JSON.stringify(raw[field])}`;
    return `  context "${CONTEXT_KEYS[field]}": ${issue.message} (${got})`;
  });
  throw new ConfigError(
    `invalid serverless-ci configuration (set it in cdk.json or with -c key=value):\n${lines.join('\n')}`,
  );
}
