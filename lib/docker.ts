import Docker from 'dockerode';
import type { Config } from './config.js';

/** A Docker client for DOCKER_HOST (unix:// or tcp://), or the default socket when unset. */
export function createDocker(config: Pick<Config, 'DOCKER_HOST'>): Docker {
  const host = config.DOCKER_HOST;
  if (!host) return new Docker();
  if (host.startsWith('unix://')) return new Docker({ socketPath: host.slice('unix://'.length) });
  const url = new URL(host.replace(/^tcp:/, 'http:'));
  return new Docker({ host: url.hostname, port: Number(url.port || 2375), protocol: 'http' });
}
