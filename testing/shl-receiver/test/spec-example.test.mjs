// Decrypts the SMART Health Links specification's own example file with the spec's example key
// (fixtures in test/fixtures/, provenance in test/fixtures/SOURCE.md), and round-trips `zip: DEF`
// files through every decryptor used by receive.test.mjs. Needs no environment variables and no
// network. Run: node --test test/spec-example.test.mjs   (from testing/shl-receiver)
import assert from 'node:assert/strict'
import { createCipheriv, randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import test from 'node:test'
import { deflateRawSync, inflateRawSync } from 'node:zlib'
import { CompactEncrypt, base64url, compactDecrypt, decodeProtectedHeader } from 'jose'
import { SHL, decryptSHLFile } from 'kill-the-clipboard'
import { decryptShlFile, decryptWithNodeCrypto, parseShlink } from './lib/shl.mjs'

const fixture = (name) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8').trim()
const KEY = fixture('spec-example-key.txt')
const JWE = fixture('spec-example-file.jwe')
const LINK = fixture('spec-example-shlink.txt')

test('spec example JWE decrypts with jose compactDecrypt and the spec key', async () => {
  assert.equal(base64url.decode(KEY).length, 32)
  assert.deepEqual(decodeProtectedHeader(JWE), { alg: 'dir', enc: 'A256GCM', cty: 'application/smart-health-card' })

  // Exactly the spec's "Example Decryption", with jose 6 instead of the spec's jose 4.
  const { plaintext, protectedHeader } = await compactDecrypt(JWE, base64url.decode(KEY), {
    keyManagementAlgorithms: ['dir'],
    contentEncryptionAlgorithms: ['A256GCM'],
  })
  assert.equal(protectedHeader.cty, 'application/smart-health-card')
  const file = JSON.parse(new TextDecoder().decode(plaintext))

  // A SMART Health Card file: {verifiableCredential: [JWS]}; the JWS payload is raw-DEFLATEd JSON
  // holding the FHIR Bundle at vc.credentialSubject.fhirBundle.
  assert.ok(Array.isArray(file.verifiableCredential) && file.verifiableCredential.length === 1)
  const [h, p, sig] = file.verifiableCredential[0].split('.')
  assert.ok(sig.length > 0)
  const jwsHeader = JSON.parse(Buffer.from(h, 'base64url').toString('utf8'))
  assert.equal(jwsHeader.zip, 'DEF')
  assert.equal(jwsHeader.alg, 'ES256')
  const vcPayload = JSON.parse(inflateRawSync(Buffer.from(p, 'base64url')).toString('utf8'))
  assert.equal(vcPayload.iss, 'https://spec.smarthealth.cards/examples/issuer')
  const bundle = vcPayload.vc.credentialSubject.fhirBundle
  assert.equal(vcPayload.vc.credentialSubject.fhirVersion, '4.0.1')
  assert.equal(bundle.resourceType, 'Bundle')
  assert.equal(bundle.type, 'collection')
  assert.deepEqual(bundle.entry.map((e) => e.resource.resourceType), ['Patient', 'Immunization', 'Immunization', 'Immunization'])
  assert.equal(bundle.entry[0].resource.name[0].family, 'Anyperson')
})

test('spec example JWE: node:crypto decryptor and kill-the-clipboard agree with jose', async () => {
  const viaJose = await decryptShlFile(JWE, KEY)
  const viaNode = decryptWithNodeCrypto(JWE, base64url.decode(KEY))
  assert.deepEqual(Buffer.from(viaNode.plaintext), Buffer.from(viaJose.plaintext))
  const viaKtc = await decryptSHLFile({ jwe: JWE, key: KEY })
  assert.equal(viaKtc.contentType, 'application/smart-health-card')
  assert.equal(viaKtc.content, viaJose.text)
  // A wrong key must fail (AES-GCM tag check).
  await assert.rejects(decryptShlFile(JWE, base64url.encode(randomBytes(32))))
})

test('spec example link parses (viewer prefix, flag LP) and carries the same key', () => {
  const spec = {
    url: 'https://ehr.example.org/qr/Y9xwkUdtmN9wwoJoN3ffJIhX2UGvCL1JnlPVNL3kDWM/m',
    flag: 'LP',
    key: 'rxTgYlOaKJPFtcEd0qcceN8wEU4p94SqAwIWQe6uX7Q',
    label: 'Back-to-school immunizations for Oliver Brown',
  }
  assert.equal(LINK, 'https://viewer.example.org#shlink:/' + base64url.encode(JSON.stringify(spec)))
  assert.deepEqual(parseShlink(LINK), spec)
  const shl = SHL.parse(LINK)
  assert.equal(shl.url, spec.url)
  assert.equal(shl.key, KEY)
  assert.equal(shl.requiresPasscode, true)
  assert.equal(shl.isLongTerm, true)
})

// Fixture-free: the file shape the spec requires, with and without zip DEF, made two ways.
const BUNDLE = {
  resourceType: 'Bundle',
  type: 'collection',
  entry: [{
    fullUrl: 'urn:uuid:3b0b2a8c-0000-4000-8000-000000000001',
    resource: {
      resourceType: 'DocumentReference',
      status: 'current',
      content: [{ attachment: { contentType: 'text/plain', data: Buffer.from('x'.repeat(300000)).toString('base64') } }],
    },
  }],
}

test('zip DEF files made by jose decrypt the same with jose, node:zlib and kill-the-clipboard', async () => {
  const key = base64url.encode(randomBytes(32))
  const text = JSON.stringify(BUNDLE) // > 250,000 bytes: beyond jose's default inflate cap
  for (const zip of [undefined, 'DEF']) {
    const header = { alg: 'dir', enc: 'A256GCM', cty: 'application/fhir+json', ...(zip && { zip }) }
    const jwe = await new CompactEncrypt(new TextEncoder().encode(text)).setProtectedHeader(header).encrypt(base64url.decode(key))
    const parts = jwe.split('.')
    assert.equal(parts.length, 5)
    assert.equal(parts[1], '', 'alg dir: empty encrypted key')
    assert.equal(Buffer.from(parts[2], 'base64url').length, 12, '96-bit GCM IV')
    assert.equal(Buffer.from(parts[4], 'base64url').length, 16, '128-bit GCM tag')
    if (zip) assert.ok(jwe.length < text.length / 10, 'DEF actually compressed')

    const a = await decryptShlFile(jwe, key)
    assert.deepEqual(a.protectedHeader, header)
    assert.equal(a.text, text)
    assert.equal(new TextDecoder().decode(decryptWithNodeCrypto(jwe, base64url.decode(key)).plaintext), text)
    const k = await decryptSHLFile({ jwe, key })
    assert.equal(k.content, text)
    assert.equal(k.contentType, 'application/fhir+json')
  }
})

test('a zip DEF file made with node:crypto + deflateRawSync (no jose) decrypts with jose', async () => {
  const key = randomBytes(32)
  const prot = base64url.encode(JSON.stringify({ alg: 'dir', enc: 'A256GCM', cty: 'application/fhir+json', zip: 'DEF' }))
  const iv = randomBytes(12)
  const c = createCipheriv('aes-256-gcm', key, iv)
  c.setAAD(Buffer.from(prot, 'ascii'))
  const ct = Buffer.concat([c.update(deflateRawSync(Buffer.from(JSON.stringify(BUNDLE)))), c.final()])
  const jwe = [prot, '', iv.toString('base64url'), ct.toString('base64url'), c.getAuthTag().toString('base64url')].join('.')
  const d = await decryptShlFile(jwe, base64url.encode(key))
  assert.deepEqual(JSON.parse(d.text), BUNDLE)
  const k = await decryptSHLFile({ jwe, key: base64url.encode(key) })
  assert.deepEqual(JSON.parse(k.content), BUNDLE)
})
