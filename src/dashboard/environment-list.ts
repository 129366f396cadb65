/** The environments page's list: each environment's current release and its last releases, from the run table. */
import { environmentHistory, listEnvironments, type EnvironmentTable } from '../store/environments.ts';
import type { EnvironmentEntry } from './ports.ts';

/** Releases shown per environment. */
const HISTORY = 10;

export async function environmentEntries(table: EnvironmentTable): Promise<EnvironmentEntry[]> {
  return Promise.all(
    (await listEnvironments(table)).map(async (current) => ({
      name: current.environment,
      current,
      history: await environmentHistory(table, current.environment, HISTORY),
    })),
  );
}
