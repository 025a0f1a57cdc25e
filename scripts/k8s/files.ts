import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deploymentSpecs, PROMETHEUS_ADDRESS, TEMPORAL_TRIGGER_AUTH, type DeploymentSpec } from '../../domain/deployment.js';
import type { TriggerSite } from '../../domain/keda-triggers.js';
import { ConfigSchema } from '../../lib/config.js';
import { projectRoot } from '../../lib/paths.js';
import { manifestFiles, type ManifestInput } from './manifests.js';

/**
 * The files k8s/ should hold, and how the folder differs from them. Ports and
 * grace periods are the config's defaults, so the output never depends on the caller's env.
 */

/** Where a site's Temporal frontend usually answers inside the cluster; edit k8s/config.yaml to change. */
const TEMPORAL_ADDRESS_PLACEHOLDER = 'temporal-frontend.temporal.svc.cluster.local:7233';

const configDefault = <K extends keyof typeof ConfigSchema.shape>(key: K) => ConfigSchema.shape[key].parse(undefined);

/** The generated ConfigMap's settings: what a site edits, starting from the config's defaults. */
export function siteConfig(): Record<string, string> {
  return {
    TEMPORAL_ADDRESS: TEMPORAL_ADDRESS_PLACEHOLDER,
    TEMPORAL_NAMESPACE: configDefault('TEMPORAL_NAMESPACE') as string,
    LOG_LEVEL: configDefault('LOG_LEVEL') as string,
  };
}

export function generatedDeployments(): DeploymentSpec[] {
  return deploymentSpecs({
    apiPort: configDefault('API_PORT') as number,
    workerMetricsPort: configDefault('WORKER_METRICS_PORT') as number,
    workerShutdownGraceSeconds: configDefault('WORKER_SHUTDOWN_GRACE_SECONDS') as number,
  });
}

/** Where the autoscaler finds Temporal (the ConfigMap's address, read from the worker's env) and Prometheus. */
export function triggerSite(): TriggerSite {
  return {
    temporalAddressEnv: 'TEMPORAL_ADDRESS' satisfies keyof ReturnType<typeof siteConfig>,
    temporalNamespace: siteConfig().TEMPORAL_NAMESPACE!,
    prometheusAddress: PROMETHEUS_ADDRESS,
    temporalAuthentication: TEMPORAL_TRIGGER_AUTH,
  };
}

export function generatedInput(): ManifestInput {
  const pkg = JSON.parse(readFileSync(join(projectRoot(), 'package.json'), 'utf8')) as { version: string };
  return { deployments: generatedDeployments(), imageTag: pkg.version, config: siteConfig(), site: triggerSite() };
}

export function generatedFiles(): Map<string, string> {
  return manifestFiles(generatedInput());
}

export const k8sDir = () => join(projectRoot(), 'k8s');

/** Files under `dir`, as paths relative to it (walked by hand: recursive readdir differs across Node 20 releases). */
function existingFiles(dir: string, under = ''): string[] {
  let entries;
  try {
    entries = readdirSync(join(dir, under), { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return entries.flatMap((e) => {
    const path = under === '' ? e.name : `${under}/${e.name}`;
    if (e.isDirectory()) return existingFiles(dir, path);
    return e.isFile() ? [path] : [];
  });
}

/** Paths under `dir` that differ from `files`: changed, missing, or not generated at all. */
export function differences(dir: string, files: Map<string, string>): string[] {
  const out: string[] = [];
  for (const [path, content] of files) {
    let current: string | undefined;
    try {
      current = readFileSync(join(dir, path), 'utf8');
    } catch {
      current = undefined;
    }
    if (current === undefined) out.push(`${path} (missing)`);
    else if (current !== content) out.push(`${path} (differs)`);
  }
  for (const path of existingFiles(dir)) if (!files.has(path)) out.push(`${path} (not generated)`);
  return out.sort();
}
