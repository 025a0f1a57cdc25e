import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { deploymentSpecs } from '../../domain/deployment.js';
import { METRICS } from '../../domain/metric-names.js';
import { WORKER_SCALING } from '../../domain/scaling.js';
import { TASK_QUEUES } from '../../domain/task-queues.js';
import { differences, generatedFiles, k8sDir } from '../../scripts/k8s/files.js';
import { manifestFiles, prometheusAdapterRules } from '../../scripts/k8s/manifests.js';
import { toYaml, toYamlDocuments } from '../../scripts/k8s/yaml.js';

describe('YAML emitter', () => {
  it('writes block mappings and sequences', () => {
    assert.equal(
      toYaml({ a: 1, b: { c: [1, { d: 'x', e: [] }], f: {} }, g: [['z']] }),
      ['a: 1', 'b:', '  c:', '  - 1', '  - d: x', '    e: []', '  f: {}', 'g:', '- - z', ''].join('\n'),
    );
  });

  it('quotes strings YAML would read as something else', () => {
    assert.equal(
      toYaml({ yes: 'no', on: 'true', n: 'null', num: '10', cpu: '500m', sel: 'a: b', hash: '#x', empty: '', plain: 'app.kubernetes.io/name' }),
      [
        '"yes": "no"',
        '"on": "true"',
        '"n": "null"',
        'num: "10"',
        'cpu: "500m"',
        'sel: "a: b"',
        'hash: "#x"',
        'empty: ""',
        'plain: app.kubernetes.io/name',
        '',
      ].join('\n'),
    );
  });

  it('escapes quotes and newlines in quoted strings, and keeps multi-line text as a literal block', () => {
    assert.equal(toYaml({ expr: 'a{b="c"}' }), 'expr: "a{b=\\"c\\"}"\n');
    assert.equal(toYaml({ text: 'line 1\n  line 2\n' }), 'text: |\n  line 1\n    line 2\n');
    assert.equal(toYaml({ text: 'no final newline\nx' }), 'text: "no final newline\\nx"\n');
  });

  it('leaves out undefined fields, refuses values YAML cannot hold', () => {
    assert.equal(toYaml({ a: undefined, b: 1 }), 'b: 1\n');
    assert.throws(() => toYaml({ a: Number.POSITIVE_INFINITY }), /YAML cannot hold Infinity/);
    assert.throws(() => toYaml({}), /non-empty mapping or sequence/);
  });

  it('joins documents with --- under a comment header', () => {
    assert.equal(toYamlDocuments([{ a: 1 }, { b: 2 }], 'two\nlines'), '# two\n# lines\na: 1\n---\nb: 2\n');
  });
});

