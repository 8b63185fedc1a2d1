import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { readReport, ReportReadError } from '../../reports/read-report.js';
import { reportSchemaVersion } from '../../reports/report-types.js';
import { writeReport } from '../../reports/write-report.js';
import { runCli, tempDir } from '../helpers/cli.js';
import { seededReport } from '../helpers/seeded-report.js';

function savedRun(edit: (json: Record<string, unknown>) => void = () => undefined): string {
  const dir = tempDir('read');
  writeReport(dir, seededReport({ seed: 1, seconds: 3 }));
  const json = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as Record<string, unknown>;
  edit(json);
  writeFileSync(join(dir, 'report.json'), JSON.stringify(json));
  return dir;
}

describe('reading report.json', () => {
  it('reads back what a run wrote, from the folder or the file', () => {
    const dir = savedRun();
    const report = readReport(dir);
    assert.equal(report.schemaVersion, reportSchemaVersion);
    assert.deepEqual(readReport(join(dir, 'report.json')), report);
  });

  it('refuses another schemaVersion with a message naming both versions and what to do', () => {
    const dir = savedRun((json) => (json.schemaVersion = reportSchemaVersion - 1));
    assert.throws(
      () => readReport(dir),
      (error: Error) =>
        error instanceof ReportReadError &&
        error.message.includes(`has schemaVersion ${reportSchemaVersion - 1} (written by rtcstorm `) &&
        error.message.includes(`reads schemaVersion ${reportSchemaVersion} only`) &&
        error.message.includes('run the scenario again'),
    );
    const newer = savedRun((json) => (json.schemaVersion = reportSchemaVersion + 1));
    assert.throws(() => readReport(newer), /upgrade rtcstorm to read it/);
  });

  it('names the fields of a report that does not match its schema', () => {
    const dir = savedRun((json) => delete (json.packets as Record<string, unknown>).received);
    assert.throws(() => readReport(dir), /report\.json is not a valid report: packets\.received: /);
    const notReport = savedRun((json) => delete json.schemaVersion);
    assert.throws(() => readReport(notReport), /is not an rtcstorm report \(no schemaVersion\)/);
  });

  it('rtcstorm report exits 1 on an incompatible report and rebuilds the files of a good one', async () => {
    const old = await runCli(['report', savedRun((json) => (json.schemaVersion = 1))]);
    assert.equal(old.code, 1);
    assert.match(old.stderr, /schemaVersion 1 .*this rtcstorm reads schemaVersion/);

    const dir = savedRun();
    writeFileSync(join(dir, 'junit.xml'), 'stale');
    const ok = await runCli(['report', join(dir, 'report.json')]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(readFileSync(join(dir, 'junit.xml'), 'utf8'), /^<\?xml/);
    assert.match(readFileSync(join(dir, 'report.html'), 'utf8'), /<div id="verdict"/);
  });
});
