import { renameSync, writeFileSync } from 'node:fs';
import type { WorkerProcess } from './worker-processes.js';

/**
 * Writes the worker processes as a Prometheus file_sd target list: one group
 * per process, labelled with its queue, so each scaling step reaches
 * Prometheus' scrape pool without a reload. Written to a side file and
 * renamed, so Prometheus never reads half a list.
 */
export function writeScrapeTargets(file: string, workers: readonly WorkerProcess[]): void {
  const groups = workers.map((w) => ({ targets: [w.metricsAddress], labels: { queue: w.queue, pid: String(w.pid) } }));
  const partial = `${file}.partial`;
  writeFileSync(partial, `${JSON.stringify(groups, null, 2)}\n`);
  renameSync(partial, file);
}
