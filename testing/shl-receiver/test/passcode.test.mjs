// Sends the manifest request with a WRONG passcode and checks the spec's answer: HTTP 401 with a
// JSON body whose `remainingAttempts` is a number. Uses plain fetch (no viewer library: it hides
// the body of a 401). Each run uses up one of the link's attempts.
// Run: node --test test/passcode.test.mjs   (from testing/shl-receiver)
//
// Environment:
//   SHLINK           required. The link (`shlink:/...` or `<viewer url>#shlink:/...`); its flag must have P.
//   RECIPIENT        required. Sent as `recipient`.
//   WRONG_PASSCODE   required. Sent as `passcode`; must not be the link's passcode.
//   OUT              optional. Path where `{"status":401,"remainingAttempts":N}` is written as JSON.
//   FETCH_TIMEOUT_MS optional. Request timeout, default 30000.
// Prints `SHL_RESULT {"status":401,"remainingAttempts":N,...}` (TAP shows it as `# SHL_RESULT ...`).
// A missing required variable FAILS the test with a message naming it; nothing is skipped.
import assert from 'node:assert/strict'
import test from 'node:test'
import { optionalEnv, parseShlink, postManifest, report, requireEnv, writeJson } from './lib/shl.mjs'

test('wrong passcode gets 401 with a numeric remainingAttempts', async () => {
  const link = requireEnv('SHLINK', 'the shlink:/ link, with flag P')
  const recipient = requireEnv('RECIPIENT', 'recipient sent in the manifest request')
  const wrong = requireEnv('WRONG_PASSCODE', 'a passcode that is NOT the link\'s passcode')
  const out = optionalEnv('OUT')

  const payload = parseShlink(link)
  assert.ok((payload.flag ?? '').includes('P'), `link flag "${payload.flag ?? ''}" has no P: it needs no passcode`)

  const res = await postManifest(payload.url, { recipient, passcode: wrong })
  const text = await res.text()
  assert.equal(res.status, 401, `expected HTTP 401 for a wrong passcode, got ${res.status}: ${text.slice(0, 300)}`)
  let body
  try {
    body = JSON.parse(text)
  } catch {
    assert.fail(`401 body is not JSON: ${text.slice(0, 300)}`)
  }
  assert.equal(typeof body?.remainingAttempts, 'number', `401 body has no numeric remainingAttempts: ${text.slice(0, 300)}`)
  assert.ok(Number.isInteger(body.remainingAttempts) && body.remainingAttempts >= 0,
    `remainingAttempts must be a non-negative integer, got ${body.remainingAttempts}`)

  const result = { status: res.status, remainingAttempts: body.remainingAttempts }
  if (out) writeJson(out, result)
  report({ ...result, contentType: res.headers.get('content-type') })
})
