import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parse as parseYaml } from 'yaml';
import { packageRoot } from '../../core/paths.js';
import { absolutePath, generatedSchemas } from '../../reports/schema/json-schemas.js';
import { seededReport } from '../helpers/seeded-report.js';

function committed(path: string): object {
  return JSON.parse(readFileSync(join(packageRoot, path), 'utf8')) as object;
}

function validator(path: string) {
  // Formats (date-time) are not checked by plain Ajv; the shapes are what this test is about.
  return new Ajv2020({ strict: false, validateFormats: false }).compile(committed(path));
}

describe('JSON Schemas', () => {
  it('the committed schemas are what the zod schemas generate now (run `npm run schemas` after changing them)', () => {
    for (const file of generatedSchemas()) assert.equal(readFileSync(absolutePath(file), 'utf8'), file.text, `${file.path} is stale`);
  });

  it("report.schema.json accepts a report that buildReport wrote and rejects one missing a field", () => {
    const validate = validator('reports/schema/report.schema.json');
    const report = JSON.parse(JSON.stringify(seededReport({ seed: 1, seconds: 3 }))) as Record<string, unknown>;
    assert.equal(validate(report), true, JSON.stringify(validate.errors));
    delete report.timeline;
    assert.equal(validate(report), false);
  });

  it('scenario.schema.json accepts the shipped quickstart (thresholds as plain strings) and rejects a bad ptime', () => {
    const validate = validator('scenarios/scenario.schema.json');
    const quickstart = parseYaml(readFileSync(join(packageRoot, 'scenarios/quickstart.yaml'), 'utf8')) as { fleet: Array<Record<string, unknown>> };
    assert.equal(validate(quickstart), true, JSON.stringify(validate.errors));
    quickstart.fleet[0]!.audio = { ptimeMs: 25 };
    assert.equal(validate(quickstart), false);
  });
});
