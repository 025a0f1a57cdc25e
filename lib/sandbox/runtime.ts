import type Docker from 'dockerode';
import type { SandboxRuntime } from '../../domain/sandbox.js';

export type RuntimeChoice = 'auto' | SandboxRuntime;

/** Thrown when config forces a runtime the engine does not have. */
export class SandboxRuntimeUnavailableError extends Error {
  override readonly name = 'SandboxRuntimeUnavailableError';
  constructor(readonly runtime: SandboxRuntime, readonly available: readonly string[]) {
    super(`SANDBOX_RUNTIME=${runtime}, but the Docker engine offers only: ${available.join(', ') || 'none'}`);
  }
}

/** The OCI runtimes the engine has registered (`docker info` → Runtimes). */
export async function engineRuntimes(docker: Docker): Promise<string[]> {
  const info = (await docker.info()) as { Runtimes?: Record<string, unknown> };
  return Object.keys(info.Runtimes ?? {}).sort();
}

/** The sandbox runtimes the engine can run, gVisor first; tests run every case under each. */
export function sandboxRuntimesOf(available: readonly string[]): SandboxRuntime[] {
  return (['runsc', 'runc'] as const).filter((r) => available.includes(r));
}

/** gVisor (`runsc`) when the engine has it and config allows; `runc` otherwise. */
export function chooseRuntime(choice: RuntimeChoice, available: readonly string[]): SandboxRuntime {
  if (choice !== 'auto') {
    if (!available.includes(choice)) throw new SandboxRuntimeUnavailableError(choice, available);
    return choice;
  }
  return available.includes('runsc') ? 'runsc' : 'runc';
}
