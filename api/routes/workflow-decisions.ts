import { ApplicationFailure, WorkflowNotFoundError, WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError, type Client } from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';
import { ApiError, ConflictError, UnavailableError } from '../errors.js';

/** How long a human decision waits for the workflow to take it before the caller hears 503. */
export const DECISION_TIMEOUT_MS = 10_000;

// gRPC's DEADLINE_EXCEEDED, on the error or the service error wrapping it.
const GRPC_DEADLINE_EXCEEDED = 4;
/**
 * The deadline ran out. Depending on the phase of the update call it hit, the
 * client reports DEADLINE_EXCEEDED or "Call cancelled" (gRPC CANCELLED), both
 * as WorkflowUpdateRPCTimeoutOrCancelledError; the API never cancels the call itself.
 */
export const isDeadlineExceeded = (err: unknown): boolean => {
  const e = err as { code?: unknown; cause?: { code?: unknown } } | null;
  return err instanceof WorkflowUpdateRPCTimeoutOrCancelledError || e?.code === GRPC_DEADLINE_EXCEEDED || e?.cause?.code === GRPC_DEADLINE_EXCEEDED;
};

/**
 * Sends a human decision to a waiting workflow as a Temporal update and maps
 * what can go wrong to problems: a workflow that is gone or whose validator
 * refuses the decision is a 409 (400 when the validator calls the input
 * invalid), one that no worker takes within the deadline is a 503 (otherwise
 * the caller would wait for as long as no worker runs).
 */
export async function sendDecision<Ret, Arg>(
  temporal: Client,
  workflowId: string,
  update: UpdateDefinition<Ret, [Arg]>,
  arg: Arg,
  what: string,
): Promise<Ret> {
  const handle = temporal.workflow.getHandle(workflowId);
  try {
    return await temporal.connection.withDeadline(Date.now() + DECISION_TIMEOUT_MS, () => handle.executeUpdate(update, { args: [arg] }));
  } catch (err) {
    throw decisionProblem(err, workflowId, what);
  }
}

/** The problem a failed decision or signal becomes; errors that are not Temporal's pass through unchanged. */
function decisionProblem(err: unknown, workflowId: string, what: string): unknown {
  if (err instanceof WorkflowNotFoundError) return new ConflictError(`${what}: workflow ${workflowId} is no longer running`);
  if (err instanceof WorkflowUpdateFailedError) {
    const cause = err.cause;
    const message = cause instanceof Error ? cause.message : err.message;
    if (cause instanceof ApplicationFailure && cause.type === 'InvalidInputError') return new ApiError('invalid_request', `${what} was refused: ${message}`);
    return new ConflictError(`${what} was refused: ${message}`);
  }
  if (isDeadlineExceeded(err)) return new UnavailableError(`${what}: workflow ${workflowId} did not take the decision within ${DECISION_TIMEOUT_MS / 1000} s; is a worker polling its task queue? (golden doctor checks)`);
  return err;
}
