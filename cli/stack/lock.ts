import { closeSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { isAlive, readPidFile } from './processes.js';

/**
 * Takes an exclusive lock file holding our pid, waiting while a live process
 * holds it; a lock left by a dead process is taken over. Returns the release.
 */
export async function acquireLock(file: string, onWait: (holder: number) => void): Promise<() => void> {
  mkdirSync(dirname(file), { recursive: true });
  let announced = false;
  for (;;) {
    try {
      const fd = openSync(file, 'wx', 0o644);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return () => {
        if (readPidFile(file) === process.pid) rmSync(file, { force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = readPidFile(file);
    // A holder still writing its pid reads as undefined; give it a moment before calling the lock stale.
    if (holder === undefined) await sleep(200);
    if (holder === undefined ? readPidFile(file) === undefined : !isAlive(holder)) {
      rmSync(file, { force: true });
      continue;
    }
    if (!announced && holder !== undefined) onWait(holder);
    announced = true;
    await sleep(500);
  }
}
