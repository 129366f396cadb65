/**
 * The credential chain of a function running IN LAMBDA, used instead of the SDK's default
 * chain by bundling (`alias @aws-sdk/credential-provider-node` → this file, see lambda-alias.ts).
 * Lambda hands the execution role's credentials to the function as environment variables, or
 * as a container credentials endpoint (AWS_CONTAINER_CREDENTIALS_FULL_URI) where it does not;
 * the default chain's profile/SSO/process/web-identity/IMDS sources never apply there and cost
 * the webhook bundle ~90 KB of nested STS/SSO clients. Code run by tsx (tests, the CLI) keeps
 * the SDK's default chain.
 */
import { fromEnv } from '@aws-sdk/credential-provider-env';
import { fromHttp } from '@aws-sdk/credential-provider-http';
import { chain, memoize } from '@smithy/core/config';

/** Refresh container credentials five minutes before they expire (the SDK's own margin). */
const REFRESH_MARGIN_MS = 5 * 60_000;

type Credentials = Awaited<ReturnType<ReturnType<typeof fromEnv>>>;

const expiresSoon = (c: Credentials, now = Date.now()): boolean =>
  c.expiration !== undefined && c.expiration.getTime() - now < REFRESH_MARGIN_MS;

/** Same signature as the SDK's `defaultProvider`: environment first, then the container endpoint. */
export function defaultProvider(init: Parameters<typeof fromEnv>[0] = {}): () => Promise<Credentials> {
  const logger = init.logger;
  const options = { ...(logger && { logger }) };
  // fromHttp reads its endpoint when created and throws without one, so create it only when reached.
  return memoize(
    chain(fromEnv(options), () => fromHttp(options)()),
    expiresSoon,
    (c) => c.expiration !== undefined,
  );
}
