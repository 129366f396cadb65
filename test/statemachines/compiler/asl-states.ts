/** Every state of a compiled machine with its name, those inside Parallel branches included. */
import type { State, StateMachine } from '../../../statemachines/asl/types.ts';

export function allStates(m: StateMachine): Array<[string, State]> {
  return Object.entries(m.States).flatMap(
    ([n, s]): Array<[string, State]> => [[n, s], ...(s.Type === 'Parallel' ? s.Branches.flatMap(allStates) : [])],
  );
}
