import type Docker from 'dockerode';
import type { SandboxLimits } from '../../domain/sandbox-limits.js';
import type { Config } from '../config.js';
import { SandboxExecutor } from './executor.js';

export type SandboxConfig = Pick<
  Config,
  | 'SANDBOX_IMAGE'
  | 'SANDBOX_RUNTIME'
  | 'SANDBOX_MEMORY'
  | 'SANDBOX_CPUS'
  | 'SANDBOX_PIDS_LIMIT'
  | 'SANDBOX_PIDS_LIMIT_JAVASCRIPT'
  | 'SANDBOX_RUNSC_PIDS_OVERHEAD'
  | 'SANDBOX_TMPFS_SIZE'
  | 'SANDBOX_FILE_SIZE_LIMIT'
  | 'SANDBOX_NOFILE_LIMIT'
  | 'SANDBOX_TIMEOUT_SECONDS'
  | 'SANDBOX_OUTPUT_LIMIT'
>;

export function sandboxLimits(config: SandboxConfig): SandboxLimits {
  return {
    memoryBytes: config.SANDBOX_MEMORY,
    cpus: config.SANDBOX_CPUS,
    pids: { python: config.SANDBOX_PIDS_LIMIT, javascript: config.SANDBOX_PIDS_LIMIT_JAVASCRIPT },
    runscPidsOverhead: config.SANDBOX_RUNSC_PIDS_OVERHEAD,
    tmpfsBytes: config.SANDBOX_TMPFS_SIZE,
    fileSizeBytes: config.SANDBOX_FILE_SIZE_LIMIT,
    openFiles: config.SANDBOX_NOFILE_LIMIT,
    timeoutMs: config.SANDBOX_TIMEOUT_SECONDS * 1000,
    outputBytes: config.SANDBOX_OUTPUT_LIMIT,
  };
}

export function createSandboxExecutor(config: SandboxConfig, docker: Docker): SandboxExecutor {
  return new SandboxExecutor({ docker, image: config.SANDBOX_IMAGE, runtime: config.SANDBOX_RUNTIME, limits: sandboxLimits(config) });
}
