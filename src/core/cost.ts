/**
 * What a run costs on AWS: billed state transitions × the Step Functions price, each build's
 * time × its compute type's CodeBuild price (EC2 compute per started minute, Lambda compute per
 * second), from the run's recorded transitions and its steps' compute types and times. Locally
 * the same arithmetic says what the run would have cost on AWS.
 */
import type { Compute } from '../../statemachines/pipeline/model.ts';
import type { RunWithSteps, StepRecord } from './ports.ts';

/** One region's prices, with where they come from. */
export interface PriceTable {
  region: string;
  /** USD per state transition (Standard workflows). */
  transition: number;
  /** USD per build minute (EC2 compute, each build's time rounded up to whole minutes). */
  ec2PerMinute: Record<'small' | 'medium' | 'large' | 'xlarge', number>;
  /** USD per GB-second of CodeBuild Lambda compute (billed per second). */
  lambdaPerGbSecond: number;
  sources: string[];
  /** When the prices were read from the sources. */
  asOf: string;
}

const SOURCES = [
  'https://aws.amazon.com/step-functions/pricing/ (state transitions pricing table, by region)',
  'https://aws.amazon.com/codebuild/pricing/ (on-demand build minutes by compute type, us-east-1)',
];

/** CodeBuild's us-east-1 list prices; other regions differ by a few percent (see docs/cost.md). */
const CODEBUILD_US_EAST_1 = {
  ec2PerMinute: { small: 0.005, medium: 0.01, large: 0.02, xlarge: 0.04 },
  // lambda-1gb is $0.00002 per second and each size doubles with its memory
  lambdaPerGbSecond: 0.00002,
};

/** Step Functions' price per 1,000 state transitions, by region (its pricing page's table). */
const TRANSITIONS_PER_THOUSAND: Record<string, number> = {
  'us-east-1': 0.025,
  'us-east-2': 0.025,
  'us-west-2': 0.025,
  'us-west-1': 0.0279,
  'ca-central-1': 0.025,
  'sa-east-1': 0.0375,
  'eu-west-1': 0.025,
  'eu-central-1': 0.025,
  'eu-west-2': 0.025,
  'eu-west-3': 0.0297,
  'eu-north-1': 0.025,
  'ap-southeast-1': 0.025,
  'ap-northeast-1': 0.025,
  'ap-southeast-2': 0.025,
  'ap-northeast-2': 0.0271,
  'ap-south-1': 0.0285,
};

export const DEFAULT_PRICE_REGION = 'us-east-1';

/** The price table of `region`; undefined for a region the table does not know. */
export function pricesFor(region: string = DEFAULT_PRICE_REGION): PriceTable | undefined {
  const perThousand = TRANSITIONS_PER_THOUSAND[region];
  if (perThousand === undefined) return undefined;
  return { region, transition: perThousand / 1000, ...CODEBUILD_US_EAST_1, sources: SOURCES, asOf: '2026-11-28' };
}

export const PRICE_REGIONS = Object.keys(TRANSITIONS_PER_THOUSAND);

export interface StepCost {
  usd: number;
  buildSeconds: number;
}

export interface RunCost {
  usd: number;
  /** Billed state transitions of the run's execution; null when they were not recorded. */
  transitions: number | null;
  buildSeconds: number;
  region: string;
  steps: Record<string, StepCost>;
}

const LAMBDA_GB: Record<string, number> = {
  'lambda-1gb': 1,
  'lambda-2gb': 2,
  'lambda-4gb': 4,
  'lambda-8gb': 8,
  'lambda-10gb': 10,
};

/** Seconds between a build's start and end (every attempt: `startedAt` is the first one's). */
function buildSeconds(step: StepRecord): number {
  if (step.kind !== 'run' || !step.startedAt || !step.endedAt) return 0;
  return Math.max(0, Math.round((Date.parse(step.endedAt) - Date.parse(step.startedAt)) / 1000));
}

export function stepCost(step: StepRecord, prices: PriceTable): StepCost {
  const seconds = buildSeconds(step);
  const compute: Compute = step.compute ?? 'small';
  const gb = LAMBDA_GB[compute];
  const usd =
    gb !== undefined
      ? seconds * gb * prices.lambdaPerGbSecond
      : Math.ceil(seconds / 60) * prices.ec2PerMinute[compute as keyof PriceTable['ec2PerMinute']];
  return { usd, buildSeconds: seconds };
}

export function runCost({ run, steps }: RunWithSteps, prices: PriceTable): RunCost {
  const perStep = Object.fromEntries(steps.map((s) => [s.key, stepCost(s, prices)]));
  const builds = Object.values(perStep);
  const transitions = run.transitions ?? null;
  const usd = builds.reduce((sum, s) => sum + s.usd, 0) + (transitions ?? 0) * prices.transition;
  return {
    usd: Math.round(usd * 1e6) / 1e6,
    transitions,
    buildSeconds: builds.reduce((sum, s) => sum + s.buildSeconds, 0),
    region: prices.region,
    steps: perStep,
  };
}
