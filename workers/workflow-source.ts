import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { distDir } from '../lib/paths.js';

/** Built by `npm run build` so that workers start without bundling (seconds each, times four in the dev entry). */
export const WORKFLOW_BUNDLE_PATH = join(distDir(), 'workflow-bundle.js');
export const WORKFLOWS_ENTRY_PATH = join(distDir(), 'workflows', 'index.js');

export function workflowSource(): { workflowBundle: { codePath: string } } | { workflowsPath: string } {
  return existsSync(WORKFLOW_BUNDLE_PATH) ? { workflowBundle: { codePath: WORKFLOW_BUNDLE_PATH } } : { workflowsPath: WORKFLOWS_ENTRY_PATH };
}
