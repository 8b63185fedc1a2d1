/**
 * JSON Schemas generated from the zod schemas the code itself validates with: report.json's
 * (what rtcstorm writes) and the scenario YAML's (what users write, for editor completion).
 * `npm run schemas` writes them; a unit test fails when the committed files are stale.
 */
import { join } from 'node:path';
import { z } from 'zod';
import { packageRoot } from '../../core/paths.js';
import { scenarioSchema } from '../../core/scenario/schema.js';
import { reportSchema, reportSchemaVersion } from '../report-schema.js';

export interface GeneratedFile {
  /** Relative to the package root. */
  path: string;
  text: string;
}

type Override = NonNullable<Parameters<typeof z.toJSONSchema>[1]>['override'];

/**
 * Scenario fields whose default is computed on the loading machine: a committed schema must not
 * carry this machine's value.
 */
const machineDefaults: Record<string, string> = { workersPerNode: 'default: one per CPU core of the machine running rtcstorm' };

const scenarioOverride: Override = ({ zodSchema, jsonSchema, path }) => {
  const key = path.at(-1);
  if (typeof key === 'string' && key in machineDefaults && 'default' in jsonSchema) {
    delete jsonSchema.default;
    jsonSchema.description = machineDefaults[key];
  }
  // A preprocess step accepts input its inner schema does not describe: in the scenario, a
  // threshold given as a bare expression string instead of { threshold, abortOnFail }.
  const def = zodSchema._zod.def;
  if (def.type === 'pipe' && def.in._zod.def.type === 'transform') {
    const inner = { ...jsonSchema };
    for (const k of Object.keys(jsonSchema)) delete (jsonSchema as Record<string, unknown>)[k];
    jsonSchema.anyOf = [{ type: 'string' }, inner];
  }
};

function text(schema: object): string {
  return `${JSON.stringify(schema, null, 2)}\n`;
}

export function generatedSchemas(): GeneratedFile[] {
  const report = { $id: `https://rtcstorm.dev/schema/report-v${reportSchemaVersion}.json`, title: 'rtcstorm report.json', ...z.toJSONSchema(reportSchema, { io: 'output' }) };
  const scenario = { title: 'rtcstorm scenario', ...z.toJSONSchema(scenarioSchema, { io: 'input', unrepresentable: 'any', override: scenarioOverride }) };
  return [
    { path: join('reports', 'schema', 'report.schema.json'), text: text(report) },
    { path: join('scenarios', 'scenario.schema.json'), text: text(scenario) },
  ];
}

export function absolutePath(file: GeneratedFile): string {
  return join(packageRoot, file.path);
}
