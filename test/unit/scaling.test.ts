import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { METRICS } from '../../domain/metric-names.js';
import { API_SCALING, recommendReplicas, WORKER_SCALING, type ScalingObservation, type ScalingPolicy } from '../../domain/scaling.js';
import { TASK_QUEUES } from '../../domain/task-queues.js';

describe('the seed scaling table', () => {
  const seed = {
    orchestrator: { min: 2, max: 20, metric: METRICS.tasksActive, perReplica: 10 },
    'peer-hub': { min: 2, max: 10, metric: METRICS.peerReviewConsensusP95, target: 150 },
    supervisor: { min: 1, max: 5, metric: METRICS.escalationsUnresolved, perReplica: 5 },
    sandbox: { min: 3, max: 15, backlogPerReplica: 5 },
  } as const;

  for (const queue of TASK_QUEUES) {
    it(`${queue}: the seed's bounds, its trigger, and a backlog signal`, () => {
      const policy = WORKER_SCALING[queue];
      const row = seed[queue];
      assert.equal(policy.minReplicas, row.min);
      assert.equal(policy.maxReplicas, row.max);
      const backlog = policy.signals.find((s) => s.kind === 'backlog');
      assert.ok(backlog, 'every worker deployment scales on its queue backlog');
      if ('backlogPerReplica' in row) assert.equal(backlog.perReplica, row.backlogPerReplica);
      if ('perReplica' in row) assert.deepEqual(policy.signals.find((s) => s.kind === 'average'), { kind: 'average', metric: row.metric, perReplica: row.perReplica });
      if ('target' in row) assert.deepEqual(policy.signals.find((s) => s.kind === 'value'), { kind: 'value', metric: row.metric, target: row.target });
    });
  }

  it('the API scales on CPU', () => {
    assert.deepEqual(API_SCALING.signals, [{ kind: 'cpu', utilizationPercent: 70 }]);
  });
});

