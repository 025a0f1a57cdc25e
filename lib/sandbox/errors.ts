/** The engine failed to create, start or watch a sandbox container: the run said nothing about the code. */
export class SandboxInfraError extends Error {
  override readonly name = 'SandboxInfraError';
  constructor(readonly step: string, cause: unknown) {
    super(`sandbox ${step} failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

/**
 * A run's container was not what the executor asked for (a limit missing
 * after creation) or survived being killed: containment cannot be trusted.
 * Counted as `escape`; never retried silently.
 */
export class SandboxContainmentError extends Error {
  override readonly name = 'SandboxContainmentError';
  constructor(readonly containerId: string, readonly problems: readonly string[]) {
    super(`sandbox container ${containerId.slice(0, 12)} is not contained: ${problems.join('; ')}`);
  }
}
