import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { packageRoot } from '../../core/paths.js';
import { loadScenario } from '../../core/scenario/index.js';

describe('shipped scenarios', () => {
  const dir = join(packageRoot, 'scenarios');
  const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));
  it('are all there', () => assert.ok(files.length >= 6, files.join(', ')));
  for (const file of files) {
    it(`${file} validates and is named after its file`, () => {
      assert.equal(loadScenario(join(dir, file)).name, file.replace(/\.yaml$/, ''));
    });
  }
});
