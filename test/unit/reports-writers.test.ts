import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { writeOutputs, type OutputWriter } from '../../reports/write-outputs.js';
import { writeReport } from '../../reports/write-report.js';
import { tempDir } from '../helpers/cli.js';
import { seededReport } from '../helpers/seeded-report.js';

describe('output writers', () => {
  it('a throwing writer is reported and the others still write', () => {
    const dir = tempDir('writers');
    const warnings: string[] = [];
    const writers: OutputWriter<string>[] = [
      { file: 'first.txt', render: (s) => `first ${s}` },
      {
        file: 'broken.txt',
        render: () => {
          throw new Error('renderer bug');
        },
      },
      { file: 'last.txt', render: (s) => `last ${s}` },
    ];
    const outcome = writeOutputs(dir, 'run', writers, (m) => warnings.push(m));
    assert.deepEqual(outcome.files, [join(dir, 'first.txt'), join(dir, 'last.txt')]);
    assert.deepEqual(outcome.failures, ['broken.txt not written: renderer bug']);
    assert.deepEqual(warnings, outcome.failures);
    assert.equal(readFileSync(join(dir, 'last.txt'), 'utf8'), 'last run');
    assert.equal(existsSync(join(dir, 'broken.txt')), false);
  });

  it('a run writes report.json first, then summary.md, junit.xml and report.html next to it', () => {
    const dir = tempDir('report-files');
    const files = writeReport(dir, seededReport({ seed: 1, seconds: 3 }));
    assert.deepEqual(files, ['report.json', 'summary.md', 'junit.xml', 'report.html'].map((f) => join(dir, f)));
    assert.deepEqual(readdirSync(dir).sort(), ['junit.xml', 'report.html', 'report.json', 'summary.md']);
  });
});
