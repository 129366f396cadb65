/**
 * The JSON Schema of the pipeline file, generated from the zod schema so the two never
 * disagree. Editors use it through yaml-language-server:
 * `# yaml-language-server: $schema=<path to the output of sci schema>`.
 */
import { z } from 'zod';
import { pipelineSchema } from './schema.ts';

/** Draft-07 (the newest draft yaml-language-server fully supports), describing the file as written. */
export function pipelineJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(pipelineSchema, { io: 'input', target: 'draft-7', unrepresentable: 'any' });
  return {
    ...schema,
    $id: 'https://serverless-ci.dev/schema/pipeline.json',
    title: 'serverless-ci pipeline',
    description: 'A pipeline file under .sci/ (see docs/pipeline-format.md).',
  };
}
