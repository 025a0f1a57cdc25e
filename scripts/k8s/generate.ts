import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { differences, generatedFiles, k8sDir } from './files.js';

/**
 * Writes k8s/ from domain/ (`npm run k8s:generate`); with --check, writes
 * nothing and fails when k8s/ differs from what it would write (`npm run k8s:check`).
 */

function main(argv: string[]): number {
  const check = argv.includes('--check');
  const unknown = argv.filter((a) => a !== '--check');
  if (unknown.length > 0) {
    console.error(`usage: generate [--check]   (unknown: ${unknown.join(' ')})`);
    return 2;
  }
  const dir = k8sDir();
  const files = generatedFiles();
  if (check) {
    const diff = differences(dir, files);
    if (diff.length > 0) {
      console.error(`k8s/ is out of date with domain/; run npm run k8s:generate and commit:\n  ${diff.join('\n  ')}`);
      return 1;
    }
    console.log(`k8s/ is up to date (${files.size} files)`);
    return 0;
  }
  for (const [path, content] of files) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  const stale = differences(dir, files);
  if (stale.length > 0) console.warn(`left in k8s/ but not generated (remove them if unused):\n  ${stale.join('\n  ')}`);
  console.log(`wrote ${files.size} files to ${relative(process.cwd(), dir) || '.'}`);
  return 0;
}

process.exitCode = main(process.argv.slice(2));
