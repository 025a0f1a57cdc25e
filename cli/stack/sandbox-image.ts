import { createReadStream, createWriteStream, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type Docker from 'dockerode';
import { SANDBOX_IMAGE_TAG } from '../../domain/sandbox.js';
import { createDocker } from '../../lib/docker.js';
import { projectRoot } from '../../lib/paths.js';
import { CliError } from '../cli-error.js';
import { displayPath, type Log } from './component.js';
import { findExecutable, runLogged } from './exec.js';
import { acquireLock } from './lock.js';
import type { StackPaths } from './paths.js';
import { elapsed, tailFile } from './processes.js';

/** Image settings `docker import` cannot take from a root filesystem; the same as sandbox/Dockerfile's. */
const IMAGE_CHANGES = ['USER 65534:65534', 'WORKDIR /code', 'ENV PATH=/usr/local/bin:/usr/bin:/bin LANG=C.UTF-8', 'CMD ["python3"]'];

/** Built images are kept outside the clone, by tag, like the other built tools: every clone on the machine reuses them. */
export function sandboxImageCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const cache = env.XDG_CACHE_HOME || join(env.HOME || homedir(), '.cache');
  return join(cache, 'golden-architecture', 'images');
}

export function sandboxImageArchive(tag = SANDBOX_IMAGE_TAG): string {
  return join(sandboxImageCacheDir(), `${tag.replace(/[^A-Za-z0-9_.-]/g, '_')}.tar`);
}

async function hasImage(docker: Docker, tag: string): Promise<boolean> {
  try {
    await docker.getImage(tag).inspect();
    return true;
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return false;
    throw err;
  }
}

/** Docker streams progress as JSON lines; an `error` line is a failure even with HTTP 200. */
async function drainProgress(stream: NodeJS.ReadableStream): Promise<void> {
  let text = '';
  for await (const chunk of stream) text += String(chunk);
  const failed = text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as { error?: string })
    .find((m) => m.error);
  if (failed) throw new Error(failed.error);
}

async function ensureDebootstrap(paths: StackPaths, log: Log): Promise<string> {
  const found = findExecutable('debootstrap');
  if (found) return found;
  const aptGet = findExecutable('apt-get');
  if (!aptGet || process.getuid?.() !== 0) {
    throw new CliError('sandbox image: debootstrap is missing; install it (apt-get install -y debootstrap) or run as root');
  }
  const logFile = join(paths.logsDir, 'apt.log');
  log(`sandbox image: installing debootstrap (log ${displayPath(paths, logFile)})`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [['update'], ['install', '-y', 'debootstrap']]) {
    const code = await runLogged(aptGet, args, logFile, { env });
    if (code !== 0) throw new CliError(`apt-get ${args[0]} failed (exit ${code})\n${tailFile(logFile, 20)}`);
  }
  const installed = findExecutable('debootstrap');
  if (!installed) throw new CliError('sandbox image: debootstrap was installed but is not found on PATH');
  return installed;
}

/** Builds the root filesystem from Debian packages, imports it as the tag, and saves the image to the cache. */
async function build(docker: Docker, paths: StackPaths, tag: string, archive: string, log: Log): Promise<void> {
  await ensureDebootstrap(paths, log);
  const logFile = join(paths.logsDir, 'sandbox-image.log');
  const rootfs = `${archive}.rootfs.tar`;
  log(`sandbox image: building ${tag} from Debian packages (debootstrap, a few minutes; log ${displayPath(paths, logFile)})`);
  const code = await runLogged('bash', [join(projectRoot(), 'scripts', 'build-sandbox-image.sh'), rootfs], logFile);
  if (code !== 0) throw new CliError(`sandbox image: build failed (exit ${code})\n--- last lines of ${logFile} ---\n${tailFile(logFile, 20)}`);
  try {
    const [repo, version] = tag.split(':') as [string, string | undefined];
    await drainProgress(await docker.importImage(createReadStream(rootfs) as unknown as string, { repo, tag: version ?? 'latest', changes: IMAGE_CHANGES }));
    await save(docker, tag, archive);
  } finally {
    rmSync(rootfs, { force: true });
  }
}

async function save(docker: Docker, tag: string, archive: string): Promise<void> {
  const partial = `${archive}.partial`;
  await pipeline(await docker.getImage(tag).get(), createWriteStream(partial));
  renameSync(partial, archive);
}

/**
 * The sandbox image in the stack's engine: present already, loaded from the
 * cached `docker save` archive, or built offline from Debian packages and
 * cached. One build at a time per machine (a lock beside the cache).
 */
export async function ensureSandboxImage(paths: StackPaths, dockerHost: string, log: Log, tag = SANDBOX_IMAGE_TAG): Promise<void> {
  const docker = createDocker({ DOCKER_HOST: dockerHost });
  if (await hasImage(docker, tag)) return;
  const started = Date.now();
  const archive = sandboxImageArchive(tag);
  mkdirSync(sandboxImageCacheDir(), { recursive: true });
  const release = await acquireLock(`${archive}.lock`, (holder) => log(`sandbox image: waiting for another build (pid ${holder})`));
  try {
    if (await hasImage(docker, tag)) return;
    if (existsSync(archive)) {
      await drainProgress(await docker.loadImage(createReadStream(archive) as unknown as string));
      if (!(await hasImage(docker, tag))) throw new CliError(`sandbox image: ${archive} does not hold ${tag}; delete it to rebuild`);
      log(`sandbox image: loaded ${tag} from ${archive} in ${elapsed(started)}`);
      return;
    }
    await build(docker, paths, tag, archive, log);
    log(`sandbox image: built ${tag} and cached it as ${archive} in ${elapsed(started)}`);
  } finally {
    release();
  }
}
