import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { deploymentSpecs, MONITORING_NAMESPACE } from '../../domain/deployment.js';
import { differences, generatedFiles, k8sDir, triggerSite } from '../../scripts/k8s/files.js';
import { manifestFiles } from '../../scripts/k8s/manifests.js';
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
  const files = manifestFiles({ deployments: specs, imageTag: '1.2.3', config: { TEMPORAL_ADDRESS: 't:7233', LOG_LEVEL: 'info' }, site: triggerSite() });

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

  it('give each deployment its image, probes, and secrets by reference only', () => {
    for (const d of specs) {
      const text = files.get(`base/${d.name}.yaml`)!;
      assert.match(text, /image: "golden-architecture:1.2.3"/);
      assert.match(text, new RegExp(`livenessProbe:\\n          httpGet:\\n            path: ${d.livenessPath}\\n            port: ${d.port.name}`));
      assert.match(text, new RegExp(`readinessProbe:\\n          httpGet:\\n            path: ${d.readinessPath}`));
      assert.match(text, /secretKeyRef:\n {14}name: golden-secrets\n {14}key: DATABASE_URL/);
      assert.equal(text.includes('runtimeClassName: gvisor'), d.component === 'sandbox', d.name);
    }
    assert.match(files.get('base/runtimeclass-gvisor.yaml')!, /kind: RuntimeClass\nmetadata:\n {2}name: gvisor\nhandler: runsc\n/);
  });

  it('limit voluntary disruptions to one pod per deployment, and let prometheus-operator scrape each one', () => {
    const monitors = files.get('base/servicemonitors.yaml')!.split('---\n');
    for (const d of specs) {
      const text = files.get(`base/${d.name}.yaml`)!;
      assert.match(text, new RegExp(`kind: PodDisruptionBudget\\nmetadata:\\n {2}name: ${d.name}\\n[^]*maxUnavailable: 1\\n`));
      const monitor = monitors.find((m) => m.includes(`kind: ServiceMonitor\nmetadata:\n  name: ${d.name}\n`));
      assert.ok(monitor, `${d.name} has a ServiceMonitor`);
      assert.match(monitor, new RegExp(`- port: ${d.port.name}\\n {4}path: ${d.metricsPath}\\n`));
      assert.match(monitor, new RegExp(`app.kubernetes.io/component: ${d.component}\\n`));
    }
    assert.equal(monitors.length, specs.length);
  });

  it('deny ingress by default, open the API port, and let only the monitoring namespace reach a worker', () => {
    const policies = files.get('base/networkpolicies.yaml')!.split('---\n');
    assert.match(policies[0]!, /name: default-deny-ingress\n[^]*podSelector: \{\}\n {2}policyTypes:\n {2}- Ingress\n/);
    for (const d of specs) {
      const policy = policies.find((p) => p.includes(`kind: NetworkPolicy\nmetadata:\n  name: ${d.name}\n`));
      assert.ok(policy, `${d.name} has a NetworkPolicy`);
      assert.match(policy, new RegExp(`ports:\\n {4}- port: ${d.port.name}\\n`));
      assert.equal(policy.includes(`kubernetes.io/metadata.name: ${MONITORING_NAMESPACE}`), d.queue !== undefined, d.name);
    }
  });

  it('list every base file in the base kustomization, and build each overlay on the base', () => {
    const base = [...files.keys()].filter((p) => p.startsWith('base/') && p !== 'base/kustomization.yaml');
    assert.ok(base.includes('base/hpa-configs.yaml') && base.includes('base/servicemonitors.yaml') && base.includes('base/prometheus-rules.yaml'));
    for (const path of base) assert.match(files.get('base/kustomization.yaml')!, new RegExp(`- ${path.slice('base/'.length).replace('.', '\\.')}\\n`), `lists ${path}`);
    for (const overlay of ['dev', 'prod']) assert.match(files.get(`overlays/${overlay}/kustomization.yaml`)!, /resources:\n- "\.\.\/\.\.\/base"\n/);
  });

  it("keep the seed's k8s/hpa-configs.yaml: the base's autoscalers, applicable on their own", () => {
    const body = (text: string) => text.replace(/^(#.*\n)+/, '');
    assert.equal(body(files.get('hpa-configs.yaml')!), body(files.get('base/hpa-configs.yaml')!));
  });

  it('ship the rules as a PrometheusRule and as a plain rule file, the same groups in both', () => {
    const crd = files.get('base/prometheus-rules.yaml')!;
    const plain = files.get('prometheus/golden.rules.yml')!;
    assert.match(crd, /kind: PrometheusRule/);
    const groupsOf = (text: string, indent: string) => text.slice(text.indexOf(`${indent}groups:`)).split('\n').slice(1).map((l) => l.slice(indent.length)).join('\n');
    assert.equal(groupsOf(crd, '  '), groupsOf(plain, ''));
  });
});
