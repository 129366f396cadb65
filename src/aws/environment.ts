/**
 * What every Lambda reads from its environment (names in docs/architecture.md), checked once
 * per container so a missing variable fails the first invocation with its name.
 */
export function requireEnv(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[name];
  if (!value) throw new Error(`environment variable ${name} is not set`);
  return value;
}

/** `arn:aws:states:<region>:<account>:stateMachine:` taken from the execution role's account. */
export function stateMachineArnPrefix(roleArn: string, region: string): string {
  const [, partition = 'aws', , , account = ''] = roleArn.split(':');
  return `arn:${partition}:states:${region}:${account}:stateMachine:`;
}
