import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { ESLint } from 'eslint';
import { projectRoot } from '../../lib/paths.js';

const root = projectRoot();
// Where calling a provider is the job: the providers themselves and the one agent call path.
const ALLOWED = [/^lib\/llm\//, /^activities\/agent-call\.ts$/];
const SCANNED = ['activities', 'api', 'workers', 'cli', 'workflows', 'domain', 'lib'];

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

describe('agents cannot bypass the LLM security layer', () => {
  it('no product code outside lib/llm and activities/agent-call.ts calls a provider’s complete()', () => {
    const offenders: string[] = [];
    for (const dir of SCANNED) {
      for (const file of sources(join(root, dir))) {
        const rel = relative(root, file);
        if (ALLOWED.some((re) => re.test(rel))) continue;
        const text = readFileSync(file, 'utf8');
        for (const [i, line] of text.split('\n').entries()) {
          if (/\.complete\s*\(/.test(line)) offenders.push(`${rel}:${i + 1}: ${line.trim()}`);
        }
      }
    }
    assert.deepEqual(offenders, [], 'call agents through activities/agent-call.ts');
  });

  it('the lint rule refuses a direct provider call or import in an activity', async () => {
    const eslint = new ESLint({ cwd: root });
    const bypass = [
      "import { ScriptedProvider } from '../lib/llm/scripted-provider.js';",
      'export async function sneaky(deps: { llm: { complete(r: unknown): Promise<unknown> } }) {',
      '  await new ScriptedProvider().complete({} as never);',
      '  return deps.llm.complete({});',
      '}',
      '',
    ].join('\n');
    const [result] = await eslint.lintText(bypass, { filePath: join(root, 'activities/sneaky-agent.ts') });
    const rules = (result?.messages ?? []).map((m) => m.ruleId);
    assert.ok(rules.includes('@typescript-eslint/no-restricted-imports'), `rules: ${rules.join(', ')}`);
    assert.ok(rules.includes('no-restricted-syntax'), `rules: ${rules.join(', ')}`);
  });
});
