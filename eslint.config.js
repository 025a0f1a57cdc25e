import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.data/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { prefer: 'type-imports', fixStyle: 'inline-type-imports' }],
      'no-console': 'off',
    },
  },
  {
    // Agents reach an LLM only through activities/agent-call.ts, which holds and charges the
    // budget and puts every answer through the security layer; providers may be typed, not called.
    files: ['activities/**/*.ts', 'api/**/*.ts', 'workers/**/*.ts', 'cli/**/*.ts'],
    ignores: ['activities/agent-call.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        patterns: [{
          group: ['**/lib/llm/*-provider.js', '**/lib/llm/provider.js'],
          allowTypeImports: true,
          message: 'agents call an LLM only through activities/agent-call.ts (budget + security layer)',
        }],
      }],
      'no-restricted-syntax': ['error', {
        selector: "CallExpression[callee.property.name='complete'][callee.object.name=/^(llm|provider)$/], CallExpression[callee.property.name='complete'][callee.object.property.name=/^(llm|provider)$/]",
        message: 'agents call an LLM only through activities/agent-call.ts (budget + security layer)',
      }],
    },
  },
  {
    // Workflow code is replayed: wall-clock time, randomness and I/O would break determinism.
    files: ['workflows/**/*.ts', 'domain/**/*.ts'],
    rules: {
      // Types of activities may be imported (proxyActivities needs them); their code may not.
      '@typescript-eslint/no-restricted-imports': ['error', {
        patterns: [{ group: ['node:*', 'fs', 'path', 'child_process', 'pg', 'ioredis', 'dockerode', '**/lib/*', '**/activities/*'], allowTypeImports: true }],
      }],
      'no-restricted-properties': ['error',
        { object: 'Date', property: 'now', message: 'use the workflow clock (Date in workflows is deterministic) or pass time in' },
        { object: 'Math', property: 'random', message: 'not deterministic: derive values from inputs' }],
    },
  },
);
