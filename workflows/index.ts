// The export name is the workflow type: worker, CLI, Web UI and API all use it.
export { TaskWorkflow } from './task-workflow.js';
export { SystemProbeWorkflow } from './system-probe-workflow.js';
export { BudgetSweepWorkflow, BudgetReconcileWorkflow } from './budget-maintenance-workflows.js';
export { SandboxRunWorkflow } from './sandbox-step.js';
export { PromptApprovalWorkflow } from './prompt-approval-workflow.js';
export { PeerReviewWorkflow } from './peer-review-workflow.js';
export { EscalationWorkflow } from './escalation-workflow.js';
export { BackupWorkflow } from './backup-workflow.js';
