// Helpers shared by the SMART Health Links receiver tests. Written from the HL7 "SMART Health
// Cards and Links" IG (STU1), links-specification.md, independently of MedChain's Rust code.
// Nothing here talks to anything but the URLs found in the link under test.
import assert from 'node:assert/strict'
import { createDecipheriv, createHash } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { inflateRawSync } from 'node:zlib'
import { base64url, compactDecrypt, decodeProtectedHeader, errors } from 'jose'

// jose >= 6.2 inflates `zip: DEF` itself but caps the inflated size at 250,000 bytes by default;
// a Bundle that carries a document as base64 can be larger, so the cap is raised here.
export const MAX_INFLATED_BYTES = 64 * 1024 * 1024
export const FETCH_TIMEOUT_MS = Number(process.env.FETCH_TIMEOUT_MS || 30000)
// Content types a manifest file may have (spec, "files array").
export const FILE_CONTENT_TYPES = [
  'application/smart-health-card',
  'application/smart-api-access',
  'application/fhir+json',
]

/** Reads a required environment variable; a missing one FAILS the test (never skips it). */
export function requireEnv (name, what) {
  const v = process.env[name]
  assert.ok(v !== undefined && v !== '',
    `missing required environment variable ${name} (${what}); see the header of this test file ` +
    'and testing/shl-receiver/README.md')
  return v
}

/** Optional environment variable: undefined when unset or empty. */
export function optionalEnv (name) {
  const v = process.env[name]
  return v === undefined || v === '' ? undefined : v
}

/** Prints one machine-readable line. Under `node --test` (TAP) it shows up as `# SHL_RESULT {...}`. */
export function report (obj) {
  console.log('SHL_RESULT ' + JSON.stringify(obj))
}

/**
 * Parses `shlink:/<payload>` or `<viewer url>#shlink:/<payload>` and checks the payload
 * against the spec ("Construct a SMART Health Link Payload"). Returns the payload object.
 */
export function parseShlink (link) {
  let bare = link.trim()
  const hash = bare.lastIndexOf('#')
  if (hash !== -1) {
    // Viewer prefix: the spec says the viewer URL ends with '#'.
    bare = bare.slice(hash + 1)
  }
  assert.ok(bare.startsWith('shlink:/'), `link does not contain "shlink:/": ${link.slice(0, 80)}`)
  const b64 = bare.slice('shlink:/'.length)
  assert.match(b64, /^[A-Za-z0-9_-]+$/, 'payload is not unpadded base64url')
  const payload = JSON.parse(Buffer.from(b64, 'base64url').toString('utf8'))
  assert.equal(typeof payload, 'object')
  assert.equal(typeof payload.url, 'string', 'payload.url must be a string')
  new URL(payload.url) // throws on an invalid URL
  assert.equal(typeof payload.key, 'string', 'payload.key must be a string')
  assert.equal(payload.key.length, 43, 'payload.key must be 43 base64url characters')
  assert.equal(base64url.decode(payload.key).length, 32, 'payload.key must decode to 32 bytes')
  if (payload.exp !== undefined) {
    assert.equal(typeof payload.exp, 'number', 'payload.exp must be a number (epoch seconds)')
    assert.ok(payload.exp > Date.now() / 1000, `link expired at ${payload.exp}`)
  }
  if (payload.flag !== undefined) {
    assert.equal(typeof payload.flag, 'string')
    assert.match(payload.flag, /^[A-Z]*$/, 'payload.flag must be single-character flags')
    assert.equal(payload.flag, [...payload.flag].sort().join(''), 'flags must be in alphabetical order')
    assert.ok(!(payload.flag.includes('U') && payload.flag.includes('P')), 'U and P SHALL NOT be combined')
  }
  if (payload.label !== undefined) {
    assert.equal(typeof payload.label, 'string')
    assert.ok(payload.label.length <= 80, 'payload.label must be at most 80 characters')
  }
  if (payload.v !== undefined) assert.equal(payload.v, 1, 'only v=1 is understood')
  return payload
}

