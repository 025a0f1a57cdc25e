import { runMain } from '../lib/main.js';
import { runWorkers } from './run-workers.js';

runMain(() => runWorkers(['orchestrator'], 'worker-orchestrator'));
