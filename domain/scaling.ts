import { METRICS, type MetricName } from './metric-names.js';
import type { TaskQueueName } from './task-queues.js';

/**
 * The seed's SLO-based autoscaling (component 7) as data plus one pure rule.
 * The KEDA ScaledObjects (and the API's HPA) in k8s/ are generated from these
 * policies (domain/keda-triggers.ts), KEDA hands them to a HorizontalPodAutoscaler,
 * and `golden scale` runs `recommendReplicas` on live backlogs, so both follow
 * the same numbers and the same arithmetic (Kubernetes' HPA algorithm).
 */

export type ScalingSignal =
  /** Tasks waiting in the deployment's Temporal task queue, as a target per replica. */
  | { kind: 'backlog'; perReplica: number }
  /** A gauge summed over the deployment, as a target per replica (the seed's "5/pod", "10/pod"). */
  | { kind: 'average'; metric: MetricName; perReplica: number }
  /** A level the deployment should keep (the seed's "p95 consensus time 150 s"); replicas grow in proportion. */
  | { kind: 'value'; metric: MetricName; target: number }
  | { kind: 'cpu'; utilizationPercent: number };

export interface ScalingPolicy {
  minReplicas: number;
  maxReplicas: number;
  signals: readonly ScalingSignal[];
  /** No scale-up sooner than `cooldownSeconds` after the last one; each step adds at most the larger of maxPods and maxPercent. */
  scaleUp: { cooldownSeconds: number; maxPods: number; maxPercent: number; periodSeconds: number };
  /** No scale-down sooner than `cooldownSeconds` after any scaling; each step removes at most maxPods. */
  scaleDown: { cooldownSeconds: number; maxPods: number; periodSeconds: number };
}

/** Kubernetes' HPA default: a ratio within 10% of the target changes nothing, so small noise never scales. */
export const SCALING_TOLERANCE = 0.1;

const SCALE_UP = { cooldownSeconds: 60, maxPods: 4, maxPercent: 100, periodSeconds: 60 } as const;
// Down slowly: a worker removed too early is a task waiting behind a cold start.
const SCALE_DOWN = { cooldownSeconds: 300, maxPods: 1, periodSeconds: 60 } as const;

/** The seed's "Scaling Triggers" table, plus each queue's backlog (the design's "workers scale on task-queue backlog"). */
export const WORKER_SCALING: Readonly<Record<TaskQueueName, ScalingPolicy>> = {
  orchestrator: {
    minReplicas: 2,
    maxReplicas: 20,
    signals: [
      { kind: 'backlog', perReplica: 10 },
      { kind: 'average', metric: METRICS.tasksActive, perReplica: 10 },
    ],
    scaleUp: SCALE_UP,
    scaleDown: SCALE_DOWN,
  },
  'peer-hub': {
    minReplicas: 2,
    maxReplicas: 10,
    signals: [
      { kind: 'backlog', perReplica: 5 },
      { kind: 'value', metric: METRICS.peerReviewConsensusP95, target: 150 },
    ],
    scaleUp: SCALE_UP,
    scaleDown: SCALE_DOWN,
  },
  supervisor: {
    minReplicas: 1,
    maxReplicas: 5,
    signals: [
      { kind: 'backlog', perReplica: 5 },
      { kind: 'average', metric: METRICS.escalationsUnresolved, perReplica: 5 },
    ],
    scaleUp: SCALE_UP,
    scaleDown: SCALE_DOWN,
  },
  // The seed's sandbox trigger is its queue depth, 5 per pod: the backlog itself.
  sandbox: {
    minReplicas: 3,
    maxReplicas: 15,
    signals: [{ kind: 'backlog', perReplica: 5 }],
    scaleUp: SCALE_UP,
    scaleDown: SCALE_DOWN,
  },
};

/** The API holds no queue; it scales on CPU like any stateless HTTP service. */
export const API_SCALING: ScalingPolicy = {
  minReplicas: 2,
  maxReplicas: 10,
  signals: [{ kind: 'cpu', utilizationPercent: 70 }],
  scaleUp: SCALE_UP,
  scaleDown: SCALE_DOWN,
};

export interface ScalingObservation {
  currentReplicas: number;
  /** Tasks waiting in the task queue; undefined when not known. */
  backlog?: number;
  metrics?: Partial<Record<MetricName, number>>;
  cpuUtilizationPercent?: number;
  /** Undefined when the deployment never scaled (no cooldown applies). */
  secondsSinceScaleUp?: number;
  secondsSinceScaleDown?: number;
}

export interface SignalProposal {
  signal: string;
  observed: number;
  replicas: number;
}

export interface ScalingRecommendation {
  replicas: number;
  /** What the signals ask for, before bounds, steps and cooldowns. */
  wanted: number;
  proposals: SignalProposal[];
  reason: string;
}

function signalName(signal: ScalingSignal): string {
  switch (signal.kind) {
    case 'backlog':
      return `backlog ${signal.perReplica}/replica`;
    case 'average':
      return `${signal.metric} ${signal.perReplica}/replica`;
    case 'value':
      return `${signal.metric} target ${signal.target}`;
    case 'cpu':
      return `cpu ${signal.utilizationPercent}%`;
  }
}

function observedValue(signal: ScalingSignal, obs: ScalingObservation): number | undefined {
  switch (signal.kind) {
    case 'backlog':
      return obs.backlog;
    case 'average':
    case 'value':
      return obs.metrics?.[signal.metric];
    case 'cpu':
      return obs.cpuUtilizationPercent;
  }
}

