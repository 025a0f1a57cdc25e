import type Docker from 'dockerode';

export interface SandboxProbeDeps {
  docker: Docker;
}

export interface SandboxRuntimeInfo {
  dockerVersion: string;
  runtimes: string[];
  gvisor: boolean;
}

export function createSandboxProbeActivities({ docker }: SandboxProbeDeps) {
  return {
    /** What the sandbox worker's Docker engine offers; run on the sandbox queue, so it proves that worker reaches Docker. */
    async probeSandboxRuntime(): Promise<SandboxRuntimeInfo> {
      const [version, info] = await Promise.all([docker.version(), docker.info() as Promise<{ Runtimes?: Record<string, unknown> }>]);
      const runtimes = Object.keys(info.Runtimes ?? {}).sort();
      return { dockerVersion: version.Version, runtimes, gvisor: runtimes.includes('runsc') };
    },
  };
}
