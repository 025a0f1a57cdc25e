import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { KEDA_POLLING_INTERVAL_SECONDS, PROMETHEUS_ADDRESS, TEMPORAL_TLS_SECRET, TEMPORAL_TRIGGER_AUTH } from '../../domain/deployment.js';
import { KEDA_SCALER_KEYS, kedaTrigger, scalingQuery, TEMPORAL_QUEUE_TYPES, triggerProblems, type KedaTrigger } from '../../domain/keda-triggers.js';
import { METRICS } from '../../domain/metric-names.js';
import type { ScalingPolicy } from '../../domain/scaling.js';
import { taskQueueName } from '../../domain/task-queues.js';
import { generatedDeployments, generatedInput, siteConfig, triggerSite } from '../../scripts/k8s/files.js';
import { manifestDocuments } from '../../scripts/k8s/manifests.js';

/** The autoscalers in k8s/, number by number against domain/scaling.ts, and their KEDA triggers against KEDA's documented keys. */

type Doc = { apiVersion: string; kind: string; metadata: { name: string }; spec: Record<string, unknown> };
type Trigger = { type: string; name: string; metricType: string; metadata: Record<string, string>; authenticationRef?: { name: string } };

const docs = manifestDocuments(generatedInput());
const autoscalers = docs.get('base/hpa-configs.yaml')!.docs as unknown as Doc[];
const specs = generatedDeployments();
const site = triggerSite();
const byKind = (kind: string) => autoscalers.filter((d) => d.kind === kind);
const targetOf = (d: Doc) => (d.spec.scaleTargetRef as { kind: string; name: string }).name;

function expectedBehavior(p: ScalingPolicy) {
  return {
    scaleUp: {
      stabilizationWindowSeconds: p.scaleUp.cooldownSeconds,
      selectPolicy: 'Max',
      policies: [
        { type: 'Pods', value: p.scaleUp.maxPods, periodSeconds: p.scaleUp.periodSeconds },
        { type: 'Percent', value: p.scaleUp.maxPercent, periodSeconds: p.scaleUp.periodSeconds },
      ],
    },
    scaleDown: { stabilizationWindowSeconds: p.scaleDown.cooldownSeconds, policies: [{ type: 'Pods', value: p.scaleDown.maxPods, periodSeconds: p.scaleDown.periodSeconds }] },
  };
}

