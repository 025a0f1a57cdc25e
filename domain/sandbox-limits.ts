import { baseEnv, SANDBOX_CODE_DIR, SANDBOX_LABELS, SANDBOX_USER, type SandboxLanguage, type SandboxRuntime } from './sandbox.js';

/** The limits every sandbox container runs under (from config; the seed's values are the defaults). */
export interface SandboxLimits {
  memoryBytes: number;
  /** CPU share in cores (0.5 = half a core). */
  cpus: number;
  /** Processes and threads of one run, per language. */
  pids: Record<SandboxLanguage, number>;
  /**
   * Added to the pids limit under gVisor: the limit is the container's host cgroup, which
   * there also holds gVisor's own kernel (the Sentry, a Go program with its threads) and its
   * file proxy; with the bare seed value runsc cannot even start.
   */
  runscPidsOverhead: number;
  tmpfsBytes: number;
  /** Largest file a run may write (RLIMIT_FSIZE). */
  fileSizeBytes: number;
  /** Open file descriptors (RLIMIT_NOFILE). */
  openFiles: number;
  timeoutMs: number;
  /** Bytes of stdout and of stderr kept; the rest is dropped and flagged. */
  outputBytes: number;
}

export interface ContainerSpecInput {
  image: string;
  runtime: SandboxRuntime;
  language: SandboxLanguage;
  limits: SandboxLimits;
  /** argv; a warm container gets a command that only waits, the run's command comes by exec. */
  command: string[];
  env: Record<string, string>;
  labels: Record<string, string>;
  /** The main process's user: the run's (SANDBOX_USER) unless a warm container's idle process. */
  user?: string;
}

/**
 * The Docker create options of a sandbox container, as plain data: every
 * limit is here, in one place, so a unit test can check none is missing.
 * No bind mounts ever; the code arrives in an anonymous volume at /code.
 */
export function containerSpec(input: ContainerSpecInput) {
  const { limits } = input;
  return {
    Image: input.image,
    Cmd: input.command,
    Env: Object.entries({ ...baseEnv(), ...input.env }).map(([k, v]) => `${k}=${v}`),
    User: input.user ?? SANDBOX_USER,
    WorkingDir: SANDBOX_CODE_DIR,
    Hostname: 'sandbox',
    Labels: { [SANDBOX_LABELS.marker]: '1', ...input.labels },
    AttachStdin: false,
    AttachStdout: true,
    AttachStderr: true,
    Tty: false,
    OpenStdin: false,
    NetworkDisabled: true,
    // An anonymous volume: initialised from the image's /code (root, 0755), filled before start, removed with the container.
    Volumes: { [SANDBOX_CODE_DIR]: {} },
    HostConfig: {
      Runtime: input.runtime,
      NetworkMode: 'none',
      ReadonlyRootfs: true,
      Tmpfs: { '/tmp': `rw,nosuid,nodev,noexec,size=${limits.tmpfsBytes}` },
      Memory: limits.memoryBytes,
      // Equal to Memory: no swap at all.
      MemorySwap: limits.memoryBytes,
      MemorySwappiness: 0,
      NanoCpus: Math.round(limits.cpus * 1e9),
      PidsLimit: limits.pids[input.language] + (input.runtime === 'runsc' ? limits.runscPidsOverhead : 0),
      CapDrop: ['ALL'],
      CapAdd: [] as string[],
      // No SecurityOpt "seccomp=…": the engine's default profile applies.
      SecurityOpt: ['no-new-privileges:true'],
      Privileged: false,
      Ulimits: [
        { Name: 'nofile', Soft: limits.openFiles, Hard: limits.openFiles },
        { Name: 'fsize', Soft: limits.fileSizeBytes, Hard: limits.fileSizeBytes },
      ],
      IpcMode: 'private',
      PidMode: '',
      Binds: [] as string[],
      Devices: [] as unknown[],
      // Output is read from the attach stream with caps; a log driver would store an output flood on the engine's disk.
      LogConfig: { Type: 'none', Config: {} },
      AutoRemove: false,
      RestartPolicy: { Name: 'no' },
      OomKillDisable: false,
    },
  };
}

export type ContainerSpec = ReturnType<typeof containerSpec>;

/** Parses a size like `256m`, `16m`, `1g`, `512k` or a plain byte count. */
export function parseByteSize(text: string): number {
  const match = /^(\d+)([kmg]?)b?$/i.exec(text.trim());
  if (!match) throw new Error(`"${text}" is not a size (e.g. 256m, 16m, 1g, 65536)`);
  const unit = (match[2] ?? '').toLowerCase();
  const factor = unit === 'g' ? 1024 ** 3 : unit === 'm' ? 1024 ** 2 : unit === 'k' ? 1024 : 1;
  return Number(match[1]) * factor;
}

/** The parts of `docker inspect` a containment check reads. */
export interface InspectedContainer {
  Config?: { User?: string; Env?: string[] | null };
  HostConfig?: {
    Runtime?: string;
    NetworkMode?: string;
    ReadonlyRootfs?: boolean;
    Privileged?: boolean;
    CapDrop?: string[] | null;
    CapAdd?: string[] | null;
    SecurityOpt?: string[] | null;
    Memory?: number;
    MemorySwap?: number;
    NanoCpus?: number;
    PidsLimit?: number | null;
    Binds?: string[] | null;
    PidMode?: string;
  };
  Mounts?: Array<{ Type?: string; Destination?: string }> | null;
}

/**
 * What differs between the container the engine created and the spec asked
 * for; empty when every limit is in place. A daemon configured to add
 * capabilities, mounts or another runtime would show up here before the
 * untrusted code starts.
 */
export function containmentProblems(spec: ContainerSpec, seen: InspectedContainer): string[] {
  const problems: string[] = [];
  const host = seen.HostConfig ?? {};
  const want = spec.HostConfig;
  const check = (ok: boolean, what: string) => {
    if (!ok) problems.push(what);
  };
  check(seen.Config?.User === spec.User, `user is ${seen.Config?.User ?? 'unset'}, not ${spec.User}`);
  check(host.Runtime === want.Runtime, `runtime is ${host.Runtime ?? 'unset'}, not ${want.Runtime}`);
  check(host.NetworkMode === 'none', `network mode is ${host.NetworkMode ?? 'unset'}`);
  check(host.ReadonlyRootfs === true, 'root filesystem is writable');
  check(host.Privileged !== true, 'container is privileged');
  check((host.CapDrop ?? []).some((c) => c.toUpperCase() === 'ALL'), 'capabilities were not dropped');
  check((host.CapAdd ?? []).length === 0, `capabilities added: ${(host.CapAdd ?? []).join(', ')}`);
  check((host.SecurityOpt ?? []).some((o) => /^no-new-privileges(:true|=true)?$/.test(o)), 'no-new-privileges is not set');
  check(!(host.SecurityOpt ?? []).some((o) => /seccomp[:=]unconfined/.test(o)), 'seccomp is unconfined');
  check(host.Memory === want.Memory && host.MemorySwap === want.MemorySwap, 'memory or swap limit differs');
  check(host.NanoCpus === want.NanoCpus, 'CPU limit differs');
  check(host.PidsLimit === want.PidsLimit, 'pids limit differs');
  check(host.PidMode === '' || host.PidMode === undefined, `pid mode is ${host.PidMode}`);
  check((host.Binds ?? []).length === 0, 'host paths are bind-mounted');
  const mounts = seen.Mounts ?? [];
  check(!mounts.some((m) => m.Type === 'bind'), 'a bind mount is present');
  return problems;
}
