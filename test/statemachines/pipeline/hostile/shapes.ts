/**
 * Hostile pipeline files of at most 1 MB each (most just under the 256 KB a pipeline file may
 * have, so that they are parsed; the last one over it, to be refused), one per way of making validation do
 * super-linear work: long similar names (suggestions), many unknown names among many
 * candidates, long keys and scalars, many expressions, big maps, deep block nesting.
 * (Matrix products and deep or dense `needs` graphs are pinned by the matrix and DAG tests.)
 */
export const MAX_HOSTILE_BYTES = 1024 * 1024;

const repeat = (n: number, f: (i: number) => string) => Array.from({ length: n }, (_, i) => f(i)).join('');

/** Each shape's generator returns a file of at most 1 MB (the test checks). */
export const HOSTILE_SHAPES: Record<string, () => string> = {
  // the original report: a 30,000-character unknown key next to a 30,000-character known one
  'long similar keys': () => {
    const long = 'a'.repeat(30_000);
    return `steps:\n  ${long}:\n    run: echo\n  b:\n    needs: [${long}b]\n    run: echo\n`;
  },
  'long unknown top-level key': () => `${'x'.repeat(200_000)}: 1\nsteps:\n  a:\n    run: echo\n`,
  // every step needs a missing name of the same length as every step name
  'many unknown needs among many steps': () =>
    `steps:\n${repeat(6_000, (i) => `  s${String(i).padStart(6, '0')}: { run: x, needs: [t${String(i).padStart(6, '0')}] }\n`)}`,
  'many unknown keys in steps': () =>
    `steps:\n${repeat(5_000, (i) => `  s${i}: { run: x, neds${i}: 1, rn: 2, imgae: 3 }\n`)}`,
  'one huge run scalar': () => `steps:\n  a:\n    run: "${'x'.repeat(250_000)}"\n`,
  'many expressions': () => `steps:\n  a:\n    run: "${repeat(19_000, () => '${{ branch }}')}"\n`,
  'deep block nesting': () => `env:\n${repeat(700, (i) => `${' '.repeat(i + 2)}k${i}:\n`)}${' '.repeat(702)}v: 1\n`,
  'many anchors and aliases': () =>
    `x: &a [${repeat(1000, () => '1,')}]\ny: [${repeat(100, () => '*a,')}]\nsteps:\n  a:\n    run: echo\n`,
  'many env keys': () => `env:\n${repeat(20_000, (i) => `  K${i}: v\n`)}steps:\n  a:\n    run: echo\n`,
  'a megabyte of comments': () => `steps:\n  a:\n    run: echo\n${repeat(16_000, () => `# ${'x'.repeat(62)}\n`)}`,
  'long step names': () => `steps:\n${repeat(120, (i) => `  ${'n'.repeat(2_000)}${i}: { run: x }\n`)}`,
};
