import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../run-cli.js';
import { verifyPassword } from '../../web/index.js';

async function run(argv: string[], secret: string) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env: {}, readSecret: async () => secret });
  return { code, stdout, stderr };
}

describe('hearth web-password', () => {
  test('prints a hearth.toml line whose hash verifies the password', async () => {
    const r = await run(['web-password'], 'correct horse battery');
    assert.equal(r.code, 0, r.stderr);
    const m = /^password_hash = "(scrypt\$[^"]+)"\n$/.exec(r.stdout);
    assert.ok(m, r.stdout);
    assert.equal(await verifyPassword('correct horse battery', m[1]!), true);
  });

  test('--readonly names the read-only key; a short password is refused', async () => {
    assert.match((await run(['web-password', '--readonly'], 'viewer password')).stdout, /^readonly_password_hash = "scrypt\$/);
    const short = await run(['web-password'], 'short');
    assert.equal(short.code, 2);
    assert.match(short.stderr, /at least 8 characters/);
  });
});
