/**
 * `npm start`: copies examples/demo into a scratch git repository under `.sci-state/`, commits
 * it (steps check out the commit, never a working tree) and runs `sci run --repo` there, with
 * the project's `.sci-state/` as the state home so `npx sci runs` shows the demo's history.
 * Plain JavaScript that runs bin/sci.js in this process, so the demo starts as cheaply as `sci` does.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const stateHome = process.env.SCI_HOME ?? `${root}.sci-state`;
const repo = `${stateHome}/demo-repo`;

rmSync(repo, { recursive: true, force: true });
cpSync(`${root}examples/demo`, repo, { recursive: true });
const git = (...args) => execFileSync('git', ['-C', repo, ...args], { stdio: 'ignore' });
git('init', '-q', '-b', 'main');
git('add', '-A');
git('-c', 'user.name=sci demo', '-c', 'user.email=demo@serverless-ci.local', 'commit', '-q', '-m', 'demo');

process.env.SCI_HOME = stateHome;
const sci = fileURLToPath(new URL('../bin/sci.js', import.meta.url));
process.argv = [process.argv[0], sci, 'run', '--repo', repo, ...process.argv.slice(2)];
await import('../bin/sci.js');
