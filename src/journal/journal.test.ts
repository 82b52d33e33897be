import { test, describe, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync, readFileSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Journal, recordBytes, type JournalOptions, type LogRecord } from './index.js';

const dirs: string[] = [];
const journals: Journal[] = [];
afterEach(() => {
  for (const j of journals.splice(0)) j.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'hearth-journal-'));
  dirs.push(d);
  return d;
}

function journal(opts: Partial<JournalOptions> = {}): Journal {
  const j = new Journal({ dir: tempDir(), ...opts });
  journals.push(j);
  return j;
}

/** A clock the test moves by hand. */
function clock(start = 1_700_000_000_000) {
  const c = { t: start, now: () => c.t };
  return c;
}

async function until<T>(fn: () => T | undefined | false | Promise<T | undefined | false>, what: string, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Rebuilds a stream from its records: partial records join the next one without a newline. */
function rebuild(records: LogRecord[]): Buffer {
  const parts: Buffer[] = [];
  for (const r of records) {
    parts.push(recordBytes(r));
    if (!r.partial) parts.push(Buffer.from('\n'));
  }
  return Buffer.concat(parts);
}

describe('ServiceLogWriter and Journal.query', () => {
  test('lines written in chunks come back as timestamped records per stream', async () => {
    const c = clock();
    const j = journal({ now: c.now });
    const w = j.writer('web');
    w.write('out', Buffer.from('hello\nwor'));
    c.t += 5;
    w.write('err', Buffer.from('oops\n'));
    c.t += 5;
    w.write('out', Buffer.from('ld\n'));
    const recs = await j.query({ names: ['web'] });
    assert.deepEqual(
      recs.map((r) => [r.stream, r.text, r.ts - 1_700_000_000_000]),
      [
        ['out', 'hello', 0],
        ['err', 'oops', 5],
        ['out', 'world', 10],
      ],
    );
    assert.ok(recs.every((r) => r.service === 'web' && r.partial === undefined && r.b64 === undefined));
  });

  test('an unfinished line is written as partial when the service ends, and its fd is released', async () => {
    const j = journal();
    const w = j.writer('job');
    w.write('out', Buffer.from('done\nno newline'));
    w.end();
    const recs = await j.query({ names: ['job'] });
    assert.deepEqual(recs.map((r) => [r.text, r.partial ?? false]), [['done', false], ['no newline', true]]);
    // A restarted service writes through the same writer again.
    w.write('out', Buffer.from('again\n'));
    assert.deepEqual((await j.query({ names: ['job'] })).map((r) => r.text), ['done', 'no newline', 'again']);
  });

  test('a prompt without newline shows up after the idle time, and the rest of the line follows', async () => {
    const j = journal({ idleFlushMs: 30 });
    const w = j.writer('ask');
    w.write('out', Buffer.from('Password: '));
    assert.deepEqual(await j.query({ names: ['ask'] }), [], 'not flushed at once');
    const recs = await until(async () => {
      const r = await j.query({ names: ['ask'] });
      return r.length > 0 && r;
    }, 'idle flush');
    assert.deepEqual(recs.map((r) => [r.text, r.partial]), [['Password: ', true]]);
    w.write('out', Buffer.from('ok\n'));
    assert.deepEqual((await j.query({ names: ['ask'] })).map((r) => r.text), ['Password: ', 'ok']);
  });

  test('a 40 KiB line is stored as 16 KiB partial pieces and rebuilds exactly', async () => {
    const j = journal();
    const w = j.writer('big');
    const line = 'x'.repeat(40 * 1024);
    for (let i = 0; i < line.length; i += 1000) w.write('out', Buffer.from(line.slice(i, i + 1000)));
    w.write('out', Buffer.from('\nafter\n'));
    const recs = await j.query({ names: ['big'] });
    assert.deepEqual(recs.map((r) => [r.text.length, r.partial ?? false]), [[16384, true], [16384, true], [8192, false], [5, false]]);
    assert.equal(rebuild(recs).toString(), line + '\nafter\n');
  });

  test('random binary output round-trips byte for byte, whatever the chunking', async () => {
    const j = journal({ rotation: { maxBytes: 64 * 1024 * 1024, keep: 1 } });
    const w = j.writer('bin');
    const data = randomBytes(2 * 1024 * 1024);
    let off = 0;
    let n = 1;
    while (off < data.length) {
      const len = Math.min(data.length - off, (n = (n * 7919) % 65521) + 1);
      w.write('out', data.subarray(off, off + len));
      off += len;
    }
    w.end();
    const recs = await j.query({ names: ['bin'] });
    assert.ok(recs.some((r) => r.b64 !== undefined), 'non-UTF-8 lines carry b64');
    // The last record is partial (no trailing newline), so the rebuild has no extra LF.
    assert.ok(rebuild(recs).equals(data));
  });

  test('NUL, ESC sequences and invalid UTF-8 in one line are kept exactly', async () => {
    const j = journal();
    const bytes = Buffer.from([0x41, 0x00, 0x1b, 0x5b, 0x32, 0x4a, 0xc3, 0x28, 0x0d, 0x42]);
    j.writer('odd').write('err', Buffer.concat([bytes, Buffer.from('\n')]));
    const [r] = await j.query({ names: ['odd'] });
    assert.ok(r?.b64);
    assert.deepEqual(recordBytes(r), bytes);
  });

  test('hearthd events are journaled under "hearthd" with a priority, newlines and all', async () => {
    const j = journal();
    j.daemonLog('info', 'started');
    j.daemonLog('error', 'line one\nline two');
    const recs = await j.query({ names: ['hearthd'] });
    assert.deepEqual(recs.map((r) => [r.service, r.stream, r.priority, r.text]), [
      ['hearthd', 'hearth', 6, 'started'],
      ['hearthd', 'hearth', 3, 'line one\nline two'],
    ]);
    assert.deepEqual((await j.query({ priority: 4 })).map((r) => r.text), ['line one\nline two']);
  });
});

test('close() writes unfinished lines as partial and leaves nothing queued', async () => {
  const dir = tempDir();
  const j = new Journal({ dir, idleFlushMs: 10 });
  j.writer('c').write('out', Buffer.from('whole\nhalf'));
  j.daemonLog('info', 'bye');
  j.close();
  await new Promise((r) => setTimeout(r, 50)); // an idle timer firing now would append again
  assert.equal(readFileSync(join(dir, 'c.log'), 'utf8').replace(/^\d+ /gm, 'T '), 'T o whole\nT op half\n');
  assert.match(readFileSync(join(dir, 'hearthd.log'), 'utf8'), /^\d+ h6 bye\n$/);
});

describe('rotation', () => {
  test('files rotate by size, only keep of them stay, and a query reads across them in order', async () => {
    const j = journal({ rotation: { maxBytes: 4096, keep: 2 } });
    const w = j.writer('rot');
    for (let i = 0; i < 1000; i++) w.write('out', Buffer.from(`line ${i}\n`));
    w.end();
    const files = readdirSync(j.dir).sort();
    assert.deepEqual(files, ['rot.log', 'rot.log.1', 'rot.log.2']);
    for (const f of files) assert.ok(statSync(join(j.dir, f)).size <= 4096, `${f} stays under maxBytes`);
    const recs = await j.query({ names: ['rot'] });
    const nums = recs.map((r) => Number(r.text.split(' ')[1]));
    assert.equal(nums.at(-1), 999);
    assert.ok(nums.length > 300 && nums.length < 1000);
    nums.forEach((n, i) => assert.equal(n, nums[0]! + i, 'records are consecutive across files'));
    // last N across a file boundary
    const last = await j.query({ names: ['rot'], lines: 400 });
    assert.deepEqual(last.map((r) => r.text), recs.slice(-400).map((r) => r.text));
  });

  test('keep = 0 keeps only the current file', async () => {
    const j = journal({ rotation: { maxBytes: 1024, keep: 0 } });
    const w = j.writer('k0');
    for (let i = 0; i < 200; i++) w.write('out', Buffer.from(`line ${i}\n`));
    w.end();
    assert.deepEqual(readdirSync(j.dir), ['k0.log']);
    assert.equal((await j.query({ names: ['k0'], lines: 1 }))[0]?.text, 'line 199');
  });

  test('a service can have its own rotation settings', async () => {
    const j = journal({ rotation: { maxBytes: 1 << 20, keep: 5 } });
    const w = j.writer('small', { maxBytes: 512, keep: 1 });
    for (let i = 0; i < 100; i++) w.write('out', Buffer.from(`line ${i}\n`));
    w.end();
    assert.deepEqual(readdirSync(j.dir).sort(), ['small.log', 'small.log.1']);
  });

  test('a service whose own settings go back to the defaults on a reload is rotated by the defaults', () => {
    const j = journal({ rotation: { maxBytes: 1 << 20, keep: 5 } });
    const w = j.writer('svc', { maxBytes: 512, keep: 1 });
    // The reload's definition has no log settings of its own: an equal copy of the defaults.
    j.setRotation('svc', { maxBytes: 1 << 20, keep: 5 });
    for (let i = 0; i < 100; i++) w.write('out', Buffer.from(`line ${i}\n`));
    w.end();
    assert.deepEqual(readdirSync(j.dir).sort(), ['svc.log'], 'not rotated at 512 bytes any more');
  });

  test('output journaled before its service\'s settings are known is not rotated by the defaults meanwhile', () => {
    const j = journal({ rotation: { maxBytes: 512, keep: 1 } });
    j.awaitRotation('big');
    j.awaitRotation('gone');
    for (const name of ['big', 'gone']) {
      for (let i = 0; i < 100; i++) j.record(name, { stream: 'out', text: `early ${i}` });
    }
    j.flush();
    assert.deepEqual(readdirSync(j.dir).sort(), ['big.log', 'gone.log'], 'held: no rotation at 512 bytes');
    j.setRotation('big', { maxBytes: 1 << 20, keep: 5 });
    // No definition came for "gone": once they are all loaded, the defaults apply to it.
    j.rotationSettled();
    for (const name of ['big', 'gone']) {
      for (let i = 0; i < 100; i++) j.record(name, { stream: 'out', text: `later ${i}` });
    }
    j.flush();
    assert.deepEqual(readdirSync(j.dir).sort(), ['big.log', 'gone.log', 'gone.log.1']);
  });

  test('retention by age deletes rotated files not written for longer than maxAgeMs', async () => {
    const j = journal({ rotation: { maxBytes: 512, keep: 5, maxAgeMs: 3_600_000 } });
    const w = j.writer('old');
    for (let i = 0; i < 100; i++) w.write('out', Buffer.from(`line ${i}\n`));
    w.end();
    const before = readdirSync(j.dir).length;
    assert.ok(before >= 3);
    const twoHoursAgo = (Date.now() - 7_200_000) / 1000;
    utimesSync(join(j.dir, 'old.log.2'), twoHoursAgo, twoHoursAgo);
    j.prune();
    const after = readdirSync(j.dir);
    assert.ok(!after.includes('old.log.2'));
    assert.ok(after.includes('old.log.1') && after.includes('old.log'));
  });
});

describe('queries', () => {
  test('no names interleaves every service and hearthd by time, ties in a stable order', async () => {
    const c = clock(1000);
    const j = journal({ now: c.now });
    const a = j.writer('alpha');
    const b = j.writer('beta');
    a.write('out', Buffer.from('a1\n'));
    c.t = 1010;
    b.write('out', Buffer.from('b1\n'));
    j.daemonLog('info', 'h1');
    c.t = 1020;
    a.write('out', Buffer.from('a2\n'));
    b.write('out', Buffer.from('b2\n'));
    a.write('err', Buffer.from('a3\n'));
    c.t = 1030;
    b.write('out', Buffer.from('b3\n'));
    const recs = await j.query({});
    assert.deepEqual(recs.map((r) => r.text), ['a1', 'b1', 'h1', 'a2', 'a3', 'b2', 'b3']);
    assert.deepEqual((await j.query({ lines: 3 })).map((r) => r.text), ['a3', 'b2', 'b3']);
    // Ties between services keep the order the names were given in.
    assert.deepEqual((await j.query({ names: ['beta', 'alpha'] })).map((r) => r.text), ['a1', 'b1', 'b2', 'a2', 'a3', 'b3']);
    assert.deepEqual(await j.query({ names: ['nosuch'] }), []);
  });

  test('since, until, grep and lines combine on a multi-megabyte file as a full scan would', async () => {
    const c = clock(1_000_000);
    const j = journal({ now: c.now, rotation: { maxBytes: 3 * 1024 * 1024, keep: 3 } });
    const w = j.writer('big');
    const all: { ts: number; text: string }[] = [];
    for (let i = 0; i < 100_000; i++) {
      c.t = 1_000_000 + Math.floor(i / 3) * 7; // several records share a millisecond
      const text = `record ${i} ${i % 97 === 0 ? 'needle' : 'hay'} ${'.'.repeat(i % 50)}`;
      w.write(i % 5 === 0 ? 'err' : 'out', Buffer.from(text + '\n'));
      all.push({ ts: c.t, text });
    }
    w.end();
    assert.ok(readdirSync(j.dir).length >= 2, 'the data spans rotated files');
    const since = 1_000_000 + 33_333 * 7;
    const untilTs = 1_000_000 + 60_000 * 7;
    const expect = (f: (r: { ts: number; text: string }) => boolean) => all.filter(f).map((r) => r.text);

    assert.deepEqual((await j.query({ names: ['big'], since })).map((r) => r.text), expect((r) => r.ts >= since));
    assert.deepEqual((await j.query({ names: ['big'], until: untilTs })).map((r) => r.text), expect((r) => r.ts <= untilTs));
    assert.deepEqual(
      (await j.query({ names: ['big'], since, until: untilTs, grep: 'needle' })).map((r) => r.text),
      expect((r) => r.ts >= since && r.ts <= untilTs && r.text.includes('needle')),
    );
    assert.deepEqual((await j.query({ names: ['big'], lines: 10 })).map((r) => r.text), expect(() => true).slice(-10));
    assert.deepEqual((await j.query({ names: ['big'], lines: 5, grep: 'needle', until: untilTs })).map((r) => r.text), expect((r) => r.ts <= untilTs && r.text.includes('needle')).slice(-5));
    assert.deepEqual((await j.query({ names: ['big'], lines: 1_000_000, since })).length, expect((r) => r.ts >= since).length);
    assert.deepEqual(await j.query({ names: ['big'], since: 99_000_000 }), []);
    assert.deepEqual(await j.query({ names: ['big'], lines: 0 }), []);
  });

  test('grep matches text only, never the timestamp or flags', async () => {
    const c = clock(1234567);
    const j = journal({ now: c.now });
    j.writer('g').write('out', Buffer.from('abc\nback\\slash\nx 1234567 y\n'));
    j.daemonLog('warn', 'multi\nline');
    assert.deepEqual((await j.query({ grep: '1234567' })).map((r) => r.text), ['x 1234567 y']);
    assert.deepEqual((await j.query({ grep: 'o' })).map((r) => r.text), []);
    assert.deepEqual((await j.query({ grep: 'k\\s' })).map((r) => r.text), ['back\\slash']);
    assert.deepEqual((await j.query({ grep: 'i\nl' })).map((r) => r.text), ['multi\nline']);
    assert.deepEqual((await j.query({ grep: 'n' })).map((r) => r.text), ['multi\nline'], 'the escape \\n is not an "n"');
  });

  test('a torn last line from a crash is skipped and the clock never runs backwards in a file', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'svc.log'), '5000 o before crash\n5001 o torn wri');
    const c = clock(4000); // the wall clock stepped back
    const j = new Journal({ dir, now: c.now });
    journals.push(j);
    j.writer('svc').write('out', Buffer.from('after restart\n'));
    const recs = await j.query({ names: ['svc'] });
    assert.deepEqual(recs.map((r) => [r.ts, r.text]), [[5000, 'before crash'], [5001, 'torn wri'], [5001, 'after restart']]);
    assert.match(readFileSync(join(dir, 'svc.log'), 'utf8'), /torn wri\n5001 o after restart\n$/);
  });

  test('write failures are reported once through onError, never thrown at the writer', async () => {
    const file = join(tempDir(), 'not-a-dir');
    writeFileSync(file, '');
    const errors: Error[] = [];
    const j = new Journal({ dir: file, onError: (e) => errors.push(e) });
    journals.push(j);
    const w = j.writer('x');
    w.write('out', Buffer.from('a\nb\n'));
    w.end();
    assert.equal(errors.length, 1);
    assert.equal((errors[0] as Error & { code: string }).code, 'ERR_LOG_IO');
    assert.match(errors[0]!.message, /"x"/);
  });
});

