import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { ACTIVITY_KINDS } from '../domain/retry-policies.js';

const backup = proxyActivities<Activities>(ACTIVITY_KINDS.backup);

/** Run daily by a Temporal Schedule: `golden backup` of the local stack into BACKUP_TARGET. */
export async function BackupWorkflow(): Promise<Awaited<ReturnType<Activities['runBackup']>>> {
  return backup.runBackup();
}
