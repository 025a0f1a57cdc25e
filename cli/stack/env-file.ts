import { chmodSync, existsSync, renameSync, writeFileSync } from 'node:fs';
import { formatEnvFile, readEnvFile } from '../../lib/env-file.js';
import { appRoleUrl } from '../../lib/migrations.js';
import { CliError } from '../cli-error.js';
import type { StackPaths } from './paths.js';
import type { StackState } from './state.js';

/** What `.data/stack.env` holds: everything a worker, the API, the CLI or a test needs to reach the stack. */
export interface StackEnv {
  TEMPORAL_ADDRESS: string;
  TEMPORAL_NAMESPACE: string;
  TEMPORAL_UI_URL: string;
  TEMPORAL_CLI: string;
  DATABASE_URL: string;
  /** The schema owner's connection: migrations, backups and test set-up that creates databases. */
  DATABASE_OWNER_URL: string;
  REDIS_URL: string;
  DOCKER_HOST: string;
  JWT_SECRET: string;
  JWT_ISSUER: string;
  JWT_AUDIENCE: string;
  PAYLOAD_ENCRYPTION_KEYS: string;
  API_PORT: string;
  API_URL: string;
  WORKER_METRICS_PORT: string;
}

export const TEMPORAL_NAMESPACE = 'golden';

export function databaseUrl(state: StackState): string {
  return `postgres://golden:${state.secrets.postgresPassword}@127.0.0.1:${state.ports.postgres}/golden`;
}

export function redisUrl(state: StackState): string {
  return `redis://:${state.secrets.redisPassword}@127.0.0.1:${state.ports.redis}/0`;
}

export function buildStackEnv(state: StackState, temporalCli: string, dockerHost: string): StackEnv {
  const { ports } = state;
  return {
    TEMPORAL_ADDRESS: `127.0.0.1:${ports.temporal}`,
    TEMPORAL_NAMESPACE,
    TEMPORAL_UI_URL: `http://127.0.0.1:${ports.temporalUi}`,
    TEMPORAL_CLI: temporalCli,
    // The application connects as golden_app, which owns nothing and may only INSERT and SELECT the audit trail.
    DATABASE_URL: appRoleUrl(databaseUrl(state)),
    DATABASE_OWNER_URL: databaseUrl(state),
    REDIS_URL: redisUrl(state),
    DOCKER_HOST: dockerHost,
    JWT_SECRET: state.secrets.jwtSecret,
    JWT_ISSUER: 'golden-dev',
    JWT_AUDIENCE: 'golden-api',
    // One dev key, generated at the first `up` and kept: histories written with it stay readable.
    PAYLOAD_ENCRYPTION_KEYS: `dev1:${state.secrets.payloadKey}`,
    API_PORT: String(ports.api),
    API_URL: `http://127.0.0.1:${ports.api}`,
    WORKER_METRICS_PORT: String(ports.workerMetrics),
  };
}

export function writeStackEnv(paths: StackPaths, env: StackEnv): void {
  // Rename over the old file so a reader never sees half of it; 0600: it holds passwords.
  const tmp = `${paths.envFile}.${process.pid}.tmp`;
  writeFileSync(tmp, formatEnvFile({ ...env }), { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, paths.envFile);
}

/** The variables of the env file written by the last `up`. */
export function readStackEnvFile(paths: StackPaths): Record<string, string> {
  if (!existsSync(paths.envFile)) throw new CliError(`${paths.envFile} does not exist; run \`golden stack up\` first`);
  return readEnvFile(paths.envFile);
}
