// SCI_TEST_TIMES=1: how the run used the machine's cores, from /proc/stat (the whole machine's, so on a quiet
// machine what the cores did is what the run did), sampled every second from the runner's start. The runner
// prints it after the files' times, every 10 s with the test processes that ran in it and the work beside them
// (the bundles, the test images' build, the checks): where the cores were idle is where the schedule can gain.
import { readFileSync } from 'node:fs';

/** The machine's idle and total CPU time so far, in clock ticks (1/100 s): /proc/stat's first line. */
function ticks() {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0].trim().split(/\s+/).slice(1, 9).map(Number);
  return { idle: (fields[3] ?? 0) + (fields[4] ?? 0), total: fields.reduce((sum, n) => sum + n, 0) };
}

/** Samples /proc/stat every second; `stop()` takes a last sample and returns them, `t` in s from the runner's start. */
export function sampleCores() {
  const sample = () => ({ t: performance.now() / 1000, ...ticks() });
  const samples = [sample()];
  const timer = setInterval(() => samples.push(sample()), 1000).unref();
  return {
    stop() {
      clearInterval(timer);
      samples.push(sample());
      return samples;
    },
  };
}

/** Busy and idle cores (average) between the samples nearest to `from` and `to`. */
function coresBetween(samples, from, to) {
  const near = (t) => samples.reduce((best, s) => (Math.abs(s.t - t) < Math.abs(best.t - t) ? s : best));
  const [a, b] = [near(from), near(to)];
  const seconds = b.t - a.t;
  if (seconds <= 0) return { busy: 0, idle: 0, seconds: 0 };
  return {
    busy: (b.total - b.idle - (a.total - a.idle)) / 100 / seconds,
    idle: (b.idle - a.idle) / 100 / seconds,
    seconds,
  };
}

const short = (name) => name.replaceAll('test/', '').replaceAll('.test.ts', '');

/**
 * The report: every 10 s, the busy and idle cores and what ran (`spans`: { name, start, end } in s from the
 * runner's start, test processes and the work beside them), then the idle core-seconds before the first test
 * process, while they ran and after the last.
 */
export function coreReport(samples, spans, testsStart, testsEnd) {
  const end = samples.at(-1).t;
  const lines = [
    '\nthe machine’s cores (/proc/stat), every 10 s from the runner’s start:\n     s   busy   idle  running\n',
  ];
  for (let t = 0; t < end; t += 10) {
    const { busy, idle } = coresBetween(samples, t, Math.min(t + 10, end));
    const running = spans.filter((s) => s.start < t + 10 && s.end > t).map((s) => short(s.name).split(' + ')[0]);
    lines.push(
      `${String(t).padStart(6)} ${busy.toFixed(2).padStart(6)} ${idle.toFixed(2).padStart(6)}  ${running.join(', ')}\n`,
    );
  }
  const idleSeconds = (from, to) => {
    const { idle, seconds } = coresBetween(samples, from, to);
    return (idle * seconds).toFixed(1);
  };
  lines.push(
    `idle core-seconds: ${idleSeconds(0, testsStart)} before the first test process (${testsStart.toFixed(1)} s), ` +
      `${idleSeconds(testsStart, testsEnd)} while they ran (${(testsEnd - testsStart).toFixed(1)} s), ` +
      `${idleSeconds(testsEnd, end)} after (${(end - testsEnd).toFixed(1)} s)\n`,
  );
  return lines.join('');
}
