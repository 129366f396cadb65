/** `sci approve RUN STEP`: lets a waiting approval step pass (the running engine polls for it). */
import { decide } from '../decide.ts';

export function run(argv: string[]): Promise<number> {
  return decide('approve', argv);
}
