import { test, describe, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Journal, SpoolLedger, recoverSpoolPoints, tagRecord, type RecordSink, ServiceLogWriter, type RawRecord } from './index.js';
import { encodeSeal, parseSeal } from './spool-position.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'hearth-seal-'));
  dirs.push(d);
  return d;
}

/** A writer whose records carry the byte count of `key` they reach, as the spool's writers do. */
function taggingWriter(j: Journal, service: string, key: string): ServiceLogWriter {
  let count = 0;
  const sink: RecordSink = {
    append: (s: string, r: RawRecord) => {
      count += r.payload.length + (r.partial ? 0 : 1);
      tagRecord(r, { key, gen: 0, off: count });
      j.append(s, r);
    },
    flushService: (s: string, release: boolean) => j.flushService(s, release),
  };
  return new ServiceLogWriter(service, sink);
}

function sealed(dir: string, service: string): { j: Journal; ledger: SpoolLedger; commits: number[] } {
  const j = new Journal({ dir });
  const ledger = new SpoolLedger(service);
  ledger.recover(dir);
  const commits: number[] = [];
  ledger.onCommit = (tags) => commits.push(...tags.map((t) => t.off));
  j.sealWith(service, ledger);
  return { j, ledger, commits };
}

describe('spool positions in the journal', () => {
  test('a seal line parses back, and one torn before its end does not', () => {
    const line = encodeSeal(1700000000000, 42, new Map([['web.out', { gen: 3, off: 1234 }], ['web.err', { gen: 0, off: 0 }]])).toString().trimEnd();
    assert.equal(line, '1700000000000 k 42 web.out=3:1234 web.err=0:0 ;');
    assert.deepEqual(parseSeal(line), { bodyBytes: 42, points: new Map([['web.out', { gen: 3, off: 1234 }], ['web.err', { gen: 0, off: 0 }]]) });
    assert.equal(parseSeal('1700000000000 k 42 web.out=3:12'), undefined);
    assert.equal(parseSeal('1700000000000 k 42 web.out=3:1234 web.err=0:0'), undefined);
  });

  test('every write opens with a seal naming how far each stream is journaled; readers never see it', async () => {
    const dir = tempDir();
    const { j, ledger, commits } = sealed(dir, 'web');
    const w = taggingWriter(j, 'web', 'web.out');
    w.write('out', Buffer.from('one\ntwo\nthr'));
    j.flush();
    assert.deepEqual(ledger.point('web.out'), { gen: 0, off: 8 });
    assert.deepEqual(commits, [8]);
    w.write('out', Buffer.from('ee\n'));
    j.record('web', { stream: 'syslog', text: 'from syslog' });
    j.flush();
    const lines = readFileSync(join(dir, 'web.log'), 'utf8').trimEnd().split('\n');
    assert.match(lines[0]!, /^\d+ k \d+ web\.out=0:8 ;$/);
    assert.match(lines[3]!, /^\d+ k \d+ web\.out=0:14 ;$/);
    // The seal's length is exactly what follows it in the same write.
    const size = statSync(join(dir, 'web.log')).size;
    const lastSeal = lines.slice(0, 4).join('\n').length + 1;
    assert.equal(lastSeal + Number(lines[3]!.split(' ')[2]), size);
    const texts = (await j.query({ names: ['web'] })).map((r) => r.text);
    assert.deepEqual(texts, ['one', 'two', 'three', 'from syslog']);
    j.close();
    assert.deepEqual(recoverSpoolPoints(dir, 'web'), new Map([['web.out', { gen: 0, off: 14 }]]));
  });

  test('a write torn by a crash is cut off, and the seal before it counts', () => {
    const dir = tempDir();
    const { j } = sealed(dir, 'web');
    const w = taggingWriter(j, 'web', 'web.out');
    w.write('out', Buffer.from('a\nb\n'));
    j.flush();
    const intact = statSync(join(dir, 'web.log')).size;
    w.write('out', Buffer.from('c\nd\ne\n'));
    j.flush();
    j.close();
    const full = statSync(join(dir, 'web.log')).size;
    // kill -9 in the middle of the second write: only part of it reached the file.
    truncateSync(join(dir, 'web.log'), full - 5);
    assert.deepEqual(recoverSpoolPoints(dir, 'web'), new Map([['web.out', { gen: 0, off: 4 }]]));
    assert.equal(statSync(join(dir, 'web.log')).size, intact, 'the torn write is gone');
  });

  test('a seal torn before its end, mended with a newline, is passed over', () => {
    const dir = tempDir();
    const { j } = sealed(dir, 'web');
    taggingWriter(j, 'web', 'web.out').write('out', Buffer.from('a\n'));
    j.close();
    appendFileSync(join(dir, 'web.log'), '1700000000000 k 99 web.out=0:1\n');
    assert.deepEqual(recoverSpoolPoints(dir, 'web'), new Map([['web.out', { gen: 0, off: 2 }]]));
  });

  test('records written without a seal after the last sealed write are kept', () => {
    const dir = tempDir();
    const { j } = sealed(dir, 'web');
    taggingWriter(j, 'web', 'web.out').write('out', Buffer.from('a\n'));
    j.close();
    appendFileSync(join(dir, 'web.log'), '1700000000001 s a syslog line\n');
    const size = statSync(join(dir, 'web.log')).size;
    assert.deepEqual(recoverSpoolPoints(dir, 'web'), new Map([['web.out', { gen: 0, off: 2 }]]));
    assert.equal(statSync(join(dir, 'web.log')).size, size);
  });

  test('after a rotation the new file carries the positions from its first line', () => {
    const dir = tempDir();
    const j = new Journal({ dir, rotation: { maxBytes: 300, keep: 0 } });
    const ledger = new SpoolLedger('web');
    j.sealWith('web', ledger);
    const w = taggingWriter(j, 'web', 'web.out');
    for (let i = 0; i < 20; i++) {
      w.write('out', Buffer.from(`line ${i}\n`));
      j.flush();
    }
    j.close();
    // keep = 0: every older file is gone, yet the position is known.
    const first = readFileSync(join(dir, 'web.log'), 'utf8').split('\n')[0]!;
    assert.match(first, /^\d+ k \d+ web\.out=0:\d+ ;$/);
    const total = Array.from({ length: 20 }, (_, i) => `line ${i}\n`).join('').length;
    assert.deepEqual(recoverSpoolPoints(dir, 'web'), new Map([['web.out', { gen: 0, off: total }]]));
  });

  test('no seal anywhere: nothing is known', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'web.log'), '1700000000000 o plain\n');
    assert.deepEqual(recoverSpoolPoints(dir, 'web'), new Map());
    assert.deepEqual(recoverSpoolPoints(dir, 'absent'), new Map());
  });
});
