import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Journal } from './journal.js';
import { closeAll, openFiles, readBackward, readForward, findTime, type OpenedFile } from './file-reader.js';
import { LineMatcher } from './line-matcher.js';
import { scanLogDir } from './log-files.js';
import type { ParsedLine } from './format.js';

const dir = mkdtempSync(join(tmpdir(), 'hearth-reader-'));
after(() => rmSync(dir, { recursive: true, force: true }));

// One 20 MB file: record i has ts 1_000_000 + i and text "line i ...".
const COUNT = 200_000;
let t = 0;
const j = new Journal({ dir, now: () => t, rotation: { maxBytes: 1 << 30, keep: 1 } });
const w = j.writer('huge');
for (let i = 0; i < COUNT; i++) {
  t = 1_000_000 + i;
  w.write('out', Buffer.from(`line ${i} ${'z'.repeat(80)}\n`));
}
w.end();
j.close();

/** Opens the file and counts the bytes every read of it returns. */
async function counted(): Promise<{ file: OpenedFile; bytes: () => number; files: OpenedFile[] }> {
  const files = await openFiles(() => scanLogDir(dir).get('huge') ?? []);
  const file = files[0]!;
  let n = 0;
  const read = file.fh.read.bind(file.fh) as (...a: unknown[]) => Promise<{ bytesRead: number }>;
  (file.fh as unknown as { read: unknown }).read = async (...a: unknown[]) => {
    const r = await read(...a);
    n += r.bytesRead;
    return r;
  };
  return { file, bytes: () => n, files };
}

describe('file reader on a 20 MB file', () => {
  test('the file is as big as the test needs', () => {
    assert.ok(statSync(join(dir, 'huge.log')).size > 19_000_000);
  });

  test('the last 10 lines are read from the end with one small read', async () => {
    const { file, bytes, files } = await counted();
    const out: ParsedLine[] = [];
    await readBackward(file, new LineMatcher({}), 10, out);
    await closeAll(files);
    assert.deepEqual(out.map((l) => l.payload.toString().split(' ')[1]), Array.from({ length: 10 }, (_, i) => String(COUNT - 1 - i)));
    assert.ok(bytes() <= 128 * 1024, `read ${bytes()} bytes`);
  });

  test('since near the end finds its place by binary search instead of reading everything', async () => {
    const { file, bytes, files } = await counted();
    const since = 1_000_000 + COUNT - 100;
    const pos = await findTime(file, since);
    const got: number[] = [];
    await readForward(file, new LineMatcher({ since }), (l) => got.push(l.ts));
    await closeAll(files);
    assert.ok(pos > file.size - 1024 * 1024, 'the search lands near the end');
    assert.deepEqual(got, Array.from({ length: 100 }, (_, i) => since + i));
    assert.ok(bytes() < 3 * 1024 * 1024, `read ${bytes()} bytes`);
  });

  test('until stops reading once lines are newer', async () => {
    const { file, bytes, files } = await counted();
    const got: number[] = [];
    const more = await readForward(file, new LineMatcher({ until: 1_000_000 + 50 }), (l) => got.push(l.ts));
    await closeAll(files);
    assert.equal(more, false);
    assert.equal(got.length, 51);
    assert.ok(bytes() <= 2 * 1024 * 1024, `read ${bytes()} bytes`);
  });

  test('findTime before the first line is 0 and after the last line is near the end', async () => {
    const { file, files } = await counted();
    assert.equal(await findTime(file, 0), 0);
    const end = await findTime(file, 99_000_000);
    await closeAll(files);
    assert.ok(end > file.size - 512 * 1024);
  });
});
