// Resolves a SMART Health Link the way an independent receiver would, and checks what comes back.
// Run: node --test test/receive.test.mjs   (from testing/shl-receiver; Node >= 20.12, no flags)
//
// Environment:
//   SHLINK             required. The link: `shlink:/<payload>` or `<viewer url>#shlink:/<payload>`.
//   RECIPIENT          required. Sent as `recipient` in the manifest request.
//   PASSCODE           optional. Sent as `passcode` (required when the link's flag has P).
//   MODE               optional. `viewer` (default): the npm library kill-the-clipboard (SHLViewer)
//                      does the manifest POST, file fetches and decryption.
//                      `jose`: this file does it itself with fetch + jose compactDecrypt, checking
//                      the spec's SHALLs on the way (content types, alg/enc/cty, embeddedLengthMax).
//   MANUAL             optional. `1` with MODE=viewer: after the viewer, ALSO resolve with fetch + jose
//                      and require the same result. That opens the link twice, so never use it with
//                      a single-use link. (MODE=jose never runs the viewer; each mode alone makes
//                      exactly one manifest request.)
//   EMBEDDED_LENGTH_MAX optional integer. Sent as `embeddedLengthMax` (both modes); MODE=jose asserts
//                      no embedded JWE is longer. `0` forces the server to use `location` files.
//   EXPECT_SHA256      optional. Hex SHA-256 of an original file: one DocumentReference attachment's
//                      base64 `data` in the resolved Bundle(s) must decode to bytes with this hash.
//   OUT                optional. Path where the resolved Bundle is written as JSON (the first Bundle
//                      when the manifest has several files).
//   FETCH_TIMEOUT_MS   optional. Per-request timeout, default 30000.
// Prints one line `SHL_RESULT {...}` (TAP shows it as `# SHL_RESULT {...}`) summarising the result.
// A missing required variable FAILS the test with a message naming it; nothing is skipped.
import assert from 'node:assert/strict'
import test from 'node:test'
import { SHLViewer } from 'kill-the-clipboard'
import {
  FETCH_TIMEOUT_MS, assertAttachmentSha256, optionalEnv, report, requireEnv, resolveWithJose, writeJson,
} from './lib/shl.mjs'

function params () {
  const link = requireEnv('SHLINK', 'the shlink:/ link to resolve')
  const recipient = requireEnv('RECIPIENT', 'recipient sent in the manifest request')
  const passcode = optionalEnv('PASSCODE')
  const mode = optionalEnv('MODE') ?? 'viewer'
  assert.ok(['viewer', 'jose'].includes(mode), `MODE must be "viewer" or "jose", got "${mode}"`)
  const manual = optionalEnv('MANUAL') === '1'
  const elm = optionalEnv('EMBEDDED_LENGTH_MAX')
  let embeddedLengthMax
  if (elm !== undefined) {
    assert.match(elm, /^\d+$/, 'EMBEDDED_LENGTH_MAX must be a non-negative integer')
    embeddedLengthMax = Number(elm)
  }
  return {
    link, recipient, passcode, mode, manual, embeddedLengthMax,
    expectSha256: optionalEnv('EXPECT_SHA256'),
    out: optionalEnv('OUT'),
  }
}

function bundlesOf (resources) {
  const bundles = resources.filter((r) => r?.resourceType === 'Bundle')
  assert.ok(bundles.length > 0,
    `no FHIR Bundle resolved; resourceTypes: ${JSON.stringify(resources.map((r) => r?.resourceType))}`)
  return bundles
}

// Every request the viewer library makes is recorded here (method, URL, JSON body).
function recordingFetch (log) {
  return async (url, init = {}) => {
    const entry = { method: init.method ?? 'GET', url: String(url) }
    if (typeof init.body === 'string') {
      try { entry.body = JSON.parse(init.body) } catch { entry.body = init.body }
      if (entry.body?.passcode) entry.body = { ...entry.body, passcode: '<set>' }
    }
    const res = await fetch(url, { ...init, signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) })
    entry.status = res.status
    log.push(entry)
    return res
  }
}

async function resolveWithViewer (p) {
  const requests = []
  const viewer = new SHLViewer({ shlinkURI: p.link, fetch: recordingFetch(requests) })
  const resolveParams = { recipient: p.recipient }
  if (p.passcode) resolveParams.passcode = p.passcode
  if (p.embeddedLengthMax !== undefined) resolveParams.embeddedLengthMax = p.embeddedLengthMax
  let result
  try {
    result = await viewer.resolveSHL(resolveParams)
  } catch (e) {
    // kill-the-clipboard errors carry a `code` (e.g. SHL_INVALID_PASSCODE_ERROR); keep it visible.
    throw new Error(`kill-the-clipboard SHLViewer.resolveSHL failed: ${e?.name} ${e?.code ?? ''}: ${e?.message}; ` +
      `requests: ${JSON.stringify(requests)}`, { cause: e })
  }
  assert.equal(result.smartHealthCards.length, 0, 'expected FHIR files only, got SMART Health Cards')
  return { result, requests }
}

test('resolve the SMART Health Link and check the FHIR Bundle', async () => {
  const p = params()
  let bundles
  const summary = { mode: p.mode }

  if (p.mode === 'viewer') {
    const { result, requests } = await resolveWithViewer(p)
    summary.requests = requests
    summary.files = result.manifest
      ? result.manifest.files.map((f) => ({ contentType: f.contentType, via: 'embedded' in f ? 'embedded' : 'location' }))
      : [{ via: 'direct' }]
    bundles = bundlesOf(result.fhirResources)
    if (p.manual) {
      // Second, independent resolution (second manifest request): fetch + jose.
      const j = await resolveWithJose(p)
      const jb = bundlesOf(j.files.map((f) => f.content))
      assert.deepEqual(jb, bundles, 'fetch+jose resolved different Bundles than kill-the-clipboard')
      summary.manual = { files: j.files.map((f) => ({ contentType: f.contentType, via: f.via, header: f.header })) }
    }
  } else {
    const j = await resolveWithJose(p)
    summary.files = j.files.map((f) => ({ contentType: f.contentType, via: f.via, header: f.header }))
    bundles = bundlesOf(j.files.map((f) => f.content))
  }

  for (const b of bundles) {
    assert.equal(b.resourceType, 'Bundle')
    assert.equal(typeof b.type, 'string', 'Bundle.type is required in FHIR R4')
  }
  summary.bundles = bundles.length
  summary.entries = bundles.map((b) => (b.entry ?? []).length)
  if (p.expectSha256) summary.attachment = assertAttachmentSha256(bundles, p.expectSha256)
  if (p.out) {
    writeJson(p.out, bundles[0])
    summary.out = p.out
  }
  report(summary)
})
