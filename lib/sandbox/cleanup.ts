import { hostname } from 'node:os';
import type Docker from 'dockerode';
import { SANDBOX_LABELS } from '../../domain/sandbox.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Whether a sandbox container is a leftover: past its deadline (no live
 * executor keeps a container past it: runs are killed at their timeout,
 * warm containers retire before it), or owned by a process of this host
 * that is gone (a crashed worker). Containers of live workers stay.
 */
export function isLeftover(labels: Record<string, string>, nowMs: number, host = hostname()): boolean {
  const expires = Number(labels[SANDBOX_LABELS.expires]);
  if (!Number.isFinite(expires) || expires < nowMs) return true;
  const [ownerHost, ownerPid] = (labels[SANDBOX_LABELS.owner] ?? '').split('/');
  return ownerHost === host && ownerPid !== undefined && !alive(Number(ownerPid));
}

/** Removes sandbox containers left by crashed workers (found by label); returns how many. Run at worker start. */
export async function removeLeftoverSandboxes(docker: Docker, nowMs = Date.now()): Promise<number> {
  const containers = await docker.listContainers({ all: true, filters: { label: [SANDBOX_LABELS.marker] } });
  const leftovers = containers.filter((c) => isLeftover(c.Labels ?? {}, nowMs));
  await Promise.all(
    leftovers.map((c) =>
      docker
        .getContainer(c.Id)
        .remove({ force: true, v: true })
        .catch((err: unknown) => {
          if ((err as { statusCode?: number }).statusCode !== 404) throw err;
        }),
    ),
  );
  return leftovers.length;
}
