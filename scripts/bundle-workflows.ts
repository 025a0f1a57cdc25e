import { writeFile } from 'node:fs/promises';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { WORKFLOW_BUNDLE_PATH, WORKFLOW_INTERCEPTOR_MODULES, WORKFLOWS_ENTRY_PATH } from '../workers/workflow-source.js';

// Workers load this prebuilt bundle; images ship it so pods start fast.
const { code } = await bundleWorkflowCode({
  workflowsPath: WORKFLOWS_ENTRY_PATH,
  workflowInterceptorModules: WORKFLOW_INTERCEPTOR_MODULES,
  logger: new DefaultLogger('WARN'),
});
await writeFile(WORKFLOW_BUNDLE_PATH, code);
console.log(`workflow bundle written to ${WORKFLOW_BUNDLE_PATH} (${(code.length / 1024).toFixed(0)} KiB)`);
