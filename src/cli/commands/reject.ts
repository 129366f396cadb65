/** `sci reject RUN STEP`: Fails a waiting approval step; the steps that need it are skipped. */
import { decide } from '../decide.ts';

export const help = `usage: sci reject RUN STEP [--repo DIR]

Fails a waiting approval step; the steps that need it are skipped.

options:
  --repo DIR   the repository (default: the current directory)
  -h, --help   show this help
`;

export function run(argv: string[]): Promise<number> {
  return decide('reject', argv);
}
