import { API_SCALING, WORKER_SCALING, type ScalingPolicy } from './scaling.js';
import { TASK_QUEUES, type TaskQueueName } from './task-queues.js';

/**
 * What runs in Kubernetes: the API and one worker deployment per task queue,
 * each scaled on its own backlog. scripts/k8s/generate.ts turns these facts
 * into the manifests in k8s/.
 */

/** The namespace of the seed's `kubectl create namespace golden-architecture`. */
export const K8S_NAMESPACE = 'golden-architecture';

/** One image holds the API and every worker; the command picks the process. */
export const APP_IMAGE = 'golden-architecture';

/** Settings every process needs that are not secret; the generated ConfigMap holds placeholders to edit per site. */
export const CONFIG_MAP_NAME = 'golden-config';
/** Credentials come from this Secret, created by the operator; manifests only reference its keys. */
export const SECRET_NAME = 'golden-secrets';

/** Config keys read from SECRET_NAME; `optional` ones may be absent from the Secret. */
export const SECRET_ENV: readonly { key: string; optional: boolean }[] = [
  { key: 'DATABASE_URL', optional: false },
  { key: 'REDIS_URL', optional: false },
  { key: 'JWT_SECRET', optional: false },
  { key: 'PAYLOAD_ENCRYPTION_KEYS', optional: false },
  { key: 'TEMPORAL_API_KEY', optional: true },
  { key: 'LLM_API_KEY', optional: true },
];

/**
 * Temporal's mTLS material, a `kubernetes.io/tls` Secret the operator creates
 * (with the CA under ca.crt). The prod overlay mounts it into every pod and
 * hands it to the autoscaler; dev talks plaintext to a local Temporal.
 */
export const TEMPORAL_TLS_SECRET = {
  name: 'golden-temporal-tls',
  keys: { ca: 'ca.crt', cert: 'tls.crt', key: 'tls.key' },
  mountPath: '/var/run/secrets/golden/temporal-tls',
} as const;

/** The KEDA TriggerAuthentication carrying Temporal's API key (and, in prod, its mTLS files) to the backlog scaler. */
export const TEMPORAL_TRIGGER_AUTH = 'golden-temporal';

/** The namespace Prometheus runs in: the only source, besides the kubelet, that may reach a worker's metrics port. */
export const MONITORING_NAMESPACE = 'monitoring';

/** Where the autoscaler's Prometheus triggers query: prometheus-operator's service in MONITORING_NAMESPACE; a site patches it. */
export const PROMETHEUS_ADDRESS = `http://prometheus-operated.${MONITORING_NAMESPACE}.svc.cluster.local:9090`;

/** How often KEDA reads each trigger; under the HPA's 60 s scale-up window, so one window sees several readings. */
export const KEDA_POLLING_INTERVAL_SECONDS = 15;

export type OverlayName = 'dev' | 'prod';

/** What the Kustomize overlays change on the base; everything else is the base as generated. */
export interface Overlay {
  name: OverlayName;
  /** Why this overlay exists, for its kustomization's header. */
  purpose: string;
  logLevel: 'debug' | 'info';
  /** Caps every deployment's starting and minimum replicas (a laptop cluster holds one of each). */
  maxMinReplicas?: number;
  /** Mounts TEMPORAL_TLS_SECRET and turns on TLS for the processes and the backlog scaler. */
  temporalTls: boolean;
}

export const OVERLAYS: readonly Overlay[] = [
  { name: 'dev', purpose: 'a small cluster: one pod of each deployment to start, debug logs, plaintext Temporal', logLevel: 'debug', maxMinReplicas: 1, temporalTls: false },
  { name: 'prod', purpose: "the seed's replica table, info logs, Temporal over mTLS from the Secret " + TEMPORAL_TLS_SECRET.name, logLevel: 'info', temporalTls: true },
];

/** The gVisor RuntimeClass (handler `runsc`) the sandbox worker's pods run under. */
export const GVISOR_RUNTIME_CLASS = { name: 'gvisor', handler: 'runsc' } as const;

export type Component = 'api' | TaskQueueName;

export interface Resources {
  requests: { cpu: string; memory: string };
  limits: { cpu: string; memory: string };
}

