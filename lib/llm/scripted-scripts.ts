import type { DeveloperSolution } from '../../domain/schemas/solution.js';
import type { TaskLanguage } from '../../domain/schemas/task.js';

/**
 * Canned developer answers of the scripted stand-in. A few well-known exercises
 * get a working solution with tests, so the whole pipeline (sandbox, guards,
 * review) has something real to run offline; anything else gets a clearly
 * labelled skeleton that its own tests describe.
 */

/** How every answer of the stand-in names its author, so none is mistaken for a real model's. */
export const SCRIPTED_LABEL = 'scripted LLM stand-in (offline, deterministic; not a real model)';
const LABEL = SCRIPTED_LABEL;

interface Script {
  matches: RegExp;
  python: DeveloperSolution;
  javascript: DeveloperSolution;
}

const SCRIPTS: Script[] = [
  {
    matches: /fizz\s*buzz/i,
    python: {
      summary: `FizzBuzz in Python with unit tests — ${LABEL}`,
      files: [
        {
          path: 'fizzbuzz.py',
          content: [
            `"""FizzBuzz. Written by the ${LABEL}."""`,
            '',
            '',
            'def fizzbuzz(n: int) -> str:',
            '    if n % 15 == 0:',
            '        return "FizzBuzz"',
            '    if n % 3 == 0:',
            '        return "Fizz"',
            '    if n % 5 == 0:',
            '        return "Buzz"',
            '    return str(n)',
            '',
          ].join('\n'),
        },
      ],
      tests: [
        {
          path: 'test_fizzbuzz.py',
          content: [
            'import unittest',
            '',
            'from fizzbuzz import fizzbuzz',
            '',
            '',
            'class FizzBuzzTest(unittest.TestCase):',
            '    def test_numbers(self):',
            '        self.assertEqual([fizzbuzz(i) for i in (1, 3, 5, 15, 16)], ["1", "Fizz", "Buzz", "FizzBuzz", "16"])',
            '',
            '',
            'if __name__ == "__main__":',
            '    unittest.main()',
            '',
          ].join('\n'),
        },
      ],
    },
    javascript: {
      summary: `FizzBuzz in JavaScript with unit tests — ${LABEL}`,
      files: [
        {
          path: 'fizzbuzz.mjs',
          content: [
            `// FizzBuzz. Written by the ${LABEL}.`,
            'export function fizzbuzz(n) {',
            "  if (n % 15 === 0) return 'FizzBuzz';",
            "  if (n % 3 === 0) return 'Fizz';",
            "  if (n % 5 === 0) return 'Buzz';",
            '  return String(n);',
            '}',
            '',
          ].join('\n'),
        },
      ],
      tests: [
        {
          path: 'fizzbuzz.test.mjs',
          content: [
            "import { test } from 'node:test';",
            "import assert from 'node:assert/strict';",
            "import { fizzbuzz } from './fizzbuzz.mjs';",
            '',
            "test('fizzbuzz', () => {",
            "  assert.deepEqual([1, 3, 5, 15, 16].map(fizzbuzz), ['1', 'Fizz', 'Buzz', 'FizzBuzz', '16']);",
            '});',
            '',
          ].join('\n'),
        },
      ],
    },
  },
];

function skeleton(title: string, language: TaskLanguage): DeveloperSolution {
  const note = `${title.replace(/[^\w .,-]/g, '')} — skeleton written by the ${LABEL}`;
  if (language === 'python') {
    return {
      summary: `Skeleton for "${title}" — ${LABEL}; a real provider writes the implementation`,
      files: [{ path: 'solution.py', content: `"""${note}."""\n\n\ndef describe() -> str:\n    return ${JSON.stringify(note)}\n` }],
      tests: [
        {
          path: 'test_solution.py',
          content: `import unittest\n\nfrom solution import describe\n\n\nclass SolutionTest(unittest.TestCase):\n    def test_describe(self):\n        self.assertIn("skeleton", describe())\n\n\nif __name__ == "__main__":\n    unittest.main()\n`,
        },
      ],
    };
  }
  return {
    summary: `Skeleton for "${title}" — ${LABEL}; a real provider writes the implementation`,
    files: [{ path: 'solution.mjs', content: `// ${note}.\nexport function describe() {\n  return ${JSON.stringify(note)};\n}\n` }],
    tests: [
      {
        path: 'solution.test.mjs',
        content: `import { test } from 'node:test';\nimport assert from 'node:assert/strict';\nimport { describe as d } from './solution.mjs';\n\ntest('describe', () => assert.match(d(), /skeleton/));\n`,
      },
    ],
  };
}

export function scriptedDeveloperSolution(title: string, description: string, language: TaskLanguage): DeveloperSolution {
  const script = SCRIPTS.find((s) => s.matches.test(title) || s.matches.test(description));
  return script ? script[language] : skeleton(title, language);
}
