/** `sci approve RUN STEP`: Lets a waiting approval step pass; the engine running the run goes on. */
import { decide } from '../decide.ts';

export const help = `usage: sci approve RUN STEP [--repo DIR]

Lets a waiting approval step pass; the engine running the run goes on.

options:
  --repo DIR   the repository (default: the current directory)
  -h, --help   show this help
`;

export function run(argv: string[]): Promise<number> {
  return decide('approve', argv);
}
