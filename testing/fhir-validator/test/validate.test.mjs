// Validates the Bundle named by $BUNDLE (a FHIR R4 JSON file) with @medplum/core, HL7's
// fhir.schema.json (ajv) and the Bundle reference rules of validate.mjs, and asserts that none of
// them reports anything. BUNDLE is required: without it this test FAILS (it is never skipped).
//
//   BUNDLE=/path/bundle.json node --test test/validate.test.mjs
//   FHIR_BASE64_MAX_BYTES=N raises @medplum/core's 1 MiB limit on base64Binary (attachment.data)
//
// Prints `FHIR_VALIDATION {report json}` (node --test shows it as `# FHIR_VALIDATION ...` when
// stdout is not a terminal) and, on failure, one line per issue.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { formatIssues, runValidator } from '../run-validator.mjs';

test('$BUNDLE passes @medplum/core validateResource, fhir.schema.json and the Bundle rules', () => {
  const bundle = process.env.BUNDLE;
  assert.ok(bundle, 'BUNDLE is not set: run as BUNDLE=/path/to/bundle.json node --test test/validate.test.mjs');
  const file = resolve(bundle);
  assert.ok(existsSync(file), `BUNDLE=${bundle}: no such file (${file})`);

  const { status, report, stdout, stderr } = runValidator(file);
  assert.ok(report, `validate.mjs printed no report (exit ${status}).\nstdout:\n${stdout}\nstderr:\n${stderr}`);
  console.log(`FHIR_VALIDATION ${JSON.stringify(report)}`);
  const issues = formatIssues(report);
  if (status !== 0) console.log(`FHIR validation issues in ${file}:\n${issues}`);
  assert.deepEqual(report.medplum, [], `@medplum/core found issues:\n${issues}`);
  assert.deepEqual(report.schema, [], `fhir.schema.json (ajv) found issues:\n${issues}`);
  assert.deepEqual(report.bundle, [], `Bundle reference rules found issues:\n${issues}`);
  assert.equal(status, 0, `validate.mjs exited ${status}\nstderr:\n${stderr}\n${issues}`);
});
