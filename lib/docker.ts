import Docker from 'dockerode';
import { dockerBreakerOptions, guardDocker } from './breaker-guards.js';
import { DEPENDENCY_BREAKERS } from '../domain/circuit-breaker.js';
import type { BreakerRegistry } from './circuit-breaker.js';
import type { Config } from './config.js';

/**
 * A Docker client for DOCKER_HOST (unix:// or tcp://), or the default socket when unset. With a
 * breaker registry, every engine request goes through the `docker` breaker.
 */
export function createDocker(config: Pick<Config, 'DOCKER_HOST'>, breakers?: BreakerRegistry): Docker {
  const docker = connect(config.DOCKER_HOST);
  return breakers ? guardDocker(docker, breakers.get(DEPENDENCY_BREAKERS.docker, dockerBreakerOptions)) : docker;
}

function connect(host: string | undefined): Docker {
  if (!host) return new Docker();
  if (host.startsWith('unix://')) return new Docker({ socketPath: host.slice('unix://'.length) });
  const url = new URL(host.replace(/^tcp:/, 'http:'));
  return new Docker({ host: url.hostname, port: Number(url.port || 2375), protocol: 'http' });
}
