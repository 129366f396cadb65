/**
 * The six Lambdas of architecture.md and their triggers that are not events: the webhook's
 * public Function URL, the dispatcher's SQS queue (with a DLQ) and the api's IAM-authenticated
 * Function URL. Each function's permissions and environment come from its capabilities.
 */
import { Duration } from 'aws-cdk-lib';
import { FunctionUrlAuthType, InvokeMode, type FunctionUrl } from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Queue, QueueEncryption, type QueueProps } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { applyCapability, type Capability, type CapabilityContext } from './capabilities.ts';
import { acknowledge } from './nag.ts';
import { type FunctionName, SciFunction } from './sci-function.ts';

interface FunctionSpec {
  description: string;
  capabilities: Capability[];
  memorySize: number;
  timeout: Duration;
}

/**
 * In dependency order: `scheduled` before the functions that point schedules at it. Timeouts:
 * GitHub gives a webhook 10 s; the dispatcher reads, compiles and deploys a push's pipelines.
 */
export const FUNCTION_SPECS: Record<FunctionName, FunctionSpec> = {
  scheduled: {
    description: 'serverless-ci: starts the scheduled run of a pipeline (EventBridge Scheduler)',
    capabilities: ['runStore', 'github', 'deployPipelines'],
    memorySize: 1024,
    timeout: Duration.minutes(1),
  },
  // The dispatcher syncs schedules itself on default-branch pushes (src/aws/wiring.ts); this entry
  // re-syncs one repository on demand (docs/deploy.md, "Schedules").
  'schedule-sync': {
    description: 'serverless-ci: keeps one schedule per pipeline cron of a repository',
    capabilities: ['github', 'syncSchedules'],
    memorySize: 512,
    timeout: Duration.minutes(1),
  },
  webhook: {
    description: 'serverless-ci: GitHub webhook endpoint (signature verified on the raw body, then queued)',
    capabilities: ['verifyWebhooks', 'recordDeliveries', 'enqueueDeliveries'],
    memorySize: 512,
    timeout: Duration.seconds(10),
  },
  dispatcher: {
    description: 'serverless-ci: queued delivery -> pipelines at the commit -> state machine versions -> runs',
    capabilities: ['runStore', 'github', 'deployPipelines', 'syncSchedules'],
    memorySize: 1024,
    timeout: Duration.seconds(90),
  },
  reporter: {
    description: 'serverless-ci: execution and build state changes -> run store, commit statuses, followers',
    capabilities: ['runStore', 'github', 'deployPipelines', 'readBuilds'],
    memorySize: 1024,
    timeout: Duration.minutes(1),
  },
  api: {
    description: 'serverless-ci: manual runs, approvals, cancel, redrive (IAM-authenticated Function URL)',
    capabilities: ['runStore', 'github', 'deployPipelines', 'controlExecutions', 'answerApprovals'],
    memorySize: 1024,
    timeout: Duration.seconds(30),
  },
};

/** SQS redelivers after this; AWS advises at least six times the consumer's timeout. */
const VISIBILITY_FACTOR = 6;

export interface FunctionsProps extends Omit<CapabilityContext, 'queue' | 'scheduled'> {}

/** The Lambdas, the delivery queue and the two Function URLs. */
export class Functions extends Construct {
  readonly byName: Record<FunctionName, SciFunction>;
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
  /** Events the async-invoked functions (reporter, scheduled) failed on after every retry. */
  readonly failedEvents: Queue;
  readonly webhookUrl: FunctionUrl;
  readonly apiUrl: FunctionUrl;

  constructor(scope: Construct, id: string, props: FunctionsProps) {
    super(scope, id);
    this.deadLetterQueue = encryptedQueue(
      this,
      'DeliveriesDlq',
      'This queue is the dead-letter queue of the delivery queue.',
    );
    this.queue = encryptedQueue(this, 'Deliveries', undefined, {
      // Shorter than the DLQ's 14 days: a message keeps its first enqueue time when it moves there.
      retentionPeriod: Duration.days(4),
      visibilityTimeout: Duration.seconds(FUNCTION_SPECS.dispatcher.timeout.toSeconds() * VISIBILITY_FACTOR),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: 5 },
    });
    this.failedEvents = encryptedQueue(
      this,
      'FailedEvents',
      'This queue is itself the dead-letter destination of the reporter and scheduled-run invocations.',
    );
    const ctx: CapabilityContext = { ...props, queue: this.queue };
    const made: Partial<Record<FunctionName, SciFunction>> = {};
    for (const [name, spec] of Object.entries(FUNCTION_SPECS) as Array<[FunctionName, FunctionSpec]>) {
      made[name] = this.makeFunction(name, spec, ctx);
      if (name === 'scheduled') ctx.scheduled = made[name].fn;
    }
    this.byName = made as Record<FunctionName, SciFunction>;
    props.scheduling.allowInvoke(this.byName.scheduled.fn);
    this.webhookUrl = this.byName.webhook.fn.addFunctionUrl({
      authType: FunctionUrlAuthType.NONE,
      invokeMode: InvokeMode.BUFFERED,
    });
    this.apiUrl = this.byName.api.fn.addFunctionUrl({
      authType: FunctionUrlAuthType.AWS_IAM,
      invokeMode: InvokeMode.BUFFERED,
    });
    this.wireTriggers();
  }

  /**
   * The dispatcher consumes the queue and reports per-message failures. EventBridge and Scheduler
   * invoke reporter and scheduled asynchronously: an event they keep failing on is parked in a
   * queue instead of being dropped after Lambda's retries. (The webhook URL is public; the
   * handler accepts only bodies signed with the webhook secret.)
   */
  private wireTriggers(): void {
    this.byName.dispatcher.fn.addEventSource(
      new SqsEventSource(this.queue, { batchSize: 5, reportBatchItemFailures: true, maxConcurrency: 10 }),
    );
    for (const name of ['reporter', 'scheduled'] as const) {
      this.byName[name].fn.configureAsyncInvoke({
        onFailure: new SqsDestination(this.failedEvents),
        retryAttempts: 2,
        maxEventAge: Duration.hours(6),
      });
    }
  }

  private makeFunction(name: FunctionName, spec: FunctionSpec, ctx: CapabilityContext): SciFunction {
    const fn = new SciFunction(this, toId(name), {
      name,
      description: spec.description,
      logRetention: ctx.config.logRetentionDays,
      memorySize: spec.memorySize,
      timeout: spec.timeout,
    });
    for (const capability of spec.capabilities) {
      for (const [key, value] of Object.entries(applyCapability(capability, fn.role, ctx)))
        fn.fn.addEnvironment(key, value);
    }
    return fn;
  }
}

/** An SSE-SQS queue that refuses plain HTTP; `dlqReason` marks it as a dead-letter queue for cdk-nag. */
function encryptedQueue(scope: Construct, id: string, dlqReason?: string, props: QueueProps = {}): Queue {
  const queue = new Queue(scope, id, {
    encryption: QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
    ...props,
  });
  if (dlqReason) acknowledge(queue, 'AwsSolutions-SQS3', dlqReason);
  return queue;
}

/** `schedule-sync` → `ScheduleSync`. */
function toId(name: string): string {
  return name.replace(/(^|-)([a-z])/g, (_, _dash: string, c: string) => c.toUpperCase());
}
