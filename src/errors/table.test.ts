import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ERROR_TABLE, httpStatusOf, descriptorShortage } from './index.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));

/** Rows of docs/errors.md's code table: | `ERR_X` | 400 | meaning | */
function documentedRows(): Map<string, { status: number; meaning: string }> {
  const rows = new Map<string, { status: number; meaning: string }>();
  for (const line of readFileSync(join(REPO, 'docs', 'errors.md'), 'utf8').split('\n')) {
    const m = /^\| `(ERR_[A-Z_]+)` \| (\d{3}) \| (.+) \|$/.exec(line);
    if (m) rows.set(m[1]!, { status: Number(m[2]), meaning: m[3]! });
  }
  return rows;
}

function sourceFiles(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) sourceFiles(p, out);
    else if (/\.tsx?$/.test(e) && !e.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

describe('the error table', () => {
  test('docs/errors.md lists every code with the same status and meaning, and nothing else', () => {
    const docs = documentedRows();
    for (const [code, entry] of Object.entries(ERROR_TABLE)) {
      assert.deepEqual(docs.get(code), { status: entry.status, meaning: entry.meaning }, `${code} in docs/errors.md`);
    }
    for (const code of docs.keys()) assert.ok(code in ERROR_TABLE, `docs/errors.md lists ${code}, which the table does not have`);
  });

  test('every code the server side uses is in the table', () => {
    // The browser page (src/web/app) has its own fallback for answers without a body; it never leaves the browser.
    const files = sourceFiles(join(REPO, 'src')).filter((f) => !f.includes(`${join('web', 'app')}`));
    const used = new Set<string>();
    for (const f of files) for (const m of readFileSync(f, 'utf8').matchAll(/'(ERR_[A-Z_]+[A-Z])'/g)) used.add(m[1]!);
    for (const code of used) assert.ok(code in ERROR_TABLE, `${code} is used but not in the table`);
  });

  test('messages speak in one voice: they start in lower case ("cannot …"), acronyms aside', () => {
    const offenders: string[] = [];
    // systemd's jobs answer in systemctl's own words ("Unit foo.service not found."), which the
    // systemctl personality prints byte for byte as scripts expect: that folder keeps its voice.
    const foreignVoice = join(REPO, 'src', 'systemd-run');
    for (const f of sourceFiles(join(REPO, 'src')).filter((x) => !x.startsWith(foreignVoice))) {
      for (const m of readFileSync(f, 'utf8').matchAll(/new HearthError\(\s*'ERR_[A-Z_]+',\s*[`'"]([A-Z][A-Za-z]*)/g)) {
        if (m[1] !== m[1]!.toUpperCase()) offenders.push(`${f}: ${m[1]}…`);
      }
    }
    assert.deepEqual(offenders, []);
  });

  test('statuses come from the table; an unknown code is a 500', () => {
    assert.equal(httpStatusOf('ERR_UNKNOWN_SERVICE'), 404);
    assert.equal(httpStatusOf('ERR_CONFIG_VALUE'), 422);
    assert.equal(httpStatusOf('ERR_TOO_LARGE'), 413);
    assert.equal(httpStatusOf('ERR_FROM_THE_FUTURE'), 500);
  });

  test('a descriptor shortage is named as such, anything else is left alone', () => {
    const emfile = descriptorShortage(Object.assign(new Error('open /etc/passwd'), { code: 'EMFILE' }), 'look up user "nobody"');
    assert.equal(emfile?.code, 'ERR_NO_DESCRIPTORS');
    assert.match(emfile!.message, /^cannot look up user "nobody": hearthd has used all its file descriptors \(EMFILE\)$/);
    assert.match(descriptorShortage(Object.assign(new Error('x'), { code: 'ENFILE' }), 'accept')!.message, /ENFILE/);
    assert.equal(descriptorShortage(Object.assign(new Error('x'), { code: 'ENOENT' }), 'open'), undefined);
  });
});
