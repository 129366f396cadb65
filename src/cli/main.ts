/**
 * `sci` entry point: maps a command name to its module, loaded lazily so that
 * `sci validate` never pays for the engine or the AWS SDK.
 */
import { readFileSync } from 'node:fs';
import { CliUsageError, formatUnexpected } from './errors.ts';
import { NoStateHomeError } from '../../local/home.ts';
import { optimizeOnlyHotCode } from './v8-tiering.ts';

/** A command module exports its `--help` text and `run(argv)`, which resolves to the process exit code. */
export interface CommandModule {
  help: string;
  run(argv: string[]): Promise<number>;
}

const commands: Record<string, { summary: string; load: () => Promise<CommandModule> }> = {
  validate: {
    summary: 'check pipeline files (all under .sci/ by default)',
    load: () => import('./commands/validate.ts'),
  },
  compile: {
    summary: 'print the Amazon States Language definition of a pipeline',
    load: () => import('./commands/compile.ts'),
  },
  schema: { summary: 'print the JSON Schema of the pipeline file', load: () => import('./commands/schema.ts') },
  run: { summary: 'run pipelines locally on the embedded engine', load: () => import('./commands/run.ts') },
  runs: { summary: 'list run history', load: () => import('./commands/runs.ts') },
  show: { summary: 'show one run', load: () => import('./commands/show.ts') },
  logs: { summary: "print one step's log", load: () => import('./commands/logs.ts') },
  approve: { summary: 'approve a waiting approval step', load: () => import('./commands/approve.ts') },
  reject: { summary: 'reject a waiting approval step', load: () => import('./commands/reject.ts') },
  cancel: { summary: 'cancel a run', load: () => import('./commands/cancel.ts') },
  redrive: {
    summary: 'resume a failed or cancelled run at the steps that did not succeed',
    load: () => import('./commands/redrive.ts'),
  },
  envs: { summary: "list environments' current releases, or one's history", load: () => import('./commands/envs.ts') },
  promote: {
    summary: "re-release one environment's current release to another",
    load: () => import('./commands/promote.ts'),
  },
  rollback: {
    summary: "re-release an environment's previous successful release",
    load: () => import('./commands/rollback.ts'),
  },
  serve: {
    summary: 'dashboard, and a local webhook endpoint when SCI_WEBHOOK_SECRET is set',
    load: () => import('./commands/serve.ts'),
  },
  ui: { summary: 'dashboard only (runs, graphs, logs, approvals)', load: () => import('./commands/ui.ts') },
  doctor: {
    summary: 'check a deployed stack (read-only, your AWS credentials)',
    load: () => import('./commands/doctor.ts'),
  },
};

export function usage(): string {
  const width = Math.max(...Object.keys(commands).map((c) => c.length));
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return `usage: sci <command> [options]\n\ncommands:\n${lines.join('\n')}\n\n'sci <command> --help' describes a command; 'sci --version' prints the version.\n`;
}

export function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return `sci ${pkg.version}\n`;
}

/** `--help` or `-h` before a `--` asks for help, wherever it stands among the arguments. */
function asksForHelp(argv: string[]): boolean {
  const end = argv.indexOf('--');
  return (end === -1 ? argv : argv.slice(0, end)).some((arg) => arg === '--help' || arg === '-h');
}

/** 128 + SIGPIPE: what a shell reports for a writer whose reader went away, as git and ls end. */
const CLOSED_PIPE_EXIT = 141;

/** A reader that stops early (`sci runs | head -1`) closes the pipe: end quietly, never with a stack trace. */
function endQuietlyWhenReaderLeaves(stream: NodeJS.WriteStream): void {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit(CLOSED_PIPE_EXIT);
  });
}

let readersWatched = false;

export async function main(argv: string[]): Promise<number> {
  if (!readersWatched) {
    readersWatched = true;
    optimizeOnlyHotCode();
    endQuietlyWhenReaderLeaves(process.stdout);
    endQuietlyWhenReaderLeaves(process.stderr);
  }
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-V' || name === 'version') {
    process.stdout.write(version());
    return 0;
  }
  const command = commands[name];
  if (!command) {
    process.stderr.write(`sci: unknown command '${name}'\n\n${usage()}`);
    return 2;
  }
  try {
    const mod = await command.load();
    if (asksForHelp(rest)) {
      process.stdout.write(mod.help);
      return 0;
    }
    return await mod.run(rest);
  } catch (error) {
    if (error instanceof CliUsageError) {
      process.stderr.write(`sci ${name}: ${error.message}\n`);
      return 2;
    }
    if (error instanceof NoStateHomeError) {
      process.stderr.write(`sci ${name}: ${error.message}\n`);
      return 1;
    }
    process.stderr.write(formatUnexpected(name, error));
    return 2;
  }
}