describe('recommendReplicas', () => {
  const sandbox = WORKER_SCALING.sandbox; // 3-15, backlog 5/replica, up +4 or +100%/step, down -1/step
  const peerHub = WORKER_SCALING['peer-hub']; // 2-10, backlog 5/replica, p95 target 150
  const orchestrator = WORKER_SCALING.orchestrator; // 2-20, backlog 10/replica, active tasks 10/replica

  const cases: { name: string; policy: ScalingPolicy; obs: ScalingObservation; replicas: number; reason: RegExp }[] = [
    { name: 'idle queue stays at the minimum', policy: sandbox, obs: { currentReplicas: 3, backlog: 0 }, replicas: 3, reason: /at the wanted size/ },
    { name: 'backlog asks for ceil(backlog / per-replica)', policy: sandbox, obs: { currentReplicas: 3, backlog: 26 }, replicas: 6, reason: /^scaling up$/ },
    { name: 'a large backlog is capped by one step (+100% beats +4 at 6)', policy: sandbox, obs: { currentReplicas: 6, backlog: 70 }, replicas: 12, reason: /largest step.*14 wanted/ },
    { name: 'from 3, +4 beats +100%', policy: sandbox, obs: { currentReplicas: 3, backlog: 70 }, replicas: 7, reason: /largest step/ },
    { name: 'never above the maximum', policy: sandbox, obs: { currentReplicas: 12, backlog: 500 }, replicas: 15, reason: /maximum of 15/ },
    { name: 'within the 10% tolerance nothing changes', policy: sandbox, obs: { currentReplicas: 4, backlog: 21 }, replicas: 4, reason: /at the wanted size/ },
    { name: 'scale-up waits for its cooldown', policy: sandbox, obs: { currentReplicas: 3, backlog: 30, secondsSinceScaleUp: 20 }, replicas: 3, reason: /scale-up cooldown \(60s\)/ },
    { name: 'scale-up after the cooldown', policy: sandbox, obs: { currentReplicas: 3, backlog: 30, secondsSinceScaleUp: 61 }, replicas: 6, reason: /scaling up/ },
    { name: 'scale-down removes one replica per step', policy: sandbox, obs: { currentReplicas: 10, backlog: 0 }, replicas: 9, reason: /scaling down by the largest step.*3 wanted/ },
    { name: 'scale-down waits 300 s after a scale-up', policy: sandbox, obs: { currentReplicas: 10, backlog: 0, secondsSinceScaleUp: 120 }, replicas: 10, reason: /scale-down cooldown \(300s\)/ },
    { name: 'scale-down waits 300 s after a scale-down', policy: sandbox, obs: { currentReplicas: 10, backlog: 0, secondsSinceScaleDown: 299 }, replicas: 10, reason: /scale-down cooldown/ },
    { name: 'scale-down to the minimum', policy: sandbox, obs: { currentReplicas: 4, backlog: 0, secondsSinceScaleDown: 900 }, replicas: 3, reason: /minimum of 3/ },
    { name: 'below the minimum moves up whatever the cooldown', policy: sandbox, obs: { currentReplicas: 0, backlog: 0, secondsSinceScaleUp: 1 }, replicas: 3, reason: /below the minimum/ },
    { name: 'from zero workers, a backlog counts from the minimum up', policy: sandbox, obs: { currentReplicas: 0, backlog: 26 }, replicas: 6, reason: /below the minimum of 3; scaling up$/ },
    { name: 'from zero workers, still one step at most', policy: sandbox, obs: { currentReplicas: 0, backlog: 200 }, replicas: 7, reason: /below the minimum of 3; scaling up by the largest step/ },
    { name: 'above the maximum moves down whatever the cooldown', policy: sandbox, obs: { currentReplicas: 20, backlog: 0, secondsSinceScaleDown: 1 }, replicas: 15, reason: /above the maximum/ },
    { name: 'no signal keeps the count', policy: sandbox, obs: { currentReplicas: 5 }, replicas: 5, reason: /no signal/ },
    { name: 'latency over target grows replicas in proportion', policy: peerHub, obs: { currentReplicas: 2, metrics: { [METRICS.peerReviewConsensusP95]: 300 } }, replicas: 4, reason: /scaling up/ },
    { name: 'latency within tolerance keeps the count', policy: peerHub, obs: { currentReplicas: 4, metrics: { [METRICS.peerReviewConsensusP95]: 160 } }, replicas: 4, reason: /at the wanted size/ },
    {
      name: 'the largest signal wins (active tasks over backlog)',
      policy: orchestrator,
      obs: { currentReplicas: 2, backlog: 5, metrics: { [METRICS.tasksActive]: 55 } },
      replicas: 6,
      reason: /scaling up/,
    },
  ];

  for (const c of cases) {
    it(c.name, () => {
      const r = recommendReplicas(c.policy, c.obs);
      assert.equal(r.replicas, c.replicas, `${r.reason} (wanted ${r.wanted})`);
      assert.match(r.reason, c.reason);
    });
  }

  it('reports each signal it used', () => {
    const r = recommendReplicas(orchestrator, { currentReplicas: 2, backlog: 40, metrics: { [METRICS.tasksActive]: 10 } });
    assert.deepEqual(
      r.proposals.map((p) => [p.signal, p.observed, p.replicas]),
      [
        ['backlog 10/replica', 40, 4],
        [`${METRICS.tasksActive} 10/replica`, 10, 1],
      ],
    );
    assert.equal(r.wanted, 4);
  });

  it('refuses impossible observations and policies', () => {
    assert.throws(() => recommendReplicas(sandbox, { currentReplicas: -1 }), /currentReplicas must be a whole number >= 0, got -1/);
    assert.throws(() => recommendReplicas(sandbox, { currentReplicas: 1.5 }), /currentReplicas/);
    assert.throws(() => recommendReplicas(sandbox, { currentReplicas: 1, backlog: Number.NaN }), /backlog must be a finite number >= 0/);
    assert.throws(() => recommendReplicas(peerHub, { currentReplicas: 1, metrics: { [METRICS.peerReviewConsensusP95]: -3 } }), new RegExp(`${METRICS.peerReviewConsensusP95} must be`));
    assert.throws(() => recommendReplicas({ ...sandbox, minReplicas: 5, maxReplicas: 2 }, { currentReplicas: 1 }), /replica bounds/);
    assert.throws(() => recommendReplicas({ ...sandbox, signals: [{ kind: 'backlog', perReplica: 0 }] }, { currentReplicas: 1 }), /needs a target above 0/);
  });
});

describe('activity slots per worker', () => {
  it('bound every queue, sandbox runs tightest, and a process override wins', async () => {
    const { ACTIVITY_SLOTS, activitySlots } = await import('../../domain/worker-capacity.js');
    for (const [queue, slots] of Object.entries(ACTIVITY_SLOTS)) assert.ok(Number.isInteger(slots) && slots > 0, queue);
    assert.equal(Math.min(...Object.values(ACTIVITY_SLOTS)), ACTIVITY_SLOTS.sandbox, 'each sandbox run is a container');
    assert.equal(activitySlots('sandbox'), ACTIVITY_SLOTS.sandbox);
    assert.equal(activitySlots('sandbox', 9), 9);
  });
});