/**
 * JWE compact decryption of an SHL file ("dir" + "A256GCM") done with node:crypto alone:
 * AES-256-GCM, AAD = ASCII(BASE64URL(protected header)) (RFC 7516, section 5.2), then raw DEFLATE
 * inflation when the header says `zip: "DEF"`. Used when jose refuses `zip` and to cross-check jose.
 */
export function decryptWithNodeCrypto (jwe, keyBytes) {
  const parts = jwe.split('.')
  assert.equal(parts.length, 5, 'compact JWE has 5 parts')
  const [prot, encKey, iv, ciphertext, tag] = parts
  const header = JSON.parse(Buffer.from(prot, 'base64url').toString('utf8'))
  assert.equal(header.alg, 'dir')
  assert.equal(header.enc, 'A256GCM')
  assert.equal(encKey, '', 'alg "dir" has an empty encrypted-key part')
  const d = createDecipheriv('aes-256-gcm', Buffer.from(keyBytes), Buffer.from(iv, 'base64url'))
  d.setAAD(Buffer.from(prot, 'ascii'))
  d.setAuthTag(Buffer.from(tag, 'base64url'))
  let plaintext = Buffer.concat([d.update(Buffer.from(ciphertext, 'base64url')), d.final()])
  if (header.zip === 'DEF') plaintext = inflateRawSync(plaintext)
  else assert.equal(header.zip, undefined, `unsupported zip ${header.zip}`)
  return { plaintext: new Uint8Array(plaintext), protectedHeader: header }
}

/**
 * Decrypts one SHL file with jose's compactDecrypt, restricted to what the spec allows.
 * Handles `zip: DEF`: jose 6.2.x inflates it (cap raised above); a jose that refuses `zip`
 * (JOSENotSupported, as jose 6.0/6.1 did) falls back to decryptWithNodeCrypto (node:zlib).
 */
export async function decryptShlFile (jwe, keyB64u) {
  const key = base64url.decode(keyB64u)
  const header = decodeProtectedHeader(jwe)
  assert.equal(header.alg, 'dir', 'JWE alg must be "dir"')
  assert.equal(header.enc, 'A256GCM', 'JWE enc must be "A256GCM"')
  assert.equal(typeof header.cty, 'string', 'JWE must carry a cty header')
  assert.ok(header.zip === undefined || header.zip === 'DEF', `zip must be absent or "DEF", got ${header.zip}`)
  let out
  try {
    out = await compactDecrypt(jwe, key, {
      keyManagementAlgorithms: ['dir'],
      contentEncryptionAlgorithms: ['A256GCM'],
      maxDecompressedLength: MAX_INFLATED_BYTES,
    })
  } catch (e) {
    if (header.zip === 'DEF' && e instanceof errors.JOSENotSupported) {
      out = decryptWithNodeCrypto(jwe, key)
    } else {
      throw e
    }
  }
  return { ...out, text: new TextDecoder('utf-8', { fatal: true }).decode(out.plaintext) }
}

async function timedFetch (url, init = {}) {
  return fetch(url, { ...init, signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) })
}

/** The manifest request of the spec: POST, content-type application/json. Returns the Response. */
export async function postManifest (url, body) {
  return timedFetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
}

/**
 * Resolves a link with fetch + jose only (no viewer library). Returns
 * { payload, manifest, files: [{ contentType, via, header, content }] }.
 */
