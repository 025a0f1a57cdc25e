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
  circuitBreakerOpenSeconds: 'circuit_breaker_open_seconds',
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
  // Recorded by the task pipeline (alert sources named by the seed and issue 10).
  securityGuardBypass: 'security_guard_bypass_total',
  escalationFailures: 'escalation_failures_total',
  escalationsUnresolved: 'escalations_unresolved',
  escalationResolutionSeconds: 'escalation_resolution_time_seconds',
  tasksActive: 'tasks_active',
  // Prometheus recording rules (domain/recording-rules.ts); the seed's dashboard names.
  peerReviewConsensusP95: 'peer_review_consensus_time_p95',
  sandboxExecutionP95: 'sandbox_execution_time_p95',
  escalationResolutionP90: 'escalation_resolution_time_p90',
  sandboxTimeoutRatio: 'sandbox_timeout_ratio',
  httpErrorRatio: 'http_error_ratio',
  taskQueueBacklog: 'task_queue_backlog',
  hpaCurrentReplicas: 'hpa_current_replicas',
  hpaDesiredReplicas: 'hpa_desired_replicas',
  workflowTaskScheduleToStartP95: 'workflow_task_schedule_to_start_p95',
  activityScheduleToStartP95: 'activity_schedule_to_start_p95',
  // Exported by other programs: Temporal Server's matching service and kube-state-metrics.
  temporalApproximateBacklog: 'approximate_backlog_count',
  // The Temporal SDK's own histograms (seconds), which every worker serves on its /metrics (workers/sdk-metrics.ts).
  temporalWorkflowTaskScheduleToStart: 'temporal_workflow_task_schedule_to_start_latency',
  temporalActivityScheduleToStart: 'temporal_activity_schedule_to_start_latency',
  kubeHpaCurrentReplicas: 'kube_horizontalpodautoscaler_status_current_replicas',
  kubeHpaDesiredReplicas: 'kube_horizontalpodautoscaler_status_desired_replicas',
} as const;

export type MetricName = (typeof METRICS)[keyof typeof METRICS];
