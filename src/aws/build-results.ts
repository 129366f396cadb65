/**
 * What CodeBuild says of step builds (`BatchGetBuilds`, at most 100 ids a call): the reporter asks it,
 * at a run's end, about the open steps whose success event may still be on its way (src/core/report.ts).
 */
import { BatchGetBuildsCommand, type CodeBuildClient } from '@aws-sdk/client-codebuild';
import type { BuildResult, BuildResults } from '../core/ports.ts';
import { buildIdOf } from './build-logs.ts';

const BATCH = 100;

export class CodeBuildResults implements BuildResults {
  constructor(private readonly codebuild: CodeBuildClient) {}

  async describe(ids: string[]): Promise<BuildResult[]> {
    const results: BuildResult[] = [];
    for (let i = 0; i < ids.length; i += BATCH) {
      const batch = ids.slice(i, i + BATCH);
      const out = await this.codebuild.send(new BatchGetBuildsCommand({ ids: batch.map(buildIdOf) }));
      for (const build of out.builds ?? []) {
        // answered by id (`<project>:<uuid>`): back to the id the step holds (an ARN, from the event)
        const id = batch.find((b) => buildIdOf(b) === build.id || b === build.arn);
        if (!id) continue;
        const variables = Object.fromEntries(
          (build.environment?.environmentVariables ?? []).map((v) => [v.name ?? '', v.value ?? '']),
        );
        results.push({ id, status: build.buildStatus ?? '', variables });
      }
    }
    return results;
  }
}
