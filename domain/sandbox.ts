import { z } from 'zod';

/**
 * The sandbox image built from Debian packages by `golden stack up`
 * (scripts/build-sandbox-image.sh) and by sandbox/Dockerfile for registries.
 * Bump the suffix when the image's contents change: the cached tarball is
 * keyed by this tag, so a bump rebuilds it.
 */
export const SANDBOX_IMAGE_TAG = 'sandbox-executor:v5.1-1';

/** Where the code of a run is mounted inside the container (a volume owned by root, read-only to the run). */
export const SANDBOX_CODE_DIR = '/code';

/** The unprivileged user every run is (Debian's nobody:nogroup). */
export const SANDBOX_USER = '65534:65534';

/**
 * The user of a warm container's idle main process: not the run's user, so
 * the run can neither signal nor ptrace it (no capabilities, another uid).
 */
export const SANDBOX_IDLE_USER = '65533:65533';

export const SANDBOX_LANGUAGES = ['python', 'javascript'] as const;
export type SandboxLanguage = (typeof SANDBOX_LANGUAGES)[number];

/** Labels every sandbox container carries; the worker finds its leftovers by them. */
export const SANDBOX_LABELS = {
  marker: 'golden.sandbox',
  owner: 'golden.sandbox.owner',
  expires: 'golden.sandbox.expires',
  runId: 'golden.sandbox.run-id',
  pool: 'golden.sandbox.pool',
} as const;

/** Caps on what a run may send in, so one request cannot fill the engine's disk or the worker's memory. */
export const SANDBOX_INPUT_LIMITS = { maxFiles: 200, maxFileBytes: 512 * 1024, maxTotalBytes: 2 * 1024 * 1024 } as const;

const relativePath = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/, 'must be a relative path of letters, digits, "_", "." and "-"')
  .refine((p) => !p.split('/').some((part) => part === '.' || part === '..'), 'must not contain "." or ".." segments');

export const SandboxFile = z.object({ path: relativePath, content: z.string().max(SANDBOX_INPUT_LIMITS.maxFileBytes) });
export type SandboxFile = z.infer<typeof SandboxFile>;

/** Names a run's environment may set; nothing of the worker's environment is ever passed on. */
const envName = z.string().regex(/^[A-Z_][A-Z0-9_]{0,63}$/, 'must be an upper-case variable name');

/** One execution: the files, the language, and what to run (the language's test runner when absent). */
export const SandboxRunRequest = z
  .object({
    tenantId: z.string().min(1).max(200),
    runId: z.string().regex(/^[A-Za-z0-9_.:-]{1,200}$/, 'must be 1-200 letters, digits, "_", ".", ":" or "-"'),
    language: z.enum(SANDBOX_LANGUAGES),
    files: z.array(SandboxFile).max(SANDBOX_INPUT_LIMITS.maxFiles),
    /** argv run in /code; defaults to the language's test command. */
    command: z.array(z.string().min(1).max(4096)).min(1).max(64).optional(),
    env: z.record(envName, z.string().max(4096)).optional(),
    /** Shorter than the configured wall-clock limit if the caller wants; never longer. */
    timeoutMs: z.number().int().min(100).max(600_000).optional(),
  })
  .refine((r) => r.files.reduce((n, f) => n + f.content.length, 0) <= SANDBOX_INPUT_LIMITS.maxTotalBytes, {
    message: `files must total at most ${SANDBOX_INPUT_LIMITS.maxTotalBytes} characters`,
    path: ['files'],
  })
  .refine((r) => new Set(r.files.map((f) => f.path)).size === r.files.length, { message: 'file paths must be unique', path: ['files'] });
export type SandboxRunRequest = z.infer<typeof SandboxRunRequest>;

/** The test command per language: pytest without its cache (the root is read-only), node's own test runner. */
export function defaultCommand(language: SandboxLanguage): string[] {
  switch (language) {
    case 'python':
      return ['python3', '-m', 'pytest', '-q', '-p', 'no:cacheprovider', '-o', 'console_output_style=classic'];
    case 'javascript':
      return ['node', '--test'];
  }
}

/** The base environment of every run; the request's own variables are added on top, nothing else. */
export function baseEnv(): Record<string, string> {
  return {
    PATH: '/usr/local/bin:/usr/bin:/bin',
    HOME: '/tmp',
    LANG: 'C.UTF-8',
    // The root and /code are read-only: no bytecode caches.
    PYTHONDONTWRITEBYTECODE: '1',
    // Not PYTHONUNBUFFERED: under gVisor a write larger than the room left in the host's stdout pipe
    // (64 KiB) comes back short, and unbuffered Python drops the rest; buffered stdout writes on.
  };
}

export type SandboxRuntime = 'runc' | 'runsc';

/** What happened to a run's resources, beside its exit code. */
export interface SandboxFlags {
  timedOut: boolean;
  oomKilled: boolean;
  stdoutTruncated: boolean;
  stderrTruncated: boolean;
  /** Output went far past the cap, and the run was stopped for it. */
  outputFlood: boolean;
  /** The run was cancelled by its caller (its container killed). */
  cancelled: boolean;
}

/** A finished execution as the executor reports it (output in full up to the caps). */
export interface SandboxExecution {
  runId: string;
  language: SandboxLanguage;
  runtime: SandboxRuntime;
  exitCode: number;
  stdout: string;
  stderr: string;
  durationMs: number;
  flags: SandboxFlags;
  /** Whether the container came from the warm pool. */
  warm: boolean;
}

/** Why a run counts as a failure of the sandbox (not of the code under test), for the metric's `reason` label. */
export type SandboxFailureReason = 'escape' | 'infra' | 'timeout' | 'oom';

/** The label of a finished run's failure, if any; a failing test is not a sandbox failure. */
export function failureReasonOf(flags: Pick<SandboxFlags, 'timedOut' | 'oomKilled'>): SandboxFailureReason | undefined {
  if (flags.oomKilled) return 'oom';
  if (flags.timedOut) return 'timeout';
  return undefined;
}
