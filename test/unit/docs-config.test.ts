import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigSchema } from '../../lib/config.js';
import { projectRoot } from '../../lib/paths.js';

describe('README configuration table', () => {
  it('documents every variable the config schema reads', () => {
    const readme = readFileSync(join(projectRoot(), 'README.md'), 'utf8');
    const missing = Object.keys(ConfigSchema.shape).filter((key) => !readme.includes(`\`${key}\``));
    assert.deepEqual(missing, [], `README.md does not document: ${missing.join(', ')}`);
  });
});
