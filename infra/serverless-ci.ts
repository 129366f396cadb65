/**
 * `ServerlessCi`: the whole serverless-ci system as one construct — run store, artifact bucket,
 * the shared step project, the state machines' execution role, secrets, schedules, the six
 * Lambdas and the events that drive them. The state machines themselves are created at run
 * time by the dispatcher (one per pipeline), so they are not part of the template.
 */
import type { Grant, IGrantable } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import type { ServerlessCiConfig } from './config.ts';
import { BuildProject } from './constructs/build-project.ts';
import { ReporterEvents } from './constructs/events.ts';
import { ExecutionRole } from './constructs/execution-role.ts';
import { Functions } from './constructs/functions.ts';
import { Scheduling } from './constructs/scheduling.ts';
import { Secrets } from './constructs/secrets.ts';
import { Storage } from './constructs/storage.ts';

export type ServerlessCiProps = ServerlessCiConfig;

/** Deploys serverless-ci; see docs/deploy.md. */
export class ServerlessCi extends Construct {
  readonly storage: Storage;
  readonly build: BuildProject;
  readonly executionRole: ExecutionRole;
  readonly secrets: Secrets;
  readonly scheduling: Scheduling;
  readonly functions: Functions;
  readonly events: ReporterEvents;

  constructor(scope: Construct, id: string, props: ServerlessCiProps) {
    super(scope, id);
    this.storage = new Storage(this, 'Storage', { artifactRetentionDays: props.artifactRetentionDays });
    this.build = new BuildProject(this, 'Steps', {
      artifactBucket: this.storage.artifactBucket,
      logRetention: props.logRetentionDays,
      secretsPrefix: props.secretsPrefix,
      parametersPrefix: props.parametersPrefix,
    });
    this.executionRole = new ExecutionRole(this, 'Execution', {
      table: this.storage.table,
      projectArn: this.build.projectArn,
      rolloutTargets: props.rolloutTargets,
      buildRoles: [this.build.role, this.build.untrustedRole],
    });
    this.secrets = new Secrets(this, 'Secrets', {
      webhookSecretName: props.webhookSecretName,
      githubSecretName: props.githubSecretName,
    });
    this.scheduling = new Scheduling(this, 'Schedules');
    this.functions = new Functions(this, 'Functions', {
      config: props,
      storage: this.storage,
      build: this.build,
      executionRole: this.executionRole,
      secrets: this.secrets,
      scheduling: this.scheduling,
    });
    this.events = new ReporterEvents(this, 'Events', {
      reporter: this.functions.byName.reporter.fn,
      projectName: this.build.projectName,
      failedEvents: this.functions.failedEvents,
    });
  }

  /**
   * Lets `grantee` call the API's function URL: `lambda:InvokeFunctionUrl` and, since October 2025,
   * `lambda:InvokeFunction` (aws-cdk-lib's `grantInvokeUrl` grants both; docs/deploy.md, "The API").
   */
  grantApiAccess(grantee: IGrantable): Grant {
    return this.functions.apiUrl.grantInvokeUrl(grantee);
  }
}