describe('follow', () => {
  test('hands out new records of the named services as they are written, until unsubscribed', async () => {
    const j = journal();
    const got: LogRecord[] = [];
    const stop = j.follow({ names: ['a'] }, (r) => got.push(r));
    j.writer('a').write('out', Buffer.from('one\n'));
    j.writer('b').write('out', Buffer.from('other\n'));
    j.writer('a').write('err', Buffer.from('two\n'));
    await until(() => got.length >= 2, 'two records');
    assert.deepEqual(got.map((r) => [r.service, r.stream, r.text]), [['a', 'out', 'one'], ['a', 'err', 'two']]);
    stop();
    j.writer('a').write('out', Buffer.from('three\n'));
    j.flush();
    assert.equal(got.length, 2);
  });

  test('filters live records by grep and priority, and follows every service with no names', async () => {
    const j = journal();
    const got: string[] = [];
    j.follow({ grep: 'x' }, (r) => got.push(`${r.service}:${r.text}`));
    const warn: string[] = [];
    j.follow({ priority: 4 }, (r) => warn.push(r.text));
    j.writer('a').write('out', Buffer.from('ax\nay\n'));
    j.writer('b').write('out', Buffer.from('bx\n'));
    j.daemonLog('warn', 'x warned');
    j.daemonLog('info', 'x info');
    j.flush();
    assert.deepEqual(got, ['a:ax', 'b:bx', 'hearthd:x warned', 'hearthd:x info']);
    assert.deepEqual(warn, ['x warned']);
  });

  test('a follower that throws does not break the writers or other followers', async () => {
    const errors: Error[] = [];
    const j = journal({ onError: (e) => errors.push(e) });
    const got: string[] = [];
    j.follow({}, () => {
      throw new Error('client went away');
    });
    j.follow({}, (r) => got.push(r.text));
    j.writer('t').write('out', Buffer.from('one\ntwo\n'));
    j.flush();
    assert.deepEqual(got, ['one', 'two']);
    assert.deepEqual((await j.query({ names: ['t'] })).map((r) => r.text), ['one', 'two']);
    assert.ok(errors.length >= 1);
  });

  test('keeps following across rotations', async () => {
    const j = journal({ rotation: { maxBytes: 300, keep: 1 } });
    const got: string[] = [];
    j.follow({ names: ['r'] }, (r) => got.push(r.text));
    const w = j.writer('r');
    for (let i = 0; i < 100; i++) {
      w.write('out', Buffer.from(`line ${i}\n`));
      if (i % 10 === 0) await new Promise((r) => setImmediate(r));
    }
    await until(() => got.length === 100, '100 records');
    assert.deepEqual(got, Array.from({ length: 100 }, (_, i) => `line ${i}`));
    assert.ok(readdirSync(j.dir).includes('r.log.1'), 'the files did rotate');
  });

  test('with replay, history then live records arrive with no gap and nothing twice under steady output', async () => {
    const j = journal({ rotation: { maxBytes: 8192, keep: 50 } });
    const w = j.writer('busy');
    let n = 0;
    let running = true;
    const pump = async () => {
      while (running) {
        w.write('out', Buffer.from(`${n++}\n${n++}\n`));
        await new Promise((r) => setImmediate(r));
      }
    };
    const pumping = pump();
    await until(() => n > 2000, 'some history');
    const got: number[] = [];
    const stop = j.follow({ names: ['busy'], lines: 50 }, (r) => got.push(Number(r.text)), { replay: true });
    await until(() => n > 6000, 'more output');
    running = false;
    await pumping;
    j.flush();
    await until(() => got.at(-1) === n - 1, 'the last record');
    stop();
    assert.ok(got[0]! > 0, 'history is the last lines, not everything');
    got.forEach((v, i) => assert.equal(v, got[0]! + i, `record ${i} follows without gap or duplicate`));
  });

  test('replay with since but no lines returns the whole range then live records', async () => {
    const c = clock(1000);
    const j = journal({ now: c.now });
    const w = j.writer('s');
    for (let i = 0; i < 10; i++) {
      c.t = 1000 + i;
      w.write('out', Buffer.from(`${i}\n`));
    }
    const got: string[] = [];
    j.follow({ names: ['s'], since: 1005 }, (r) => got.push(r.text), { replay: true });
    w.write('out', Buffer.from('live\n'));
    await until(() => got.length === 6, 'history and live');
    assert.deepEqual(got, ['5', '6', '7', '8', '9', 'live']);
  });
});