describe('autoscalers in k8s/hpa-configs.yaml', () => {
  it('one per deployment: a KEDA ScaledObject for each worker, a plain HPA only for the API, never two on one deployment', () => {
    const targets = autoscalers.filter((d) => d.kind !== 'TriggerAuthentication').map(targetOf);
    assert.deepEqual([...targets].sort(), specs.map((d) => d.name).sort());
    assert.deepEqual(byKind('HorizontalPodAutoscaler').map(targetOf), ['api']);
    assert.deepEqual(
      byKind('ScaledObject').map(targetOf),
      specs.filter((d) => d.queue !== undefined).map((d) => d.name),
    );
    for (const [path, file] of docs) {
      if (path === 'base/hpa-configs.yaml' || path === 'hpa-configs.yaml') continue;
      for (const doc of file.docs as unknown as Doc[]) assert.ok(!['HorizontalPodAutoscaler', 'ScaledObject'].includes(doc?.kind), `${path} holds no autoscaler`);
    }
  });

  it("carry every number of each worker's policy: bounds, steps, windows and trigger targets", () => {
    for (const d of specs.filter((s) => s.queue !== undefined)) {
      const so = byKind('ScaledObject').find((o) => targetOf(o) === d.name)!;
      const p = d.scaling;
      assert.equal(so.spec.minReplicaCount, p.minReplicas, d.name);
      assert.equal(so.spec.maxReplicaCount, p.maxReplicas, d.name);
      assert.equal(so.spec.pollingInterval, KEDA_POLLING_INTERVAL_SECONDS);
      assert.deepEqual(so.spec.advanced, { horizontalPodAutoscalerConfig: { name: d.name, behavior: expectedBehavior(p) } }, d.name);
      const triggers = so.spec.triggers as Trigger[];
      assert.equal(triggers.length, p.signals.length, `${d.name}: one trigger per signal`);
      p.signals.forEach((signal, i) => {
        const t = triggers[i]!;
        if (signal.kind === 'backlog') {
          assert.equal(t.type, 'temporal');
          assert.equal(t.metricType, 'AverageValue');
          assert.equal(t.metadata.taskQueue, taskQueueName(d.queue!));
          assert.equal(t.metadata.targetQueueSize, String(signal.perReplica));
          assert.equal(t.metadata.queueTypes, TEMPORAL_QUEUE_TYPES);
          assert.equal(t.metadata.endpointFromEnv, 'TEMPORAL_ADDRESS');
          assert.equal(t.metadata.namespace, siteConfig().TEMPORAL_NAMESPACE);
          assert.deepEqual(t.authenticationRef, { name: TEMPORAL_TRIGGER_AUTH });
        } else if (signal.kind === 'average' || signal.kind === 'value') {
          assert.equal(t.type, 'prometheus');
          assert.equal(t.metricType, signal.kind === 'average' ? 'AverageValue' : 'Value');
          assert.equal(t.metadata.threshold, String(signal.kind === 'average' ? signal.perReplica : signal.target));
          assert.equal(t.metadata.query, scalingQuery(signal));
          assert.ok(t.metadata.query!.includes(signal.metric));
          assert.equal(t.metadata.serverAddress, PROMETHEUS_ADDRESS);
        } else assert.fail(`${d.name} has a ${signal.kind} signal`);
      });
    }
  });

  it("the seed's table, as the cluster reads it", () => {
    const row = (name: string) => {
      const so = byKind('ScaledObject').find((o) => targetOf(o) === name)!;
      const prom = (so.spec.triggers as Trigger[]).filter((t) => t.type === 'prometheus').map((t) => [t.metricType, t.metadata.threshold, t.metadata.query]);
      const temporal = (so.spec.triggers as Trigger[]).find((t) => t.type === 'temporal')!.metadata.targetQueueSize;
      return { min: so.spec.minReplicaCount, max: so.spec.maxReplicaCount, prom, temporal };
    };
    assert.deepEqual(row('worker-peer-hub'), { min: 2, max: 10, prom: [['Value', '150', `max(${METRICS.peerReviewConsensusP95})`]], temporal: '5' });
    assert.deepEqual({ ...row('worker-supervisor'), prom: row('worker-supervisor').prom.map((p) => p.slice(0, 2)) }, { min: 1, max: 5, prom: [['AverageValue', '5']], temporal: '5' });
    assert.deepEqual({ ...row('worker-orchestrator'), prom: row('worker-orchestrator').prom.map((p) => p.slice(0, 2)) }, { min: 2, max: 20, prom: [['AverageValue', '10']], temporal: '10' });
    // The seed's sandbox trigger, queue depth 5 per pod, is the Temporal backlog trigger itself.
    assert.deepEqual(row('worker-sandbox'), { min: 3, max: 15, prom: [], temporal: '5' });
  });

  it("use only KEDA's documented metadata keys, names unique within a ScaledObject", () => {
    for (const so of byKind('ScaledObject')) {
      const triggers = so.spec.triggers as Trigger[];
      assert.equal(new Set(triggers.map((t) => t.name)).size, triggers.length, targetOf(so));
      for (const t of triggers) {
        assert.ok(t.type in KEDA_SCALER_KEYS, t.type);
        assert.ok(['AverageValue', 'Value'].includes(t.metricType), t.metricType);
        assert.deepEqual(triggerProblems(t as KedaTrigger), [], `${targetOf(so)} ${t.name}`);
      }
    }
  });

  it("take Temporal's API key from the Secret, the mTLS files in prod, only under parameters the scaler knows", () => {
    const [auth] = byKind('TriggerAuthentication');
    assert.equal(auth!.metadata.name, TEMPORAL_TRIGGER_AUTH);
    const refs = auth!.spec.secretTargetRef as { parameter: string; name: string; key: string }[];
    assert.deepEqual(refs, [{ parameter: 'apiKey', name: 'golden-secrets', key: 'TEMPORAL_API_KEY' }]);
    type Patch = { target: { kind: string }; patch: string };
    const prod = (docs.get('overlays/prod/kustomization.yaml')!.docs[0] as unknown as { patches: Patch[] }).patches;
    const added = prod
      .filter((p) => p.target.kind === 'TriggerAuthentication')
      .flatMap((p) => parse(p.patch) as { op: string; path: string; value: { parameter: string; name: string; key: string } }[]);
    assert.deepEqual(
      added.map((op) => [op.op, op.path, op.value]),
      Object.entries(TEMPORAL_TLS_SECRET.keys).map(([parameter, key]) => ['add', '/spec/secretTargetRef/-', { parameter, name: TEMPORAL_TLS_SECRET.name, key }]),
    );
    for (const op of added) assert.ok((KEDA_SCALER_KEYS.temporal.auth as readonly string[]).includes(op.value.parameter), op.value.parameter);
    assert.ok(!JSON.stringify(docs.get('overlays/dev/kustomization.yaml')!.docs).includes(TEMPORAL_TLS_SECRET.name), 'dev talks plaintext');
  });

  it('give the API its CPU target and the same steps and windows', () => {
    const [hpa] = byKind('HorizontalPodAutoscaler');
    const api = specs.find((d) => d.component === 'api')!;
    assert.equal(hpa!.spec.minReplicas, api.scaling.minReplicas);
    assert.equal(hpa!.spec.maxReplicas, api.scaling.maxReplicas);
    assert.deepEqual(hpa!.spec.behavior, expectedBehavior(api.scaling));
    const cpu = api.scaling.signals[0]!;
    assert.deepEqual(hpa!.spec.metrics, [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: cpu.kind === 'cpu' ? cpu.utilizationPercent : -1 } } }]);
  });
});

