import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';

// A dump of a large database takes far longer than the maintenance kind's 2 minutes; a failed run is retried once, then waits for the next day.
const backup = proxyActivities<Activities>({ startToCloseTimeout: '1h', retry: { initialInterval: '1m', maximumAttempts: 2 } });

/** Run daily by a Temporal Schedule: `golden backup` of the local stack into BACKUP_TARGET. */
export async function BackupWorkflow(): Promise<Awaited<ReturnType<Activities['runBackup']>>> {
  return backup.runBackup();
}
