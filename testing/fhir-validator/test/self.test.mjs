// Proves that the validators behind validate.mjs accept a valid Bundle and refuse broken ones, so
// that a passing test/validate.test.mjs means something. No environment, no network.
//
//   node --test test/self.test.mjs
//
// test/fixtures/valid-bundle.json is the reference for the shapes that pass: a `collection` with
// Patient, Organization, Practitioner, PractitionerRole, two DocumentReferences, Consent and
// AuditEvent, entries referring to each other by `urn:uuid:` fullUrls, and MedChain accounts and
// records by identifier only. Each broken variant below changes one thing in a copy of it.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { formatIssues, runValidator } from '../run-validator.mjs';

const FIXTURE = new URL('./fixtures/valid-bundle.json', import.meta.url);
const valid = JSON.parse(readFileSync(FIXTURE, 'utf8'));
const dir = mkdtempSync(join(tmpdir(), 'fhir-validator-self-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A copy of the valid Bundle after `change(bundle, resourceOfType)`. */
function variant(change) {
  const b = structuredClone(valid);
  const of = (type) => b.entry.find((e) => e.resource.resourceType === type).resource;
  change(b, of);
  return b;
}

let n = 0;
function validate(bundle, args = []) {
  const file = join(dir, `bundle-${++n}.json`);
  writeFileSync(file, JSON.stringify(bundle));
  const r = runValidator(file, args);
  assert.ok(r.report, `validate.mjs printed no report (exit ${r.status}).\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
  return { ...r, issues: formatIssues(r.report) };
}

/** The issues of `list` whose path is `path` and whose message matches `re`. */
const matching = (list, path, re) => list.filter((i) => i.path === path && re.test(i.message));

// Entry indexes in the fixture.
const DOC = 4; // DocumentReference (status superseded); 5 is the current one
const CONSENT = 6;
const AUDIT = 7;

describe('the valid fixture', () => {
  test('passes @medplum/core, fhir.schema.json and the Bundle rules with zero issues (exit 0)', () => {
    const r = validate(valid);
    assert.equal(r.status, 0, r.issues);
    assert.deepEqual(r.report, { ok: true, medplum: [], schema: [], bundle: [] }, r.issues);
  });

  test('has the entries the other tests rely on', () => {
    assert.deepEqual(
      valid.entry.map((e) => e.resource.resourceType),
      ['Patient', 'Organization', 'Practitioner', 'PractitionerRole', 'DocumentReference', 'DocumentReference', 'Consent', 'AuditEvent']
    );
  });
});

describe('broken variants are refused (exit 1)', () => {
  test('DocumentReference without content: both validators', () => {
    const r = validate(variant((_b, of) => delete of('DocumentReference').content));
    assert.equal(r.status, 1, r.issues);
    const path = `Bundle.entry[${DOC}].resource.content`;
    assert.equal(matching(r.report.medplum, path, /Missing required property/).length, 1, r.issues);
    assert.equal(matching(r.report.schema, path, /required property 'content'/).length, 1, r.issues);
  });

  test('Consent without scope and policyRule: cardinality (both) and ppc-1 (medplum)', () => {
    const r = validate(
      variant((_b, of) => {
        delete of('Consent').scope;
        delete of('Consent').policyRule;
      })
    );
    assert.equal(r.status, 1, r.issues);
    const at = `Bundle.entry[${CONSENT}].resource`;
    assert.equal(matching(r.report.medplum, `${at}.scope`, /Missing required property/).length, 1, r.issues);
    assert.equal(matching(r.report.medplum, at, /^Constraint ppc-1 not met/).length, 1, r.issues);
    assert.equal(matching(r.report.schema, `${at}.scope`, /required property 'scope'/).length, 1, r.issues);
  });

  test('Consent with scope but no policy/policyRule: ppc-1 alone', () => {
    const r = validate(variant((_b, of) => delete of('Consent').policyRule));
    assert.equal(r.status, 1, r.issues);
    assert.deepEqual(
      r.report.medplum.map((i) => [i.path, i.message.slice(0, 24)]),
      [[`Bundle.entry[${CONSENT}].resource`, 'Constraint ppc-1 not met']],
      r.issues
    );
  });

  test('DocumentReference status "final": a wrong code (fhir.schema.json; Medplum checks no codes)', () => {
    const r = validate(variant((_b, of) => (of('DocumentReference').status = 'final')));
    assert.equal(r.status, 1, r.issues);
    assert.equal(matching(r.report.schema, `Bundle.entry[${DOC}].resource.status`, /allowed values.*"current"/).length, 1, r.issues);
  });

  test('AuditEvent.recorded as a date, not an instant: both validators', () => {
    const r = validate(variant((_b, of) => (of('AuditEvent').recorded = '2025-01-15')));
    assert.equal(r.status, 1, r.issues);
    const path = `Bundle.entry[${AUDIT}].resource.recorded`;
    assert.equal(matching(r.report.medplum, path, /Invalid instant format/).length, 1, r.issues);
    assert.equal(matching(r.report.schema, path, /not a valid FHIR instant/).length, 1, r.issues);
  });

  test('AuditEvent agent without requestor (1..1): medplum', () => {
    const r = validate(variant((_b, of) => delete of('AuditEvent').agent[0].requestor));
    assert.equal(r.status, 1, r.issues);
    assert.equal(matching(r.report.medplum, `Bundle.entry[${AUDIT}].resource.agent[0].requestor`, /Missing required property/).length, 1, r.issues);
  });

  test('attachment.data without contentType: att-1', () => {
    const r = validate(variant((_b, of) => delete of('DocumentReference').content[0].attachment.contentType));
    assert.equal(r.status, 1, r.issues);
    assert.equal(matching(r.report.medplum, `Bundle.entry[${DOC}].resource.content[0].attachment`, /^Constraint att-1 not met/).length, 1, r.issues);
  });

  test('attachment.size as a string: both validators (R4 unsignedInt is a JSON number)', () => {
    const r = validate(variant((_b, of) => (of('DocumentReference').content[0].attachment.size = '37')));
    assert.equal(r.status, 1, r.issues);
    const path = `Bundle.entry[${DOC}].resource.content[0].attachment.size`;
    assert.equal(matching(r.report.medplum, path, /expected number/).length, 1, r.issues);
    assert.equal(matching(r.report.schema, path, /must be number/).length, 1, r.issues);
  });

  test('Consent.provision.period with end before start: per-1', () => {
    const r = validate(variant((_b, of) => (of('Consent').provision.period = { start: '2025-07-10T09:00:00Z', end: '2025-01-10T09:00:00Z' })));
    assert.equal(r.status, 1, r.issues);
    assert.equal(matching(r.report.medplum, `Bundle.entry[${CONSENT}].resource.provision.period`, /^Constraint per-1 not met/).length, 1, r.issues);
  });

  test('a urn:uuid: reference that no entry has as fullUrl: Bundle rules', () => {
    const r = validate(variant((_b, of) => (of('DocumentReference').subject.reference = 'urn:uuid:00000000-0000-4000-8000-000000000000')));
    assert.equal(r.status, 1, r.issues);
    assert.equal(matching(r.report.bundle, `Bundle.entry[${DOC}].resource.subject.reference`, /does not resolve/).length, 1, r.issues);
  });

  test('a urn:uuid: reference to an entry of a type the element does not allow: medplum', () => {
    const consentUrl = valid.entry[CONSENT].fullUrl;
    const r = validate(variant((_b, of) => (of('DocumentReference').subject.reference = consentUrl)));
    assert.equal(r.status, 1, r.issues);
    assert.equal(matching(r.report.medplum, `Bundle.entry[${DOC}].resource.subject`, /is a Consent; this element allows Patient/).length, 1, r.issues);
  });

  test('an upper-case urn:uuid: fullUrl: Bundle rules', () => {
    const r = validate(
      variant((b) => {
        const upper = b.entry[0].fullUrl.replace('urn:uuid:', '').toUpperCase();
        b.entry[0].fullUrl = `urn:uuid:${upper}`;
      })
    );
    assert.equal(r.status, 1, r.issues);
    assert.equal(matching(r.report.bundle, 'Bundle.entry[0].fullUrl', /lowercase/).length, 1, r.issues);
  });

  test('an Organization with neither name nor identifier: org-1 (which validateResource skips)', () => {
    const r = validate(
      variant((_b, of) => {
        delete of('Organization').name;
        delete of('Organization').identifier;
      })
    );
    assert.equal(r.status, 1, r.issues);
    assert.equal(matching(r.report.medplum, 'Bundle.entry[1].resource', /^Constraint org-1 not met/).length, 1, r.issues);
  });

  test('an unknown property: both validators', () => {
    const r = validate(variant((_b, of) => (of('Patient').accountId = 'x')));
    assert.equal(r.status, 1, r.issues);
    assert.equal(matching(r.report.medplum, 'Bundle.entry[0].resource.accountId', /Invalid additional property/).length, 1, r.issues);
    assert.equal(matching(r.report.schema, 'Bundle.entry[0].resource', /unknown property "accountId"/).length, 1, r.issues);
  });
});

describe('limits', () => {
  // 1,100,000 bytes of attachment: over @medplum/core's default 1 MiB base64Binary limit.
  const big = Buffer.alloc(1_100_000, 'a');
  const large = variant((_b, of) => {
    const a = of('DocumentReference').content[0].attachment;
    a.data = big.toString('base64');
    a.size = big.length;
  });

  test('an attachment over 1 MiB is refused by default', () => {
    const r = validate(large);
    assert.equal(r.status, 1, r.issues);
    assert.equal(matching(r.report.medplum, `Bundle.entry[${DOC}].resource.content[0].attachment.data`, /exceeds 1048576 bytes/).length, 1, r.issues);
  });

  test('and accepted with --base64-max-bytes', () => {
    const r = validate(large, ['--base64-max-bytes', String(4 * 1024 * 1024)]);
    assert.equal(r.status, 0, r.issues);
  });

  test('a file that is not JSON exits 2', () => {
    const file = join(dir, 'not-json.json');
    writeFileSync(file, '{ nope');
    const r = runValidator(file);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /is not JSON/);
  });
});
