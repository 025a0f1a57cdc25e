import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pickFreePorts } from '../../cli/stack/ports.js';
import { projectRoot } from '../../lib/paths.js';

/** Debian's prometheus package, which `golden stack up` installs with promtool. */
export const PROMETHEUS_BINARY = '/usr/bin/prometheus';
/** The project's rules as a plain Prometheus rule file (generated from domain/alerts.ts and domain/recording-rules.ts). */
export const RULES_FILE = join(projectRoot(), 'k8s', 'prometheus', 'golden.rules.yml');

export interface Alert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: 'pending' | 'firing' | 'inactive';
  activeAt?: string;
  value?: string;
}

export interface Prometheus {
  url: string;
  /** One instant query; undefined when the result is empty or not a number. */
  scalar(expr: string): Promise<number | undefined>;
  alerts(): Promise<Alert[]>;
  /** Rule groups Prometheus loaded, by name. */
  ruleGroups(): Promise<string[]>;
  /** Health of each scrape target (job, instance, up/down). */
  targets(): Promise<{ job: string; instance: string; health: string }[]>;
  output(): string;
  stop(): Promise<void>;
}

export interface PrometheusSetup {
  dir: string;
  apiAddress: string;
  /** The file_sd list `golden scale --run --targets` keeps. */
  workerTargetsFile: string;
  scrapeSeconds: number;
  /** Added to its environment (the run's marker, so a runner can find it if the suite dies). */
  env: Record<string, string>;
}

async function api<T>(url: string): Promise<T> {
  const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  const body = (await res.json()) as { status: string; data: T; error?: string };
  if (body.status !== 'success') throw new Error(`Prometheus ${url}: ${body.error ?? res.status}`);
  return body.data;
}

/**
 * A real Prometheus on a free loopback port, its data in `dir`, scraping the
 * API and every worker process `golden scale` runs and evaluating the
 * project's rule file. Stopped by `stop()`; the caller deletes `dir`.
 */
export async function startPrometheus(setup: PrometheusSetup, readyTimeoutMs = 60_000): Promise<Prometheus> {
  const [port] = await pickFreePorts(1);
  const every = `${setup.scrapeSeconds}s`;
  // JSON is YAML: the configuration needs no YAML writer.
  const config = {
    global: { scrape_interval: every, scrape_timeout: every, evaluation_interval: every },
    rule_files: [RULES_FILE],
    scrape_configs: [
      { job_name: 'api', static_configs: [{ targets: [setup.apiAddress] }] },
      { job_name: 'workers', file_sd_configs: [{ files: [setup.workerTargetsFile], refresh_interval: every }] },
    ],
  };
  const configFile = join(setup.dir, 'prometheus.yml');
  writeFileSync(configFile, JSON.stringify(config, null, 2));
  const child: ChildProcess = spawn(
    PROMETHEUS_BINARY,
    [`--config.file=${configFile}`, `--storage.tsdb.path=${join(setup.dir, 'tsdb')}`, `--web.listen-address=127.0.0.1:${port}`, '--storage.tsdb.retention.time=1d', '--log.level=warn'],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...setup.env } },
  );
  let output = '';
  const keep = (d: Buffer) => (output = (output + d.toString()).slice(-20_000));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = once(child, 'exit').catch(() => undefined);
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const done = await Promise.race([exited.then(() => true), sleep(15_000).then(() => false)]);
    if (!done) {
      child.kill('SIGKILL');
      await exited;
    }
  };

  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`Prometheus exited before it was ready:\n${output}`);
    const ready = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(2_000) }).then((r) => r.ok, () => false);
    if (ready) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`Prometheus not ready after ${readyTimeoutMs} ms:\n${output}`);
    }
    await sleep(300);
  }

  return {
    url,
    async scalar(expr) {
      const data = await api<{ result: { value: [number, string] }[] }>(`${url}/api/v1/query?query=${encodeURIComponent(expr)}`);
      const value = Number(data.result[0]?.value[1]);
      return Number.isFinite(value) ? value : undefined;
    },
    async alerts() {
      return (await api<{ alerts: Alert[] }>(`${url}/api/v1/alerts`)).alerts;
    },
    async ruleGroups() {
      return (await api<{ groups: { name: string }[] }>(`${url}/api/v1/rules`)).groups.map((g) => g.name);
    },
    async targets() {
      const data = await api<{ activeTargets: { labels: Record<string, string>; health: string }[] }>(`${url}/api/v1/targets?state=active`);
      return data.activeTargets.map((t) => ({ job: t.labels.job ?? '', instance: t.labels.instance ?? '', health: t.health }));
    },
    output: () => output,
    stop,
  };
}