export interface DeploymentSpec {
  name: string;
  component: Component;
  /** The task queue its workers poll; absent for the API. */
  queue?: TaskQueueName;
  /** The compiled entry point, relative to the image's working directory. */
  script: string;
  /** The one port: the API's HTTP port, or a worker's /metrics, /healthz and /readyz port. */
  port: { name: 'http' | 'metrics'; number: number };
  livenessPath: string;
  readinessPath: string;
  metricsPath: string;
  /** Plain settings the process gets besides the ConfigMap and the Secret. */
  env: Readonly<Record<string, string>>;
  resources: Resources;
  /** Longer than the worker's own drain (WORKER_SHUTDOWN_GRACE_SECONDS), so Kubernetes never kills a draining worker. */
  terminationGracePeriodSeconds: number;
  runtimeClassName?: string;
  scaling: ScalingPolicy;
}

export interface DeploymentSettings {
  apiPort: number;
  workerMetricsPort: number;
  workerShutdownGraceSeconds: number;
}

/** Time for the process to exit after its drain ends (close connections, flush logs). */
const EXIT_MARGIN_SECONDS = 15;

const RESOURCES: Readonly<Record<Component, Resources>> = {
  api: { requests: { cpu: '250m', memory: '256Mi' }, limits: { cpu: '1', memory: '512Mi' } },
  orchestrator: { requests: { cpu: '250m', memory: '256Mi' }, limits: { cpu: '1', memory: '512Mi' } },
  'peer-hub': { requests: { cpu: '250m', memory: '256Mi' }, limits: { cpu: '1', memory: '512Mi' } },
  supervisor: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
  // Sandbox runs are short containers started by the worker; they need the headroom.
  sandbox: { requests: { cpu: '500m', memory: '512Mi' }, limits: { cpu: '2', memory: '2Gi' } },
};

export const deploymentName = (component: Component): string => (component === 'api' ? 'api' : `worker-${component}`);

export function deploymentSpecs(settings: DeploymentSettings): DeploymentSpec[] {
  for (const [key, value] of Object.entries(settings)) {
    if (!Number.isInteger(value) || value < 0) throw new RangeError(`${key} must be a whole number >= 0, got ${value}`);
  }
  const api: DeploymentSpec = {
    name: deploymentName('api'),
    component: 'api',
    script: 'dist/api/server.js',
    port: { name: 'http', number: settings.apiPort },
    livenessPath: '/healthz',
    // /readyz answers 503 while Postgres, Redis or Temporal do not, so traffic goes elsewhere.
    readinessPath: '/readyz',
    metricsPath: '/metrics',
    env: { API_HOST: '0.0.0.0', API_PORT: String(settings.apiPort) },
    resources: RESOURCES.api,
    terminationGracePeriodSeconds: EXIT_MARGIN_SECONDS * 2,
    scaling: API_SCALING,
  };
  const workers = TASK_QUEUES.map(
    (queue): DeploymentSpec => ({
      name: deploymentName(queue),
      component: queue,
      queue,
      script: `dist/workers/${queue}.js`,
      port: { name: 'metrics', number: settings.workerMetricsPort },
      livenessPath: '/healthz',
      // /readyz: 200 only while every Temporal worker of the process runs and Postgres, Redis and Temporal answer (2 s each,
      // under the probe's 3 s time-out); /healthz is liveness only, so a draining worker is not restarted.
      readinessPath: '/readyz',
      metricsPath: '/metrics',
      env: {
        WORKER_METRICS_HOST: '0.0.0.0',
        WORKER_METRICS_PORT: String(settings.workerMetricsPort),
        WORKER_SHUTDOWN_GRACE_SECONDS: String(settings.workerShutdownGraceSeconds),
      },
      resources: RESOURCES[queue],
      terminationGracePeriodSeconds: settings.workerShutdownGraceSeconds + EXIT_MARGIN_SECONDS,
      ...(queue === 'sandbox' ? { runtimeClassName: GVISOR_RUNTIME_CLASS.name } : {}),
      scaling: WORKER_SCALING[queue],
    }),
  );
  return [api, ...workers];
}
