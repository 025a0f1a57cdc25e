import { ApplicationFailure } from '@temporalio/activity';
import { createBackup } from '../cli/backup/create.js';
import { totalBytes } from '../cli/backup/manifest.js';
import { CliError } from '../cli/cli-error.js';
import { stackPaths } from '../cli/stack/paths.js';
import { loadConfigSubset } from '../lib/config.js';

export interface BackupSummary {
  dir: string;
  bytes: number;
  files: number;
  durationMs: number;
  removed: string[];
}

/**
 * The daily backup of the local stack, as `golden backup` makes it. It runs
 * on the worker beside the stack's data dir; BACKUP_TARGET and
 * BACKUP_RETENTION are read per run so a changed setting counts at once.
 */
export function createBackupActivities() {
  return {
    async runBackup(): Promise<BackupSummary> {
      const { BACKUP_TARGET, BACKUP_RETENTION } = loadConfigSubset(['BACKUP_TARGET', 'BACKUP_RETENTION']);
      try {
        const { dir, manifest, removed } = await createBackup(stackPaths(), BACKUP_TARGET, BACKUP_RETENTION, () => undefined);
        return { dir, bytes: totalBytes(manifest), files: manifest.files.length, durationMs: manifest.durationMs, removed };
      } catch (err) {
        // No stack here, a target inside the data dir, a damaged tool: another attempt would fail the same way.
        if (err instanceof CliError) throw ApplicationFailure.nonRetryable(err.message, 'BackupFailed');
        throw err;
      }
    },
  };
}
