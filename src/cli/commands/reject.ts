/** `sci reject RUN STEP`: fails a waiting approval step (error `sci.Rejected`). */
import { decide } from '../decide.ts';

export function run(argv: string[]): Promise<number> {
  return decide('reject', argv);
}
