import type { ScalingSignal } from './scaling.js';
import { taskQueueName, type TaskQueueName } from './task-queues.js';

/**
 * How each worker's scaling signals become KEDA triggers. KEDA turns a
 * ScaledObject into one HorizontalPodAutoscaler with an external metric per
 * trigger, so the replica arithmetic stays Kubernetes' (recommendReplicas in
 * domain/scaling.ts): a backlog or an `average` signal is an AverageValue
 * target per pod, a `value` signal a Value target the deployment keeps.
 */

/** The metadata keys KEDA documents for the scalers used here (KEDA 2.17 and later); a trigger may use no other. */
export const KEDA_SCALER_KEYS = {
  temporal: {
    required: ['taskQueue'],
    /** One of these says where Temporal answers. */
    oneOf: ['endpoint', 'endpointFromEnv'],
    optional: [
      'namespace',
      'targetQueueSize',
      'activationTargetQueueSize',
      'queueTypes',
      'buildId',
      'selectAllActive',
      'selectUnversioned',
      'apiKeyFromEnv',
      'minConnectTimeout',
      'unsafeSsl',
      'tlsServerName',
    ],
    /** Parameters a TriggerAuthentication may fill from a Secret. */
    auth: ['apiKey', 'ca', 'cert', 'key', 'keyPassword'],
  },
  prometheus: {
    required: ['serverAddress', 'query', 'threshold'],
    oneOf: [],
    optional: ['activationThreshold', 'namespace', 'customHeaders', 'ignoreNullValues', 'queryParameters', 'unsafeSsl', 'timeout', 'authModes'],
    auth: ['bearerToken', 'username', 'password', 'ca', 'cert', 'key', 'customAuthHeader', 'customAuthValue'],
  },
} as const;

export type KedaScalerType = keyof typeof KEDA_SCALER_KEYS;

export interface KedaTrigger {
  type: KedaScalerType;
  /** Unique within its ScaledObject; KEDA names the external metric after it. */
  name: string;
  metricType: 'AverageValue' | 'Value';
  metadata: Readonly<Record<string, string>>;
  /** The TriggerAuthentication holding the scaler's credentials, if it needs any. */
  authenticationRef?: string;
}

/** Where the triggers reach Temporal and Prometheus in a cluster. */
export interface TriggerSite {
  temporalNamespace: string;
  /** The env var of the worker's container holding Temporal's host:port (KEDA reads it from the scale target). */
  temporalAddressEnv: string;
  prometheusAddress: string;
  temporalAuthentication: string;
}

/** Both kinds of Temporal task a worker polls wait in the backlog its deployment should work off. */
export const TEMPORAL_QUEUE_TYPES = 'workflow,activity';

/** Labels that tell one scraped process from another; a figure every process reports is the same across them. */
export const INSTANCE_LABELS = ['instance', 'pod', 'service', 'job', 'container', 'endpoint', 'namespace'] as const;

/**
 * The one-element PromQL a Prometheus trigger reads (KEDA refuses a query
 * answering several series). The gauges every process reads from Postgres
 * repeat one figure per process: `max` over the processes takes one copy,
 * `sum` adds the rest (tasks_active has one series per status). A level is a
 * recording rule already aggregated; `max` only guards against a duplicate.
 */
export function scalingQuery(signal: ScalingSignal): string {
  switch (signal.kind) {
    case 'average':
      return `sum(max without (${INSTANCE_LABELS.join(', ')}) (${signal.metric}))`;
    case 'value':
      return `max(${signal.metric})`;
    case 'backlog':
    case 'cpu':
      throw new Error(`a ${signal.kind} signal is not read from Prometheus`);
  }
}

const triggerName = (metric: string) => metric.replaceAll('_', '-');

/** The KEDA trigger for one of a worker deployment's signals. */
export function kedaTrigger(signal: ScalingSignal, queue: TaskQueueName, site: TriggerSite): KedaTrigger {
  switch (signal.kind) {
    case 'backlog':
      return {
        type: 'temporal',
        name: 'task-queue-backlog',
        metricType: 'AverageValue',
        metadata: {
          endpointFromEnv: site.temporalAddressEnv,
          namespace: site.temporalNamespace,
          taskQueue: taskQueueName(queue),
          queueTypes: TEMPORAL_QUEUE_TYPES,
          targetQueueSize: String(signal.perReplica),
        },
        authenticationRef: site.temporalAuthentication,
      };
    case 'average':
      return {
        type: 'prometheus',
        name: triggerName(signal.metric),
        metricType: 'AverageValue',
        metadata: { serverAddress: site.prometheusAddress, query: scalingQuery(signal), threshold: String(signal.perReplica) },
      };
    case 'value':
      return {
        type: 'prometheus',
        name: triggerName(signal.metric),
        metricType: 'Value',
        metadata: { serverAddress: site.prometheusAddress, query: scalingQuery(signal), threshold: String(signal.target) },
      };
    case 'cpu':
      throw new Error(`worker ${queue} scales on queue signals; a cpu signal belongs to the API's HorizontalPodAutoscaler`);
  }
}

/** Problems with a trigger's metadata against KEDA's documented keys; empty when it is well-formed. */
export function triggerProblems(trigger: KedaTrigger): string[] {
  const keys = KEDA_SCALER_KEYS[trigger.type];
  const known = new Set<string>([...keys.required, ...keys.oneOf, ...keys.optional]);
  const present = Object.keys(trigger.metadata);
  const problems = present.filter((k) => !known.has(k)).map((k) => `${trigger.type} trigger "${trigger.name}": unknown key ${k}`);
  for (const k of keys.required) if (!present.includes(k)) problems.push(`${trigger.type} trigger "${trigger.name}": missing ${k}`);
  if (keys.oneOf.length > 0 && keys.oneOf.filter((k) => present.includes(k)).length !== 1) {
    problems.push(`${trigger.type} trigger "${trigger.name}": needs exactly one of ${keys.oneOf.join(', ')}`);
  }
  return problems;
}
