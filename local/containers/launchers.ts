/**
 * Picks how each step runs: in its image on the container engine (`SCI_CONTAINER`, or the first of
 * Docker and Podman that answers), or as a local process when containers are off, when no engine
 * answers, or when the image is a CodeBuild curated one (`aws/codebuild/…`, the default when a
 * step names no image): no public registry serves those. One built locally (from
 * github.com/aws/aws-codebuild-docker-images) is used when SCI_CONTAINER names the engine that
 * holds it. Each fallback is announced once.
 */
import { processLauncher, type StepLauncher } from '../build-runner/launcher.ts';
import { ContainerLauncher } from './container-launcher.ts';
import { ContainerEngine, ENGINES, type ContainerMode } from './engine.ts';
import type { RegistryLogin } from './registry-login.ts';

/** CodeBuild's curated images exist only inside CodeBuild. */
export function isCuratedImage(image: string): boolean {
  return image.startsWith('aws/codebuild/');
}

/** A launcher, or why the step cannot run (its image cannot be had). */
export type LauncherChoice = { launcher: StepLauncher } | { error: string };

export class Launchers {
  private engine: Promise<ContainerEngine | { error: string } | undefined> | undefined;
  private readonly said = new Set<string>();
  private readonly byImage = new Map<string, ContainerLauncher>();

  constructor(
    private readonly mode: ContainerMode,
    private readonly hostEnv: NodeJS.ProcessEnv,
    /** Told once about each fallback to process mode. */
    private readonly onNotice: (text: string) => void = () => undefined,
  ) {}

  /** `login`: the registry login of `image: { name, credentials }`, when one is stored locally. */
  async forImage(image: string, login?: RegistryLogin): Promise<LauncherChoice> {
    if (this.mode === 'none') {
      return this.processMode(
        'containers are off (--no-containers or SCI_CONTAINER=none): steps run as local processes, not in their images',
      );
    }
    const curated = isCuratedImage(image);
    const asProcess = () =>
      this.processMode(
        `image ${image} is a CodeBuild curated image that no public registry serves: its steps run as local processes`,
      );
    // without an engine named, a curated image (the default) asks no engine: `npm start` stays instant
    if (curated && this.mode === 'auto') return asProcess();
    this.engine ??= this.detect();
    const engine = await this.engine;
    if (curated && (!engine || 'error' in engine || !(await engine.hasImage(image)))) return asProcess();
    if (!engine)
      return this.processMode(
        'no container engine answers (tried docker, podman): steps run as local processes, not in their images',
      );
    if ('error' in engine) return engine;
    const missing = await engine.ensureImage(image, login);
    if (missing) return { error: missing };
    const launcher = this.byImage.get(image) ?? new ContainerLauncher(engine, image);
    this.byImage.set(image, launcher);
    return { launcher };
  }

  private processMode(notice: string): LauncherChoice {
    if (!this.said.has(notice)) this.onNotice(notice);
    this.said.add(notice);
    return { launcher: processLauncher };
  }

  private async detect(): Promise<ContainerEngine | { error: string } | undefined> {
    if (this.mode === 'docker' || this.mode === 'podman') {
      const found = await ContainerEngine.detect(this.mode, this.hostEnv);
      return typeof found === 'string' ? { error: `SCI_CONTAINER=${this.mode}, but ${found}` } : found;
    }
    for (const name of ENGINES) {
      const found = await ContainerEngine.detect(name, this.hostEnv);
      if (typeof found !== 'string') return found;
    }
    return undefined;
  }
}
