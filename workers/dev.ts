import { TASK_QUEUES } from '../domain/task-queues.js';
import { runMain } from '../lib/main.js';
import { runWorkers } from './run-workers.js';

// Local development: every queue's worker in one process.
runMain(() => runWorkers(TASK_QUEUES, 'worker-dev'));
