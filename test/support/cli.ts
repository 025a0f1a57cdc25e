import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { distDir } from '../../lib/paths.js';

const execFileAsync = promisify(execFile);

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a compiled entry point as a user would; resolves with exit code and output instead of throwing. */
export async function runNode(entry: string, args: string[], env: Record<string, string | undefined>, timeoutMs = 120_000): Promise<CliResult> {
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, [join(distDir(), entry), ...args], { env, timeout: timeoutMs });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** `golden …` with the test's environment on top of this process's. */
export function golden(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return runNode(join('cli', 'golden.js'), args, { ...process.env, ...env });
}
