import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deploymentName, deploymentSpecs, GVISOR_RUNTIME_CLASS, SECRET_ENV } from '../../domain/deployment.js';
import { API_SCALING, WORKER_SCALING } from '../../domain/scaling.js';
import { TASK_QUEUES } from '../../domain/task-queues.js';
import { ConfigSchema } from '../../lib/config.js';
import { siteConfig } from '../../scripts/k8s/files.js';

const settings = { apiPort: 8080, workerMetricsPort: 9464, workerShutdownGraceSeconds: 30 };
const specs = deploymentSpecs(settings);

describe('deployments', () => {
  it('are the API and one worker deployment per task queue', () => {
    assert.deepEqual(
      specs.map((d) => [d.name, d.queue]),
      [['api', undefined], ...TASK_QUEUES.map((q) => [`worker-${q}`, q])],
    );
    assert.equal(deploymentName('sandbox'), 'worker-sandbox');
  });

  it('run each queue its own entry point with its own scaling policy', () => {
    for (const d of specs) {
      if (d.queue === undefined) {
        assert.equal(d.script, 'dist/api/server.js');
        assert.equal(d.scaling, API_SCALING);
      } else {
        assert.equal(d.script, `dist/workers/${d.queue}.js`);
        assert.equal(d.scaling, WORKER_SCALING[d.queue]);
      }
    }
  });

  it('probe /healthz for liveness; the API and every worker are ready only when /readyz says so', () => {
    const api = specs.find((d) => d.component === 'api')!;
    assert.deepEqual([api.port, api.livenessPath, api.readinessPath, api.metricsPath], [{ name: 'http', number: 8080 }, '/healthz', '/readyz', '/metrics']);
    for (const w of specs.filter((d) => d.queue !== undefined)) {
      assert.deepEqual([w.port, w.livenessPath, w.readinessPath, w.metricsPath], [{ name: 'metrics', number: 9464 }, '/healthz', '/readyz', '/metrics']);
      assert.equal(w.env.WORKER_METRICS_PORT, '9464');
      assert.equal(w.env.WORKER_METRICS_HOST, '0.0.0.0', 'reachable by the kubelet and Prometheus');
    }
  });

  it('take ports and grace from the settings given', () => {
    const other = deploymentSpecs({ apiPort: 3000, workerMetricsPort: 9100, workerShutdownGraceSeconds: 120 });
    assert.equal(other[0]!.port.number, 3000);
    assert.equal(other[1]!.port.number, 9100);
    assert.equal(other[1]!.env.WORKER_SHUTDOWN_GRACE_SECONDS, '120');
    assert.ok(other[1]!.terminationGracePeriodSeconds > 120);
    assert.throws(() => deploymentSpecs({ ...settings, apiPort: -1 }), /apiPort must be a whole number >= 0, got -1/);
  });

  it('give workers more time to stop than their drain takes', () => {
    for (const w of specs.filter((d) => d.queue !== undefined)) assert.ok(w.terminationGracePeriodSeconds > settings.workerShutdownGraceSeconds, w.name);
  });

  it('run only the sandbox worker under gVisor', () => {
    assert.deepEqual(
      specs.filter((d) => d.runtimeClassName !== undefined).map((d) => [d.name, d.runtimeClassName]),
      [['worker-sandbox', GVISOR_RUNTIME_CLASS.name]],
    );
    assert.equal(GVISOR_RUNTIME_CLASS.handler, 'runsc');
  });

  it('set limits at or above requests', () => {
    const cpu = (q: string) => (q.endsWith('m') ? Number(q.slice(0, -1)) / 1000 : Number(q));
    const mem = (q: string) => Number(q.replace(/Mi$/, '')) * (q.endsWith('Gi') ? 1024 : 1) || Number(q.replace(/Gi$/, '')) * 1024;
    for (const d of specs) {
      assert.ok(cpu(d.resources.limits.cpu) >= cpu(d.resources.requests.cpu), `${d.name} cpu`);
      assert.ok(mem(d.resources.limits.memory) >= mem(d.resources.requests.memory), `${d.name} memory`);
    }
  });

  it('get every config key that has no default, from the Secret or the ConfigMap', () => {
    const required = Object.entries(ConfigSchema.shape)
      .filter(([, schema]) => !schema.safeParse(undefined).success)
      .map(([key]) => key);
    assert.ok(required.length > 0);
    const provided = new Set([...SECRET_ENV.filter((s) => !s.optional).map((s) => s.key), ...Object.keys(siteConfig())]);
    for (const key of required) assert.ok(provided.has(key), `${key} is required by lib/config.ts but no manifest sets it`);
    for (const { key } of SECRET_ENV) assert.ok(key in ConfigSchema.shape, `${key} is a config key`);
  });
});
