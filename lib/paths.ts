import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: the nearest folder above this module with a package.json (works from sources and from dist/). */
export function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the project root (no package.json above lib/paths)');
    dir = parent;
  }
}

/** Where the compiled JavaScript lives, whether we run from sources or from dist/. */
export function distDir(): string {
  return join(projectRoot(), 'dist');
}
