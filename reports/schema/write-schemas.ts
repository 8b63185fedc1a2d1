/** `npm run schemas`: (re)writes the generated JSON Schemas. */
import { writeFileSync } from 'node:fs';
import { absolutePath, generatedSchemas } from './json-schemas.js';

for (const file of generatedSchemas()) {
  writeFileSync(absolutePath(file), file.text);
  process.stdout.write(`wrote ${file.path}\n`);
}
