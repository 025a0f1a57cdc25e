import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deploymentSpecs, type DeploymentSpec } from '../../domain/deployment.js';
import { ConfigSchema } from '../../lib/config.js';
import { projectRoot } from '../../lib/paths.js';
import { manifestFiles } from './manifests.js';

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

export function generatedFiles(): Map<string, string> {
  const pkg = JSON.parse(readFileSync(join(projectRoot(), 'package.json'), 'utf8')) as { version: string };
  return manifestFiles({ deployments: generatedDeployments(), imageTag: pkg.version, config: siteConfig() });
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
