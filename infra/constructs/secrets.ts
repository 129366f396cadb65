/**
 * The two secrets serverless-ci itself reads. They live outside the step secret prefix (`sci/`)
 * so that no pipeline step can read the GitHub credentials or the webhook key. Unless configured,
 * their names derive from the stack: `<stack name>/github-<first block of the stack id>`. The
 * stack id changes with every creation, so a second stack, or a redeploy while the secrets of a
 * destroyed stack sit out their 30-day recovery window, never meets a name that is taken.
 */
import { Aws, Fn, SecretValue, Stack, Validations } from 'aws-cdk-lib';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';

export interface SecretsProps {
  /** @default `<stack name>/webhook-<stack id block>` */
  webhookSecretName?: string | undefined;
  /** @default `<stack name>/github-<stack id block>` */
  githubSecretName?: string | undefined;
}

/** `<stack name>/<what>-<8 hex of this stack's id>`: unique per stack creation. */
export function stackSecretName(scope: Construct, what: string): string {
  const stackUuid = Fn.select(2, Fn.split('/', Aws.STACK_ID));
  return Fn.join('', [`${Stack.of(scope).stackName}/${what}-`, Fn.select(0, Fn.split('-', stackUuid))]);
}

/** The webhook signing secret (generated) and the GitHub credentials (filled in by the user). */
export class Secrets extends Construct {
  readonly webhook: Secret;
  readonly github: Secret;

  constructor(scope: Construct, id: string, props: SecretsProps) {
    super(scope, id);
    this.webhook = new Secret(this, 'Webhook', {
      secretName: props.webhookSecretName ?? stackSecretName(this, 'webhook'),
      description:
        'serverless-ci: GitHub webhook secret (HMAC key); paste this value into the webhook settings on GitHub',
      generateSecretString: { passwordLength: 48, excludePunctuation: true, includeSpace: false },
    });
    this.github = new Secret(this, 'GitHub', {
      secretName: props.githubSecretName ?? stackSecretName(this, 'github'),
      description:
        'serverless-ci: GitHub credentials as JSON, {"token":"..."} or {"appId":..,"privateKey":"..","installationId":..}; see docs/deploy.md',
      // Not a secret: an empty object the user replaces; later deploys never overwrite their value.
      secretStringValue: SecretValue.unsafePlainText('{}'),
    });
    for (const secret of [this.webhook, this.github]) {
      Validations.of(secret).acknowledge({
        id: 'AwsSolutions-SMG4',
        reason:
          'Issued by GitHub (webhook secret, token or App key): rotation happens on GitHub and is documented in docs/deploy.md; Secrets Manager cannot rotate it.',
      });
    }
  }
}
