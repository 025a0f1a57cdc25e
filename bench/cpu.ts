import { readdirSync, readFileSync } from 'node:fs';
import { pidFileOf, stackPaths } from '../cli/stack/paths.js';

/**
 * CPU time of this process and, best effort (Linux, a stack started by
 * `golden stack up`), of the stack's Postgres (postmaster and backends) and
 * Redis: on a small machine the variants compete for the same cores, so CPU
 * per pair explains a throughput ratio better than latency does. The
 * servers' figures include whatever else uses them meanwhile.
 */
export interface CpuSample {
  nodeMs: number;
  postgresMs?: number;
  redisMs?: number;
}

const TICK_MS = 10; // USER_HZ is 100 on every Linux we run on

function pidOf(component: 'postgres' | 'redis'): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(pidFileOf(stackPaths(), component), 'utf8').trim(), 10);
    return Number.isInteger(pid) && pid > 1 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** utime + stime and the parent pid, from /proc/<pid>/stat (the command may contain spaces: split after its ')'). */
function procStat(pid: number): { ms: number; ppid: number } | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return { ms: (Number(fields[11]) + Number(fields[12])) * TICK_MS, ppid: Number(fields[1]) };
  } catch {
    return undefined;
  }
}

function treeMs(root: number): number | undefined {
  const own = procStat(root);
  if (!own) return undefined;
  let total = own.ms;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = procStat(Number(entry));
    if (stat?.ppid === root) total += stat.ms;
  }
  return total;
}

export function sampleCpu(): CpuSample {
  const usage = process.cpuUsage();
  const pg = pidOf('postgres');
  const redis = pidOf('redis');
  return {
    nodeMs: (usage.user + usage.system) / 1000,
    postgresMs: pg === undefined ? undefined : treeMs(pg),
    redisMs: redis === undefined ? undefined : procStat(redis)?.ms,
  };
}

/** Accumulates the CPU spent between two samples. */
export function addCpu(into: CpuSample, from: CpuSample, to: CpuSample): void {
  into.nodeMs += to.nodeMs - from.nodeMs;
  if (from.postgresMs !== undefined && to.postgresMs !== undefined) into.postgresMs = (into.postgresMs ?? 0) + to.postgresMs - from.postgresMs;
  if (from.redisMs !== undefined && to.redisMs !== undefined) into.redisMs = (into.redisMs ?? 0) + to.redisMs - from.redisMs;
}

export function formatCpuPerPair(cpu: CpuSample, pairs: number): string {
  const per = (ms: number | undefined) => (ms === undefined ? 'n/a' : (ms / pairs).toFixed(2));
  return `CPU ms/pair: node ${per(cpu.nodeMs)}, postgres ${per(cpu.postgresMs)}, redis ${per(cpu.redisMs)}`;
}
