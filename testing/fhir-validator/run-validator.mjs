// Runs validate.mjs in a child process (it needs Node flags that `node --test` does not pass on)
// and parses its report. Used by test/*.test.mjs; kept outside test/ so that a bare `node --test`
// does not take it for a test file.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const VALIDATE = fileURLToPath(new URL('./validate.mjs', import.meta.url));

/** `--experimental-websocket` where there is no global WebSocket (Node 20); nothing from Node 22 on. */
export const NODE_FLAGS = typeof globalThis.WebSocket === 'undefined' ? ['--experimental-websocket'] : [];

/** Validates `file`; returns { status, report, stdout, stderr } (report is null when stdout is not JSON). */
export function runValidator(file, extraArgs = []) {
  const r = spawnSync(process.execPath, [...NODE_FLAGS, VALIDATE, ...extraArgs, file], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  if (r.error) throw r.error;
  let report = null;
  try {
    report = JSON.parse(r.stdout);
  } catch {
    // left null: the caller reports stdout/stderr
  }
  return { status: r.status, report, stdout: r.stdout, stderr: r.stderr };
}

/** One line per issue: `medplum  error  Bundle.entry[4].resource.content: Missing required property`. */
export function formatIssues(report) {
  if (!report) return '(no report)';
  const lines = [];
  for (const i of report.medplum ?? []) lines.push(`medplum  ${i.severity}  ${i.path}: ${i.message}${i.fhirpath ? `  [${i.fhirpath}]` : ''}  (${i.calls.join(', ')})`);
  for (const i of report.schema ?? []) lines.push(`schema   ${i.path}: ${i.message}`);
  for (const i of report.bundle ?? []) lines.push(`bundle   ${i.path}: ${i.message}`);
  return lines.length ? lines.join('\n') : '(no issues)';
}