export async function resolveWithJose ({ link, recipient, passcode, embeddedLengthMax }) {
  const payload = parseShlink(link)
  const flag = payload.flag ?? ''
  if (flag.includes('P')) assert.ok(passcode, 'link has flag P: PASSCODE must be set')

  if (flag.includes('U')) {
    // Direct file: GET url?recipient=..., no manifest (spec, "Direct File Request").
    const u = new URL(payload.url)
    u.searchParams.set('recipient', recipient)
    const res = await timedFetch(u)
    assert.equal(res.status, 200, `direct file GET: HTTP ${res.status}`)
    const jwe = (await res.text()).trim()
    const d = await decryptShlFile(jwe, payload.key)
    return {
      payload,
      manifest: undefined,
      files: [{ contentType: d.protectedHeader.cty, via: 'direct', header: d.protectedHeader, content: JSON.parse(d.text) }],
    }
  }

  const body = { recipient }
  if (passcode) body.passcode = passcode
  if (embeddedLengthMax !== undefined) body.embeddedLengthMax = embeddedLengthMax
  const res = await postManifest(payload.url, body)
  const resText = await res.text()
  assert.equal(res.status, 200, `manifest POST: HTTP ${res.status}: ${resText.slice(0, 300)}`)
  const ct = res.headers.get('content-type') ?? ''
  assert.match(ct, /^application\/json\b/i, `manifest content-type must be application/json, got "${ct}"`)
  const manifest = JSON.parse(resText)
  assert.ok(Array.isArray(manifest.files), 'manifest.files must be an array')

  const files = []
  for (const [i, f] of manifest.files.entries()) {
    assert.ok(FILE_CONTENT_TYPES.includes(f.contentType), `files[${i}].contentType "${f.contentType}" not allowed`)
    const hasEmbedded = typeof f.embedded === 'string'
    const hasLocation = typeof f.location === 'string'
    assert.ok(hasEmbedded || hasLocation, `files[${i}] has neither embedded nor location`)
    let jwe, via
    if (hasEmbedded) {
      if (embeddedLengthMax !== undefined) {
        assert.ok(f.embedded.length <= embeddedLengthMax,
          `files[${i}].embedded is ${f.embedded.length} chars > embeddedLengthMax ${embeddedLengthMax}`)
      }
      jwe = f.embedded
      via = 'embedded'
    } else {
      const r = await timedFetch(f.location)
      const t = await r.text()
      assert.equal(r.status, 200, `files[${i}] GET location: HTTP ${r.status}: ${t.slice(0, 200)}`)
      const lct = r.headers.get('content-type') ?? ''
      assert.match(lct, /^application\/jose\b/i, `files[${i}] location content-type must be application/jose, got "${lct}"`)
      jwe = t.trim()
      via = 'location'
    }
    const d = await decryptShlFile(jwe, payload.key)
    assert.equal(d.protectedHeader.cty, f.contentType, `files[${i}]: JWE cty differs from manifest contentType`)
    files.push({ contentType: f.contentType, via, header: d.protectedHeader, content: JSON.parse(d.text) })
  }
  return { payload, manifest, files }
}

/** Base64 `data` of every DocumentReference attachment in a Bundle. */
export function attachmentData (bundle) {
  const out = []
  for (const e of bundle.entry ?? []) {
    const r = e.resource
    if (r?.resourceType !== 'DocumentReference') continue
    for (const c of r.content ?? []) {
      if (typeof c.attachment?.data === 'string') out.push(c.attachment.data)
    }
  }
  return out
}

/** Asserts that one DocumentReference attachment of the bundles decodes to bytes with this SHA-256. */
export function assertAttachmentSha256 (bundles, expectHex) {
  const want = expectHex.trim().toLowerCase()
  assert.match(want, /^[0-9a-f]{64}$/, 'EXPECT_SHA256 must be 64 hex digits')
  const seen = []
  for (const b of bundles) {
    for (const data of attachmentData(b)) {
      // FHIR base64Binary: standard base64 alphabet; reject anything else rather than guess.
      assert.match(data.replace(/\s+/g, ''), /^[A-Za-z0-9+/]*={0,2}$/, 'attachment.data is not base64')
      const bytes = Buffer.from(data, 'base64')
      const h = createHash('sha256').update(bytes).digest('hex')
      seen.push({ sha256: h, bytes: bytes.length })
      if (h === want) return { sha256: h, bytes: bytes.length }
    }
  }
  assert.fail(`no DocumentReference attachment hashes to ${want}; found ${JSON.stringify(seen)}`)
}

/** Writes JSON to a file (OUT). */
export function writeJson (path, obj) {
  writeFileSync(path, JSON.stringify(obj, null, 2) + '\n')
}
