/**
 * What every Lambda reads from its environment (names in docs/architecture.md), checked once
 * per container so a missing variable fails the first invocation with its name.
 */
export function requireEnv(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[name];
  if (!value) throw new Error(`environment variable ${name} is not set`);
  return value;
}

/**
 * The variables that carry the prefixes the step role may read secrets under (infra sets them
 * from `sci:secretsPrefix` / `sci:parametersPrefix`; the dispatcher refuses references outside).
 */
export const SECRET_PREFIX_ENV = { secretsManager: 'SECRETS_PREFIX', parameterStore: 'PARAMETERS_PREFIX' } as const;

/** `arn:aws:states:<region>:<account>:stateMachine:` taken from the execution role's account. */
export function stateMachineArnPrefix(roleArn: string, region: string): string {
  const [, partition = 'aws', , , account = ''] = roleArn.split(':');
  return `arn:${partition}:states:${region}:${account}:stateMachine:`;
}

/** The variables that carry the build roles the dispatcher puts in `run.builds` (trusted, untrusted). */
export const BUILD_ROLE_ENV = { trusted: 'BUILD_ROLE_ARN', untrusted: 'UNTRUSTED_BUILD_ROLE_ARN' } as const;
