/** `--no-containers` and `SCI_CONTAINER` → how `sci run` / `sci serve` run steps; a bad value is a usage error. */
import { parseContainerMode, type ContainerMode } from '../../local/containers/engine.ts';
import { CliUsageError } from './errors.ts';

export function containerModeOf(noContainers: boolean | undefined, env: NodeJS.ProcessEnv): ContainerMode {
  if (noContainers) return 'none';
  const mode = parseContainerMode(env.SCI_CONTAINER);
  if (!mode)
    throw new CliUsageError(
      `SCI_CONTAINER must be docker, podman or none (unset: the first engine that answers), got '${env.SCI_CONTAINER}'`,
    );
  return mode;
}
