/**
 * Metric names, defined once. Alert rules, dashboards and the code that
 * records the metrics all take the names from here; the seed's names are kept.
 */
export const METRICS = {
  llmValidationFailures: 'llm_validation_failures_total',
  rbacPermissionDenied: 'rbac_permission_denied_total',
  sandboxExecutionFailures: 'sandbox_execution_failures_total',
  circuitBreakerState: 'circuit_breaker_state',
  circuitBreakerFailures: 'circuit_breaker_failures_total',
  dlqMessageCount: 'dlq_message_count',
  budgetReservationConflicts: 'budget_reservation_conflicts_total',
  budgetReservations: 'budget_reservations_total',
  budgetRemaining: 'budget_remaining_tokens',
  budgetConsistencyViolations: 'budget_consistency_violations',
  budgetRedisFallbacks: 'budget_redis_fallbacks_total',
  budgetUnbilledTokens: 'budget_unbilled_tokens_total',
  peerReviewConsensusSeconds: 'peer_review_consensus_time_seconds',
  taskCompletionRate: 'task_completion_rate',
  tasksFinished: 'tasks_finished_total',
  sandboxExecutionSeconds: 'sandbox_execution_time_seconds',
  sandboxTimeouts: 'sandbox_timeouts_total',
  sandboxRateLimited: 'sandbox_rate_limited_total',
  httpRequestDuration: 'http_request_duration_seconds',
  httpRequests: 'http_requests_total',
  apiRateLimitDecisions: 'api_rate_limit_decisions_total',
  llmTokens: 'llm_tokens_total',
  llmCost: 'llm_cost_usd_total',
  promptApprovalsPending: 'prompt_approvals_pending',
  promptApprovalOverdue: 'prompt_approval_overdue_total',
  llmRequestDuration: 'llm_request_duration_seconds',
  activityExecutions: 'golden_activity_executions_total',
} as const;

export type MetricName = (typeof METRICS)[keyof typeof METRICS];
