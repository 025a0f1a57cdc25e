import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { DROP_WORKFLOW_SPANS } from '../lib/tracing-worker.js';
import { distDir } from '../lib/paths.js';

/** Built by `npm run build` so that workers start without bundling (seconds each, times four in the dev entry). */
export const WORKFLOW_BUNDLE_PATH = join(distDir(), 'workflow-bundle.js');
export const WORKFLOWS_ENTRY_PATH = join(distDir(), 'workflows', 'index.js');

/**
 * OpenTelemetry's workflow interceptors go into every bundle, traced or not:
 * workflow code then never differs with OTEL_TRACES_EXPORTER, so turning tracing
 * on or off cannot change how a history replays.
 */
export const WORKFLOW_INTERCEPTOR_MODULES = [createRequire(import.meta.url).resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors')];

export type WorkflowSource = { sinks: typeof DROP_WORKFLOW_SPANS } & (
  | { workflowBundle: { codePath: string } }
  | { workflowsPath: string; interceptors: { workflowModules: string[] } }
);

/** The prebuilt bundle when there is one, else the sources (bundled at start, with the same interceptors). */
export function workflowSource(): WorkflowSource {
  return existsSync(WORKFLOW_BUNDLE_PATH)
    ? { workflowBundle: { codePath: WORKFLOW_BUNDLE_PATH }, sinks: DROP_WORKFLOW_SPANS }
    : { workflowsPath: WORKFLOWS_ENTRY_PATH, interceptors: { workflowModules: WORKFLOW_INTERCEPTOR_MODULES }, sinks: DROP_WORKFLOW_SPANS };
}
