/**
 * `sci-local:rolloutShift` / `sci-local:rolloutMeasure`: a `local` rollout target. The first shift
 * of a run opens the weighted proxy on `Listen`; it serves (with the last weight: all stable after
 * a rollback, all candidate after a success) until the run ends. A measure answers as
 * GetMetricData does for the AWS targets' queries: `requests` and `rate` (percent, floored to one
 * decimal as the metric math is), with no datapoint when nothing was requested.
 */
import { TaskError } from '../errors.ts';
import type { Executor, TaskRun } from '../services.ts';
import { WeightedProxy } from '../weighted-proxy.ts';

/** Open proxies by run, then port. */
const proxies = new Map<string, Map<number, WeightedProxy>>();

async function proxyFor(run: TaskRun, listen: number, stable: string, candidate: string): Promise<WeightedProxy> {
  let ofRun = proxies.get(run.runId);
  const open = ofRun?.get(listen);
  if (open) return open;
  const proxy = new WeightedProxy(new URL(stable), new URL(candidate));
  try {
    await proxy.listen(listen);
  } catch (error) {
    throw new TaskError(
      'sci.ProxyListenFailed',
      `cannot listen on 127.0.0.1:${listen}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  if (!ofRun) {
    ofRun = new Map();
    proxies.set(run.runId, ofRun);
    const runProxies = ofRun;
    const closeAll = () => {
      proxies.delete(run.runId);
      void Promise.all([...runProxies.values()].map((p) => p.close()));
    };
    if (run.signal.aborted) closeAll();
    else run.signal.addEventListener('abort', closeAll, { once: true });
  }
  ofRun.set(listen, proxy);
  return proxy;
}

interface ShiftInput {
  Listen: number;
  Stable: string;
  Candidate: string;
  Weight: number;
}

export const localRolloutShiftExecutor: Executor = async (input, _state, run) => {
  const { Listen, Stable, Candidate, Weight } = input as ShiftInput;
  (await proxyFor(run, Listen, Stable, Candidate)).shift(Weight);
  return {};
};

export const localRolloutMeasureExecutor: Executor = async (input, _state, run) => {
  const { Listen } = input as { Listen: number };
  const proxy = proxies.get(run.runId)?.get(Listen);
  if (!proxy) throw new TaskError('sci.ProxyNotOpen', `no rollout proxy on 127.0.0.1:${Listen} in this run`);
  const { requests, errors } = proxy.measured();
  // As CloudWatch answers the metric math: no datapoint when nothing was requested.
  const values = (value: number) => (requests > 0 ? [value] : []);
  return {
    MetricDataResults: [
      { Id: 'requests', Values: values(requests) },
      { Id: 'rate', Values: values(Math.floor((1000 * errors) / requests) / 10) },
    ],
  };
};
