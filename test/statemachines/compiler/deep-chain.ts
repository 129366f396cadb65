/**
 * Compiles an N-step chain (N = argv[2]) as `sci compile` does and prints, as one JSON line, what split.test.ts
 * asserts of the root and parts, with the rendering of the root and of the largest part. The test starts it with a
 * stack smaller in proportion to N (`node --stack-size`), so that a walk as deep as the chain (three states a step)
 * would overflow it where it would overflow the default stack at five times the steps.
 */
import { compileSource } from '../../../statemachines/compiler/compile.ts';
import { chainDag, compactYaml } from './random-dags.ts';

const compiled = compileSource('.sci/big.yml', compactYaml(chainDag(Number(process.argv[2]))));
if (!compiled.ok) throw new Error(JSON.stringify(compiled.diagnostics));
const result = compiled.value;
const largest = result.parts.reduce((a, b) => (b.estimates.definitionBytes > a.estimates.definitionBytes ? b : a));
const summary = {
  machines: [result, ...result.parts].map((m) => m.estimates),
  parts: result.parts.map((p) => ({ id: p.id, own: p.own, imports: p.imports, exports: p.exports })),
  validate: [result.json, largest.json],
};
process.stdout.write(`${JSON.stringify(summary)}\n`);
