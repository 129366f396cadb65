/** A deployed stack's outputs (CloudFormation `DescribeStacks`), shared by `sci doctor` and `sci ui --stack`. */
import { type CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { errorName } from './client-config.ts';

/** The stack's outputs by key, or undefined when there is no such stack. */
export async function readStackOutputs(
  cloudformation: CloudFormationClient,
  stack: string,
): Promise<Record<string, string> | undefined> {
  try {
    const out = await cloudformation.send(new DescribeStacksCommand({ StackName: stack }));
    const found = out.Stacks?.[0];
    if (!found) return undefined;
    return Object.fromEntries(
      (found.Outputs ?? []).filter((o) => o.OutputKey).map((o) => [o.OutputKey!, o.OutputValue ?? '']),
    );
  } catch (error) {
    // DescribeStacks answers a missing stack with a ValidationError ("Stack with id X does not exist").
    if (errorName(error) === 'ValidationError' && /does not exist/.test((error as Error).message)) return undefined;
    throw error;
  }
}
