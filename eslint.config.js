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