describe('generated manifests', () => {
  const specs = deploymentSpecs({ apiPort: 8080, workerMetricsPort: 9464, workerShutdownGraceSeconds: 30 });
  const files = manifestFiles({ deployments: specs, imageTag: '1.2.3', config: { TEMPORAL_ADDRESS: 't:7233' } });

  it('k8s/ is what the generator writes (npm run k8s:generate)', () => {
    assert.deepEqual(differences(k8sDir(), generatedFiles()), []);
  });

  it('the check names changed, missing and stray files, in nested folders too', () => {
    const dir = mkdtempSync(join(tmpdir(), 'golden-k8s-'));
    try {
      mkdirSync(join(dir, 'sub'));
      writeFileSync(join(dir, 'same.yaml'), 'a: 1\n');
      writeFileSync(join(dir, 'sub', 'changed.yaml'), 'b: 1\n');
      writeFileSync(join(dir, 'sub', 'stray.yaml'), 'c: 1\n');
      const wanted = new Map([
        ['same.yaml', 'a: 1\n'],
        ['sub/changed.yaml', 'b: 2\n'],
        ['missing.yaml', 'd: 1\n'],
      ]);
      assert.deepEqual(differences(dir, wanted), ['missing.yaml (missing)', 'sub/changed.yaml (differs)', 'sub/stray.yaml (not generated)']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("include the seed's k8s/hpa-configs.yaml with one autoscaler per deployment", () => {
    const hpas = files.get('hpa-configs.yaml')!;
    assert.equal(hpas.match(/^kind: HorizontalPodAutoscaler$/gm)?.length, specs.length);
    for (const queue of TASK_QUEUES) {
      const policy = WORKER_SCALING[queue];
      const block = hpas.split('---\n').find((d) => d.includes(`  name: worker-${queue}\n`))!;
      assert.match(block, new RegExp(`minReplicas: ${policy.minReplicas}\\n  maxReplicas: ${policy.maxReplicas}\\n`));
      assert.match(block, new RegExp(`name: ${METRICS.taskQueueBacklog}\\n        selector:\\n          matchLabels:\\n            taskqueue: ${queue}\\n`));
      const backlog = policy.signals.find((s) => s.kind === 'backlog')!;
      assert.match(block, new RegExp(`averageValue: "${backlog.perReplica}"`));
    }
  });

  it("carry every number of each deployment's scaling policy into its autoscaler", () => {
    const blocks = files.get('hpa-configs.yaml')!.split('---\n');
    for (const d of specs) {
      const block = blocks.find((b) => b.includes(`  name: ${d.name}\n  namespace:`))!;
      const p = d.scaling;
      for (const signal of p.signals) {
        const target =
          signal.kind === 'cpu'
            ? `averageUtilization: ${signal.utilizationPercent}`
            : signal.kind === 'value'
              ? `name: ${signal.metric}\n      target:\n        type: Value\n        value: "${signal.target}"`
              : signal.kind === 'average'
                ? `name: ${signal.metric}\n      target:\n        type: AverageValue\n        averageValue: "${signal.perReplica}"`
                : `type: AverageValue\n        averageValue: "${signal.perReplica}"`;
        assert.ok(block.includes(target), `${d.name}: ${target}`);
      }
      assert.equal(block.match(/^ {2}- type: /gm)?.length, p.signals.length, `${d.name}: one metric per signal`);
      const up = `scaleUp:\n      stabilizationWindowSeconds: ${p.scaleUp.cooldownSeconds}\n      selectPolicy: Max\n      policies:\n      - type: Pods\n        value: ${p.scaleUp.maxPods}\n        periodSeconds: ${p.scaleUp.periodSeconds}\n      - type: Percent\n        value: ${p.scaleUp.maxPercent}\n`;
      const down = `scaleDown:\n      stabilizationWindowSeconds: ${p.scaleDown.cooldownSeconds}\n      policies:\n      - type: Pods\n        value: ${p.scaleDown.maxPods}\n        periodSeconds: ${p.scaleDown.periodSeconds}\n`;
      assert.ok(block.includes(up), `${d.name} scale-up behaviour`);
      assert.ok(block.includes(down), `${d.name} scale-down behaviour`);
      assert.match(files.get(`${d.name}.yaml`)!, new RegExp(`\n {2}replicas: ${p.minReplicas}\n`), `${d.name} starts at its minimum`);
    }
  });

  it('give each deployment its image, probes, and secrets by reference only', () => {
    for (const d of specs) {
      const text = files.get(`${d.name}.yaml`)!;
      assert.match(text, /image: "golden-architecture:1.2.3"/);
      assert.match(text, new RegExp(`livenessProbe:\\n          httpGet:\\n            path: ${d.livenessPath}\\n            port: ${d.port.name}`));
      assert.match(text, new RegExp(`readinessProbe:\\n          httpGet:\\n            path: ${d.readinessPath}`));
      assert.match(text, /secretKeyRef:\n {14}name: golden-secrets\n {14}key: DATABASE_URL/);
      assert.equal(text.includes('runtimeClassName: gvisor'), d.component === 'sandbox', d.name);
    }
    assert.match(files.get('runtimeclass-gvisor.yaml')!, /kind: RuntimeClass\nmetadata:\n {2}name: gvisor\nhandler: runsc\n/);
  });

  it('limit voluntary disruptions to one pod per deployment, and let prometheus-operator scrape each port', () => {
    for (const d of specs) {
      const text = files.get(`${d.name}.yaml`)!;
      assert.match(text, new RegExp(`kind: PodDisruptionBudget\\nmetadata:\\n {2}name: ${d.name}\\n[^]*maxUnavailable: 1\\n`));
    }
    const monitor = files.get('servicemonitor.yaml')!;
    assert.match(monitor, /kind: ServiceMonitor/);
    for (const port of ['http', 'metrics']) assert.match(monitor, new RegExp(`- port: ${port}\\n {4}path: /metrics\\n`));
    for (const path of ['servicemonitor.yaml', 'hpa-configs.yaml', 'prometheus-rules.yaml', ...specs.map((d) => `${d.name}.yaml`)]) {
      assert.match(files.get('kustomization.yaml')!, new RegExp(`- ${path.replace('.', '\\.')}\\n`), `kustomization lists ${path}`);
    }
  });

  it('serve every external metric an autoscaler names through prometheus-adapter', () => {
    const adapter = toYaml(prometheusAdapterRules(specs));
    const hpas = files.get('hpa-configs.yaml')!;
    const named = [...hpas.matchAll(/^ {6}metric:\n {8}name: (\S+)$/gm)].map((m) => m[1]!);
    assert.ok(named.length >= TASK_QUEUES.length);
    for (const name of new Set(named)) assert.match(adapter, new RegExp(`seriesQuery: ${name}\\n`));
  });

  it('ship the rules as a PrometheusRule and as a plain rule file, the same groups in both', () => {
    const crd = files.get('prometheus-rules.yaml')!;
    const plain = files.get('prometheus/golden.rules.yml')!;
    assert.match(crd, /kind: PrometheusRule/);
    const groupsOf = (text: string, indent: string) => text.slice(text.indexOf(`${indent}groups:`)).split('\n').slice(1).map((l) => l.slice(indent.length)).join('\n');
    assert.equal(groupsOf(crd, '  '), groupsOf(plain, ''));
  });
});