/** Replicas one signal asks for, the HPA way: a ratio within the tolerance keeps the current count. */
function propose(signal: ScalingSignal, value: number, current: number): number {
  if (signal.kind === 'backlog' || signal.kind === 'average') {
    const perReplica = signal.perReplica;
    if (current > 0 && Math.abs(value / current / perReplica - 1) <= SCALING_TOLERANCE) return current;
    return Math.ceil(value / perReplica);
  }
  const target = signal.kind === 'value' ? signal.target : signal.utilizationPercent;
  const ratio = value / target;
  if (Math.abs(ratio - 1) <= SCALING_TOLERANCE) return current;
  // A level cannot be split across zero replicas: from zero, one replica is the base the ratio scales.
  return Math.ceil(Math.max(current, 1) * ratio);
}

function checkPolicy(policy: ScalingPolicy): void {
  const { minReplicas: min, maxReplicas: max } = policy;
  if (!Number.isInteger(min) || !Number.isInteger(max) || min < 0 || max < 1 || min > max) {
    throw new RangeError(`replica bounds must be whole numbers with 0 <= min <= max and max >= 1, got ${min}-${max}`);
  }
  for (const signal of policy.signals) {
    const size = signal.kind === 'value' ? signal.target : signal.kind === 'cpu' ? signal.utilizationPercent : signal.perReplica;
    if (!(size > 0)) throw new RangeError(`signal "${signalName(signal)}" needs a target above 0`);
  }
}

function checkObservation(obs: ScalingObservation): void {
  if (!Number.isInteger(obs.currentReplicas) || obs.currentReplicas < 0) {
    throw new RangeError(`currentReplicas must be a whole number >= 0, got ${obs.currentReplicas}`);
  }
  const numbers: [string, number | undefined][] = [
    ['backlog', obs.backlog],
    ['cpuUtilizationPercent', obs.cpuUtilizationPercent],
    ['secondsSinceScaleUp', obs.secondsSinceScaleUp],
    ['secondsSinceScaleDown', obs.secondsSinceScaleDown],
    ...Object.entries(obs.metrics ?? {}),
  ];
  for (const [name, value] of numbers) {
    if (value !== undefined && !(Number.isFinite(value) && value >= 0)) throw new RangeError(`${name} must be a finite number >= 0, got ${value}`);
  }
}

const cooling = (since: number | undefined, cooldown: number) => since !== undefined && since < cooldown;

/**
 * The replicas a deployment should run: the largest count any observed signal
 * asks for, kept within the policy's bounds, moved by at most one step, and
 * held during a cooldown. Signals not observed are left out; with none, the
 * count only moves into bounds.
 */
export function recommendReplicas(policy: ScalingPolicy, obs: ScalingObservation): ScalingRecommendation {
  checkPolicy(policy);
  checkObservation(obs);
  const current = obs.currentReplicas;
  const proposals: SignalProposal[] = [];
  for (const signal of policy.signals) {
    const value = observedValue(signal, obs);
    if (value !== undefined) proposals.push({ signal: signalName(signal), observed: value, replicas: propose(signal, value, current) });
  }
  const wanted = proposals.length === 0 ? current : Math.max(...proposals.map((p) => p.replicas));
  const bounded = Math.min(policy.maxReplicas, Math.max(policy.minReplicas, wanted));
  const result = (replicas: number, reason: string): ScalingRecommendation => ({ replicas, wanted, proposals, reason });

  const scaleUp = (from: number, prefix: string): ScalingRecommendation => {
    const { maxPods, maxPercent } = policy.scaleUp;
    const step = Math.max(from + maxPods, Math.ceil((from * (100 + maxPercent)) / 100));
    if (bounded > step) return result(step, `${prefix}scaling up by the largest step allowed (to ${step}; ${bounded} wanted)`);
    return result(bounded, `${prefix}${bounded < wanted ? `scaling up to the maximum of ${policy.maxReplicas}` : 'scaling up'}`);
  };

  // Bounds first: a deployment outside them moves into them whatever the cooldowns say; below the
  // minimum, the signals still count from the minimum up, so a cold start with a backlog starts big enough.
  if (current < policy.minReplicas) {
    const below = `below the minimum of ${policy.minReplicas}`;
    return bounded > policy.minReplicas ? scaleUp(policy.minReplicas, `${below}; `) : result(policy.minReplicas, below);
  }
  if (current > policy.maxReplicas) return result(policy.maxReplicas, `above the maximum of ${policy.maxReplicas}`);
  if (proposals.length === 0) return result(current, 'no signal observed');

  if (bounded > current) {
    const { cooldownSeconds } = policy.scaleUp;
    if (cooling(obs.secondsSinceScaleUp, cooldownSeconds)) return result(current, `scale-up cooldown (${cooldownSeconds}s) not over`);
    return scaleUp(current, '');
  }
  if (bounded < current) {
    const { cooldownSeconds, maxPods } = policy.scaleDown;
    if (cooling(obs.secondsSinceScaleDown, cooldownSeconds) || cooling(obs.secondsSinceScaleUp, cooldownSeconds)) {
      return result(current, `scale-down cooldown (${cooldownSeconds}s) not over`);
    }
    const step = current - maxPods;
    if (bounded < step) return result(step, `scaling down by the largest step allowed (to ${step}; ${bounded} wanted)`);
    return result(bounded, bounded > wanted ? `scaling down to the minimum of ${policy.minReplicas}` : 'scaling down');
  }
  return result(current, 'at the wanted size');
}
