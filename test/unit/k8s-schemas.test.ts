import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import * as keda from '@kubernetes-models/keda/keda.sh/v1alpha1';
import * as monitoring from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import * as apps from 'kubernetes-models/apps/v1';
import * as autoscaling from 'kubernetes-models/autoscaling/v2';
import * as networking from 'kubernetes-models/networking.k8s.io/v1';
import * as nodeApi from 'kubernetes-models/node.k8s.io/v1';
import * as policy from 'kubernetes-models/policy/v1';
import * as core from 'kubernetes-models/v1';
import { parseAllDocuments } from 'yaml';
import { OVERLAYS, TEMPORAL_TLS_SECRET } from '../../domain/deployment.js';
import { generatedDeployments, generatedFiles, generatedInput, k8sDir } from '../../scripts/k8s/files.js';
import { manifestDocuments } from '../../scripts/k8s/manifests.js';

/**
 * Every object in k8s/ checked offline against the Kubernetes, KEDA and
 * prometheus-operator schemas (the kubernetes-models packages), read back
 * from the generated YAML text; the overlays as `kubectl kustomize` renders them.
 * These schemas accept fields they do not list; a misspelt field is caught
 * earlier, by the generator's objects being typed with the same packages.
 */

type K8sObject = { apiVersion: string; kind: string; metadata?: { name?: string }; [field: string]: unknown };
type Model = new (data: never) => { validate(): void };

const MODELS: Readonly<Record<string, Readonly<Record<string, unknown>>>> = {
  v1: core,
  'apps/v1': apps,
  'policy/v1': policy,
  'autoscaling/v2': autoscaling,
  'networking.k8s.io/v1': networking,
  'node.k8s.io/v1': nodeApi,
  'keda.sh/v1alpha1': keda,
  'monitoring.coreos.com/v1': monitoring,
};

/** Validates one object against its kind's schema; throws naming the object and every violation. */
function validate(obj: K8sObject): void {
  const model = MODELS[obj.apiVersion]?.[obj.kind] as Model | undefined;
  if (model === undefined) throw new Error(`no schema for ${obj.apiVersion} ${obj.kind}`);
  try {
    new model(obj as never).validate();
  } catch (err) {
    throw new Error(`${obj.kind} ${obj.metadata?.name ?? '?'}: ${(err as Error).message}`, { cause: err });
  }
}

function parseYaml(text: string, where: string): K8sObject[] {
  return parseAllDocuments(text).map((doc, i) => {
    if (doc.errors.length > 0) throw new Error(`${where} document ${i + 1}: ${doc.errors.map((e) => e.message).join('; ')}`);
    return doc.toJS() as K8sObject;
  });
}

const files = generatedFiles();
const objectFiles = [...files.keys()].filter((p) => (p.startsWith('base/') && p !== 'base/kustomization.yaml') || p === 'hpa-configs.yaml');

