import { KEDA_POLLING_INTERVAL_SECONDS, SECRET_ENV, SECRET_NAME, TEMPORAL_TLS_SECRET, TEMPORAL_TRIGGER_AUTH, type DeploymentSpec } from '../../domain/deployment.js';
import { kedaTrigger, type KedaTrigger, type TriggerSite } from '../../domain/keda-triggers.js';
import type { ScalingPolicy } from '../../domain/scaling.js';
import { APP, labelsOf, meta } from './workloads.js';
import type { IScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject';
import type { ITriggerAuthentication } from '@kubernetes-models/keda/keda.sh/v1alpha1/TriggerAuthentication';
import type { IHorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';

/**
 * hpa-configs.yaml: a KEDA ScaledObject per worker deployment (KEDA then owns
 * that deployment's one HorizontalPodAutoscaler), the TriggerAuthentication
 * its Temporal trigger uses, and a plain HorizontalPodAutoscaler for the API.
 */

/** The Secret key Temporal's API key sits under: the one the processes read as TEMPORAL_API_KEY. */
const TEMPORAL_API_KEY = SECRET_ENV.find((s) => s.key === 'TEMPORAL_API_KEY')!.key;

export function behavior(p: ScalingPolicy): NonNullable<NonNullable<IHorizontalPodAutoscaler['spec']>['behavior']> {
  return {
    scaleUp: {
      stabilizationWindowSeconds: p.scaleUp.cooldownSeconds,
      selectPolicy: 'Max',
      policies: [
        { type: 'Pods', value: p.scaleUp.maxPods, periodSeconds: p.scaleUp.periodSeconds },
        { type: 'Percent', value: p.scaleUp.maxPercent, periodSeconds: p.scaleUp.periodSeconds },
      ],
    },
    scaleDown: {
      stabilizationWindowSeconds: p.scaleDown.cooldownSeconds,
      policies: [{ type: 'Pods', value: p.scaleDown.maxPods, periodSeconds: p.scaleDown.periodSeconds }],
    },
  };
}

export function workerTriggers(d: DeploymentSpec, site: TriggerSite): KedaTrigger[] {
  if (d.queue === undefined) throw new Error(`${d.name} polls no task queue; only workers get a ScaledObject`);
  const queue = d.queue;
  return d.scaling.signals.map((s) => kedaTrigger(s, queue, site));
}

function trigger(t: KedaTrigger): IScaledObject['spec']['triggers'][number] {
  return {
    type: t.type,
    name: t.name,
    metricType: t.metricType,
    metadata: { ...t.metadata },
    ...(t.authenticationRef === undefined ? {} : { authenticationRef: { name: t.authenticationRef } }),
  };
}

export function scaledObject(d: DeploymentSpec, site: TriggerSite): IScaledObject {
  return {
    apiVersion: 'keda.sh/v1alpha1',
    kind: 'ScaledObject',
    metadata: meta(d.name, labelsOf(d)),
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: d.name },
      pollingInterval: KEDA_POLLING_INTERVAL_SECONDS,
      minReplicaCount: d.scaling.minReplicas,
      maxReplicaCount: d.scaling.maxReplicas,
      advanced: {
        // Named after the deployment (not keda-hpa-…), so `kubectl get hpa` and the hpa_* series read the same names as before.
        horizontalPodAutoscalerConfig: { name: d.name, behavior: behavior(d.scaling) },
      },
      triggers: workerTriggers(d, site).map(trigger),
    },
  };
}

/** The API key only; the prod overlay adds the mTLS files (TEMPORAL_TLS_SECRET). A key absent from the Secret means no key. */
export function temporalTriggerAuthentication(): ITriggerAuthentication {
  return {
    apiVersion: 'keda.sh/v1alpha1',
    kind: 'TriggerAuthentication',
    metadata: meta(TEMPORAL_TRIGGER_AUTH, { 'app.kubernetes.io/name': APP }),
    spec: { secretTargetRef: [{ parameter: 'apiKey', name: SECRET_NAME, key: TEMPORAL_API_KEY }] },
  };
}

/** The TriggerAuthentication's mTLS entries, as the prod overlay adds them. */
export function temporalTlsTargetRefs(): { parameter: string; name: string; key: string }[] {
  return Object.entries(TEMPORAL_TLS_SECRET.keys).map(([parameter, key]) => ({ parameter, name: TEMPORAL_TLS_SECRET.name, key }));
}

/** The API holds no queue: a plain HPA on CPU, the only HPA not made by KEDA. */
export function apiHpa(d: DeploymentSpec): IHorizontalPodAutoscaler {
  const metrics = d.scaling.signals.map((s) => {
    if (s.kind !== 'cpu') throw new Error(`${d.name} scales on CPU only, got a ${s.kind} signal`);
    return { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: s.utilizationPercent } } } as const;
  });
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: meta(d.name, labelsOf(d)),
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: d.name },
      minReplicas: d.scaling.minReplicas,
      maxReplicas: d.scaling.maxReplicas,
      metrics,
      behavior: behavior(d.scaling),
    },
  };
}
