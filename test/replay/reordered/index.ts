import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../../../activities/index.js';
import { ACTIVITY_KINDS } from '../../../domain/retry-policies.js';

const records = proxyActivities<Activities>(ACTIVITY_KINDS.records);

/**
 * A deliberately incompatible TaskWorkflow for the replay test: it schedules
 * the task's first two activities in the opposite order from the released
 * code, so replaying a captured history against it must fail with a
 * determinism violation.
 */
export async function TaskWorkflow(input: { tenantId: string }): Promise<void> {
  await records.recordTaskStatus({ taskId: 'reordered', tenantId: input.tenantId, status: 'running' });
  await records.pipelinePolicy();
}
