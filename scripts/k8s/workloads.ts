import { APP_IMAGE, CONFIG_MAP_NAME, K8S_NAMESPACE, MONITORING_NAMESPACE, SECRET_ENV, SECRET_NAME, type DeploymentSpec } from '../../domain/deployment.js';
import type { IServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import type { IProbe } from 'kubernetes-models/v1/Probe';
import type { IService } from 'kubernetes-models/v1/Service';

/**
 * The Deployment, Service, PodDisruptionBudget, ServiceMonitor and NetworkPolicy
 * of each process. Objects are typed by the kubernetes-models interfaces (types
 * only, nothing at run time), so a misspelt or misplaced field fails to compile.
 */

export type ObjectMeta = NonNullable<IDeployment['metadata']>;

export const APP = 'golden-architecture';

export const labelsOf = (d: DeploymentSpec) => ({ 'app.kubernetes.io/name': APP, 'app.kubernetes.io/component': d.component });
export const meta = (name: string, labels?: Record<string, string>): ObjectMeta => ({ name, namespace: K8S_NAMESPACE, ...(labels === undefined ? {} : { labels }) });

function probe(path: string, port: string, periodSeconds: number): IProbe {
  return { httpGet: { path, port }, periodSeconds, timeoutSeconds: 3, failureThreshold: 3 };
}

export function deployment(d: DeploymentSpec, imageTag: string): IDeployment {
  const labels = labelsOf(d);
  const env = [
    ...Object.entries(d.env).map(([name, value]) => ({ name, value })),
    ...SECRET_ENV.map(({ key, optional }) => ({
      name: key,
      valueFrom: { secretKeyRef: { name: SECRET_NAME, key, ...(optional ? { optional: true } : {}) } },
    })),
  ];
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: meta(d.name, labels),
    spec: {
      // The autoscaler owns the count from here on; this is the count it starts from.
      replicas: d.scaling.minReplicas,
      selector: { matchLabels: labels },
      template: {
        metadata: {
          labels,
          annotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(d.port.number), 'prometheus.io/path': d.metricsPath },
        },
        spec: {
          runtimeClassName: d.runtimeClassName,
          terminationGracePeriodSeconds: d.terminationGracePeriodSeconds,
          securityContext: { runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, seccompProfile: { type: 'RuntimeDefault' } },
          containers: [
            {
              name: d.component,
              image: `${APP_IMAGE}:${imageTag}`,
              command: ['node', d.script],
              ports: [{ name: d.port.name, containerPort: d.port.number, protocol: 'TCP' }],
              envFrom: [{ configMapRef: { name: CONFIG_MAP_NAME } }],
              env,
              resources: { requests: d.resources.requests, limits: d.resources.limits },
              livenessProbe: { ...probe(d.livenessPath, d.port.name, 10), initialDelaySeconds: 10 },
              readinessProbe: probe(d.readinessPath, d.port.name, 5),
              securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
            },
          ],
        },
      },
    },
  };
}

export function service(d: DeploymentSpec): IService {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta(d.name, labelsOf(d)),
    spec: { selector: labelsOf(d), ports: [{ name: d.port.name, port: d.port.number, targetPort: d.port.name, protocol: 'TCP' }] },
  };
}

/** Voluntary disruptions (node drains, upgrades) take one pod of a deployment at a time, never all of a queue's workers. */
export function disruptionBudget(d: DeploymentSpec): IPodDisruptionBudget {
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: meta(d.name, labelsOf(d)),
    spec: { maxUnavailable: 1, selector: { matchLabels: labelsOf(d) } },
  };
}

/** How often Prometheus scrapes each process: the recording rules' 30 s evaluation sees a fresh sample every time. */
export const SCRAPE_INTERVAL = '30s';

/** prometheus-operator scrapes each deployment's Service on its one named port (`http` for the API, `metrics` for workers). */
export function serviceMonitor(d: DeploymentSpec): IServiceMonitor {
  return {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'ServiceMonitor',
    metadata: meta(d.name, labelsOf(d)),
    spec: {
      selector: { matchLabels: labelsOf(d) },
      endpoints: [{ port: d.port.name, path: d.metricsPath, interval: SCRAPE_INTERVAL }],
    },
  };
}

/** Nothing reaches a pod of the namespace unless a policy below lets it (the kubelet's probes are not filtered). */
export function denyIngressPolicy(): INetworkPolicy {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: meta('default-deny-ingress', { 'app.kubernetes.io/name': APP }),
    spec: { podSelector: {}, policyTypes: ['Ingress'] },
  };
}

/**
 * The API's HTTP port is open to any source (an ingress controller, other
 * services, Prometheus); a worker serves nothing but /metrics and /healthz,
 * so only Prometheus's namespace may reach it. Egress stays open: Postgres,
 * Redis, Temporal and the LLM endpoints are site addresses this file cannot know.
 */
export function ingressPolicy(d: DeploymentSpec): INetworkPolicy {
  const port = [{ port: d.port.name, protocol: 'TCP' as const }];
  const from = d.port.name === 'http' ? {} : { from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': MONITORING_NAMESPACE } } }] };
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: meta(d.name, labelsOf(d)),
    spec: { podSelector: { matchLabels: labelsOf(d) }, policyTypes: ['Ingress'], ingress: [{ ...from, ports: port }] },
  };
}
