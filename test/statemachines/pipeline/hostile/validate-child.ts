/**
 * Validates each file named on the command line as `sci validate` does (parse, repository
 * checks, compile), under the heap limit the parent gives node, and prints one JSON line per
 * file with the CPU time it took. Peak memory (maxRSS) is printed once at the end.
 */
import { readFileSync } from 'node:fs';
import { compilePipeline } from '../../../../statemachines/compiler/compile.ts';
import { planSteps } from '../../../../statemachines/pipeline/plan.ts';
import { validateRepo } from '../../../../statemachines/pipeline/repo.ts';

function validate(text: string): number {
  const { pipelines, diagnostics } = validateRepo([{ path: '.sci/hostile.yml', text }]);
  for (const p of pipelines) {
    const plan = planSteps(p);
    if (plan.ok) compilePipeline(p, plan.value);
  }
  return diagnostics.length;
}

// the first validation also loads and compiles the validator's code: not the input's doing
validate('steps:\n  build:\n    run: echo ${{ branch }}\n  test:\n    needs: [biuld]\n    run: echo\n');
for (const file of process.argv.slice(2)) {
  const text = readFileSync(file, 'utf8');
  const before = process.cpuUsage();
  const diagnostics = validate(text);
  const cpu = process.cpuUsage(before);
  process.stdout.write(`${JSON.stringify({ file, cpuMs: (cpu.user + cpu.system) / 1000, diagnostics })}\n`);
}
process.stdout.write(`${JSON.stringify({ maxRssMb: process.resourceUsage().maxRSS / 1024 })}\n`);