describe('manifests against the Kubernetes, KEDA and prometheus-operator schemas', () => {
  it('every object in base/ and hpa-configs.yaml validates', () => {
    let count = 0;
    for (const path of objectFiles) {
      for (const obj of parseYaml(files.get(path)!, path)) {
        validate(obj);
        count += 1;
      }
    }
    const kinds = new Set(objectFiles.flatMap((p) => parseYaml(files.get(p)!, p).map((o) => o.kind)));
    for (const kind of ['Deployment', 'Service', 'PodDisruptionBudget', 'ScaledObject', 'TriggerAuthentication', 'HorizontalPodAutoscaler', 'ServiceMonitor', 'PrometheusRule', 'RuntimeClass', 'ConfigMap', 'Namespace', 'NetworkPolicy']) {
      assert.ok(kinds.has(kind), `a ${kind} is checked`);
    }
    assert.ok(count >= 25, `${count} objects`);
  });

  it('the YAML text reads back as exactly the objects the generator built', () => {
    for (const [path, file] of manifestDocuments(generatedInput())) {
      if (!path.endsWith('.yaml') && !path.endsWith('.yml')) continue;
      assert.deepEqual(parseYaml(files.get(path)!, path), JSON.parse(JSON.stringify(file.docs)), path);
    }
  });

  it('the check fails on a wrong type, a missing required field and an unknown kind (it can fail)', () => {
    const so = parseYaml(files.get('base/hpa-configs.yaml')!, 'hpa').find((o) => o.kind === 'ScaledObject')!;
    const spec = so.spec as Record<string, unknown>;
    assert.throws(() => validate({ ...so, spec: { ...spec, minReplicaCount: '2' } }), /ScaledObject worker-\S+: .*minReplicaCount must be integer/);
    assert.throws(() => validate({ ...so, spec: { ...spec, scaleTargetRef: undefined } }), /must have required property scaleTargetRef/);
    const monitor = parseYaml(files.get('base/servicemonitors.yaml')!, 'sm')[0]!;
    assert.throws(() => validate({ ...monitor, spec: { ...(monitor.spec as object), endpoints: [{ port: 9464 }] } }), /port must be string/);
    assert.throws(() => validate({ apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledThing' }), /no schema for keda.sh\/v1alpha1 ScaledThing/);
  });
});

function render(overlay: string): K8sObject[] {
  // A missing kubectl fails here, loudly: the overlays are part of what CI checks.
  const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' });
  assert.equal(kubectl.status, 0, `kubectl (with its built-in kustomize) is needed to render the overlays: ${kubectl.error?.message ?? kubectl.stderr}`);
  const out = spawnSync('kubectl', ['kustomize', join(k8sDir(), 'overlays', overlay)], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  assert.equal(out.status, 0, out.stderr);
  return parseYaml(out.stdout, `overlays/${overlay}`);
}

describe('Kustomize overlays, rendered by kubectl kustomize', () => {
  const specs = generatedDeployments();

  for (const overlay of OVERLAYS) {
    it(`${overlay.name}: every rendered object validates and carries the overlay label`, () => {
      const objects = render(overlay.name);
      assert.ok(objects.length >= 25);
      for (const obj of objects) {
        validate(obj);
        assert.equal((obj.metadata as { labels?: Record<string, string> }).labels?.['golden-architecture/overlay'], overlay.name);
      }
    });
  }

  it('dev: no deployment starts or stays above one pod, logs at debug, no Temporal TLS', () => {
    const objects = render('dev');
    const cap = OVERLAYS.find((o) => o.name === 'dev')!.maxMinReplicas!;
    for (const d of specs) {
      const dep = objects.find((o) => o.kind === 'Deployment' && o.metadata?.name === d.name)!;
      assert.equal((dep.spec as { replicas: number }).replicas, Math.min(cap, d.scaling.minReplicas), d.name);
      const scaler = objects.find((o) => ['ScaledObject', 'HorizontalPodAutoscaler'].includes(o.kind) && o.metadata?.name === d.name)!;
      const spec = scaler.spec as { minReplicaCount?: number; minReplicas?: number; maxReplicaCount?: number; maxReplicas?: number };
      assert.equal(spec.minReplicaCount ?? spec.minReplicas, Math.min(cap, d.scaling.minReplicas), d.name);
      assert.equal(spec.maxReplicaCount ?? spec.maxReplicas, d.scaling.maxReplicas, `${d.name} keeps its maximum`);
    }
    const config = objects.find((o) => o.kind === 'ConfigMap' && o.metadata?.name === 'golden-config')!;
    assert.equal((config.data as Record<string, string>).LOG_LEVEL, 'debug');
    assert.ok(!JSON.stringify(objects).includes(TEMPORAL_TLS_SECRET.name));
  });

  it("prod: the seed's replica table, and every pod and the backlog scaler get Temporal's mTLS files from the Secret", () => {
    const objects = render('prod');
    for (const d of specs) {
      const dep = objects.find((o) => o.kind === 'Deployment' && o.metadata?.name === d.name)!;
      const pod = (dep.spec as { replicas: number; template: { spec: { volumes: unknown[]; containers: { env: { name: string; value?: string }[]; volumeMounts: unknown[] }[] } } });
      assert.equal(pod.replicas, d.scaling.minReplicas);
      assert.deepEqual(pod.template.spec.volumes, [{ name: 'temporal-tls', secret: { secretName: TEMPORAL_TLS_SECRET.name } }]);
      const env = Object.fromEntries(pod.template.spec.containers[0]!.env.map((e) => [e.name, e.value]));
      assert.equal(env.TEMPORAL_TLS, 'true');
      assert.equal(env.TEMPORAL_TLS_KEY_PATH, `${TEMPORAL_TLS_SECRET.mountPath}/${TEMPORAL_TLS_SECRET.keys.key}`);
    }
    const auth = objects.find((o) => o.kind === 'TriggerAuthentication')!;
    assert.deepEqual(
      (auth.spec as { secretTargetRef: { parameter: string }[] }).secretTargetRef.map((r) => r.parameter),
      ['apiKey', 'ca', 'cert', 'key'],
    );
  });
});
