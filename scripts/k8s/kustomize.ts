import {
  CONFIG_MAP_NAME,
  K8S_NAMESPACE,
  TEMPORAL_TLS_SECRET,
  TEMPORAL_TRIGGER_AUTH,
  type DeploymentSpec,
  type Overlay,
} from '../../domain/deployment.js';
import type { Config } from '../../lib/config.js';
import { temporalTlsTargetRefs } from './autoscaling.js';
import { APP } from './workloads.js';
import { toYaml, type YamlMapping, type YamlValue } from './yaml.js';

/**
 * The Kustomize layout: k8s/base holds every object; k8s/overlays/<name>
 * takes the base and patches only what domain/deployment.ts's OVERLAYS say
 * differs (JSON patches, so each change names the field it touches).
 */

export const BASE_DIR = 'base';
export const overlayDir = (o: Overlay) => `overlays/${o.name}`;

const KUSTOMIZATION = { apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization' } as const;

export function baseKustomization(resources: readonly string[]): YamlMapping {
  return { ...KUSTOMIZATION, namespace: K8S_NAMESPACE, resources: [...resources] };
}

type PatchOp = { op: 'add' | 'replace'; path: string; value: YamlValue };
type Target = { kind: string; name?: string; labelSelector?: string; group?: string; version?: string };

const patch = (target: Target, ops: PatchOp[]): YamlValue => ({ target, patch: toYaml(ops) });

const VOLUME = 'temporal-tls';

/** The settings a process reads to talk TLS to Temporal; keys typed against lib/config.ts. */
function temporalTlsEnv(): { name: keyof Config; value: string }[] {
  const file = (key: keyof typeof TEMPORAL_TLS_SECRET.keys) => `${TEMPORAL_TLS_SECRET.mountPath}/${TEMPORAL_TLS_SECRET.keys[key]}`;
  return [
    { name: 'TEMPORAL_TLS', value: 'true' },
    { name: 'TEMPORAL_TLS_CA_PATH', value: file('ca') },
    { name: 'TEMPORAL_TLS_CERT_PATH', value: file('cert') },
    { name: 'TEMPORAL_TLS_KEY_PATH', value: file('key') },
  ];
}

function temporalTlsPatches(): YamlValue[] {
  // Every deployment runs one container and mounts nothing else, so one patch fits them all.
  const pods: PatchOp[] = [
    { op: 'add', path: '/spec/template/spec/volumes', value: [{ name: VOLUME, secret: { secretName: TEMPORAL_TLS_SECRET.name } }] },
    { op: 'add', path: '/spec/template/spec/containers/0/volumeMounts', value: [{ name: VOLUME, mountPath: TEMPORAL_TLS_SECRET.mountPath, readOnly: true }] },
    ...temporalTlsEnv().map((env): PatchOp => ({ op: 'add', path: '/spec/template/spec/containers/0/env/-', value: env })),
  ];
  const auth = temporalTlsTargetRefs().map((ref): PatchOp => ({ op: 'add', path: '/spec/secretTargetRef/-', value: ref }));
  return [
    patch({ kind: 'Deployment', labelSelector: `app.kubernetes.io/name=${APP}` }, pods),
    patch({ group: 'keda.sh', version: 'v1alpha1', kind: 'TriggerAuthentication', name: TEMPORAL_TRIGGER_AUTH }, auth),
  ];
}

function minReplicaPatches(deployments: readonly DeploymentSpec[], cap: number): YamlValue[] {
  return deployments
    .filter((d) => d.scaling.minReplicas > cap)
    .flatMap((d) => [
      patch({ kind: 'Deployment', name: d.name }, [{ op: 'replace', path: '/spec/replicas', value: cap }]),
      d.queue === undefined
        ? patch({ kind: 'HorizontalPodAutoscaler', name: d.name }, [{ op: 'replace', path: '/spec/minReplicas', value: cap }])
        : patch({ group: 'keda.sh', version: 'v1alpha1', kind: 'ScaledObject', name: d.name }, [{ op: 'replace', path: '/spec/minReplicaCount', value: cap }]),
    ]);
}

export function overlayKustomization(o: Overlay, deployments: readonly DeploymentSpec[], baseLogLevel: string): YamlMapping {
  const patches: YamlValue[] = [
    ...(o.logLevel === baseLogLevel ? [] : [patch({ kind: 'ConfigMap', name: CONFIG_MAP_NAME }, [{ op: 'replace', path: '/data/LOG_LEVEL', value: o.logLevel }])]),
    ...(o.maxMinReplicas === undefined ? [] : minReplicaPatches(deployments, o.maxMinReplicas)),
    ...(o.temporalTls ? temporalTlsPatches() : []),
  ];
  return {
    ...KUSTOMIZATION,
    resources: [`../../${BASE_DIR}`],
    labels: [{ pairs: { 'golden-architecture/overlay': o.name }, includeSelectors: false }],
    patches,
  };
}
