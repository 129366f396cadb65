import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

/**
 * A Secrets Manager value fetched once per container: Lambda reuses the container for many
 * invocations, and a rotated secret reaches the next cold start (or after `ttlMs`).
 */
export function cachedSecret(
  client: SecretsManagerClient,
  secretId: string,
  ttlMs = 5 * 60_000,
  now = Date.now,
): () => Promise<string> {
  let value: Promise<string> | undefined;
  let fetchedAt = 0;
  return () => {
    if (!value || now() - fetchedAt > ttlMs) {
      fetchedAt = now();
      value = client.send(new GetSecretValueCommand({ SecretId: secretId })).then((out) => {
        if (out.SecretString === undefined) throw new Error(`secret ${secretId} has no string value`);
        return out.SecretString;
      });
      // A failed fetch must not stay cached for the container's lifetime.
      value.catch(() => (value = undefined));
    }
    return value;
  };
}