describe('kedaTrigger and triggerProblems', () => {
  it('turns a backlog into a Temporal trigger and a gauge into a one-series Prometheus query', () => {
    const backlog = kedaTrigger({ kind: 'backlog', perReplica: 7 }, 'sandbox', site);
    assert.deepEqual(backlog.metadata, {
      endpointFromEnv: 'TEMPORAL_ADDRESS',
      namespace: site.temporalNamespace,
      taskQueue: 'sandbox',
      queueTypes: 'workflow,activity',
      targetQueueSize: '7',
    });
    const active = kedaTrigger({ kind: 'average', metric: METRICS.tasksActive, perReplica: 3 }, 'orchestrator', site);
    assert.equal(active.metadata.query, 'sum(max without (instance, pod, service, job, container, endpoint, namespace) (tasks_active))');
    assert.equal(active.name, 'tasks-active');
  });

  it('refuses a CPU signal on a worker, and names unknown, missing and ambiguous keys', () => {
    assert.throws(() => kedaTrigger({ kind: 'cpu', utilizationPercent: 50 }, 'sandbox', site), /cpu signal belongs to the API/);
    assert.throws(() => scalingQuery({ kind: 'backlog', perReplica: 1 }), /backlog signal is not read from Prometheus/);
    const bad: KedaTrigger = { type: 'temporal', name: 'b', metricType: 'AverageValue', metadata: { endpoint: 'a:1', endpointFromEnv: 'X', queueSize: '5' } };
    assert.deepEqual(triggerProblems(bad), [
      'temporal trigger "b": unknown key queueSize',
      'temporal trigger "b": missing taskQueue',
      'temporal trigger "b": needs exactly one of endpoint, endpointFromEnv',
    ]);
    assert.deepEqual(triggerProblems({ type: 'prometheus', name: 'p', metricType: 'Value', metadata: { serverAddress: 'x', query: 'up' } }), ['prometheus trigger "p": missing threshold']);
  });
});
