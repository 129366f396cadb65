/** asl-validator, strict (paths and ARNs checked), for tests. */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

type Validate = (
  definition: unknown,
  opts?: { checkPaths: boolean; checkArn: boolean },
) => { isValid: boolean; errorsText: (sep?: string) => string };
// asl-validator is CommonJS without type declarations.
const validator = createRequire(import.meta.url)('asl-validator') as Validate;

/** Validates a copy: asl-validator annotates its input. */
export function assertValidAsl(json: string): void {
  const result = validator(JSON.parse(json), { checkPaths: true, checkArn: true });
  assert.ok(result.isValid, result.errorsText('\n'));
}
