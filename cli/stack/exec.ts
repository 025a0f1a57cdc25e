import { execFile, spawn } from 'node:child_process';
import { accessSync, constants, createWriteStream, mkdirSync, realpathSync } from 'node:fs';
import { basename, delimiter, dirname, join } from 'node:path';
import { createInterface } from 'node:readline';

/** Like `which`, plus sbin dirs that a non-login root shell may lack on PATH. */
export function findExecutable(name: string, extraDirs: string[] = ['/usr/sbin', '/usr/bin', '/sbin', '/bin']): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter((d) => d !== ''), ...extraDirs];
  for (const dir of dirs) {
    const candidate = join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

export function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Name the kernel reports in /proc/<pid>/exe for a process started from `file`. */
export function exeNameOf(file: string): string {
  try {
    return basename(realpathSync(file));
  } catch {
    return basename(file);
  }
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a short command to completion; never rejects, a spawn failure is code 127. */
export function runCommand(
  command: string,
  args: string[],
  opts: { timeoutMs?: number; env?: NodeJS.ProcessEnv; uid?: number; gid?: number; cwd?: string } = {},
): Promise<RunResult> {
  return new Promise((resolvePromise) => {
    execFile(
      command,
      args,
      { timeout: opts.timeoutMs ?? 30_000, env: opts.env ?? process.env, uid: opts.uid, gid: opts.gid, cwd: opts.cwd, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : err.code === 'ENOENT' ? 127 : 1) : 0;
        resolvePromise({ code, stdout: String(stdout), stderr: String(stderr) || (err ? err.message : '') });
      },
    );
  });
}

/**
 * Runs a long command with its output appended to logFile (and each line
 * passed to onLine, for progress); resolves with the exit code.
 */
export function runLogged(
  command: string,
  args: string[],
  logFile: string,
  opts: { env?: NodeJS.ProcessEnv; cwd?: string; uid?: number; gid?: number; onLine?: (line: string) => void } = {},
): Promise<number> {
  return new Promise((resolvePromise) => {
    mkdirSync(dirname(logFile), { recursive: true });
    const out = createWriteStream(logFile, { flags: 'a' });
    out.write(`\n=== ${new Date().toISOString()} ${command} ${args.join(' ')}\n`);
    const child = spawn(command, args, {
      env: opts.env ?? process.env,
      cwd: opts.cwd,
      uid: opts.uid,
      gid: opts.gid,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    for (const stream of [child.stdout, child.stderr]) {
      stream.pipe(out, { end: false });
      if (opts.onLine) createInterface({ input: stream }).on('line', opts.onLine);
    }
    let finished = false;
    const finish = (code: number): void => {
      if (finished) return;
      finished = true;
      out.end(() => resolvePromise(code));
    };
    child.once('error', (err) => {
      out.write(`${err.message}\n`);
      finish(127);
    });
    child.once('close', (code, signal) => finish(code ?? (signal ? 128 : 1)));
  });
}
