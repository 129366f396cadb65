/**
 * The environments page over the local store: the releases `sci envs` lists, and Promote /
 * Rollback choosing the release exactly as `sci promote` / `sci rollback` do (current of FROM,
 * previous successful of ENV), run by the local releaser.
 */
import type { LocalReleaser } from '../../local/engine/local-release.ts';
import type { ControlResult } from '../core/control.ts';
import { notFound, unavailable } from '../core/result.ts';
import { currentRelease, previousRelease, type EnvironmentTable, type Release } from '../store/environments.ts';
import { environmentEntries } from './environment-list.ts';
import type { Environments } from './ports.ts';

export function localEnvironments(table: EnvironmentTable, releaser: LocalReleaser | undefined): Environments {
  const act = async (release: Release | undefined, missing: string, environment: string): Promise<ControlResult> => {
    if (!release) return notFound(missing);
    if (!releaser) return unavailable('this dashboard does not execute runs: use sci promote / sci rollback');
    return releaser.rerelease(release, environment);
  };
  return {
    list: () => environmentEntries(table),
    promote: async (from, to) => act(await currentRelease(table, from), `environment ${from} has no release`, to),
    rollback: async (name) =>
      act(await previousRelease(table, name), `environment ${name} has no earlier successful release`, name),
  };
}
