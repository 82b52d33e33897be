import { test, describe, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Journal, renderLine } from './index.js';
import { levelPrefix } from './service-log-writer.js';

const cleanup: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanup.splice(0)) c();
});

function journal(options: { maxLineBytes?: number } = {}): Journal {
  const dir = mkdtempSync(join(tmpdir(), 'hearth-prio-'));
  const j = new Journal({ dir, ...options });
  cleanup.push(() => {
    j.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return j;
}

describe('priorities of service output, as journald files them', () => {
  test('levelPrefix reads <0> to <7> at the start of a line and nothing else', () => {
    assert.equal(levelPrefix(Buffer.from('<3>disk failed')), 3);
    assert.equal(levelPrefix(Buffer.from('<0>')), 0);
    assert.equal(levelPrefix(Buffer.from('<7>x')), 7);
    for (const no of ['<8>x', '<a>x', '<12>x', ' <3>x', '<3', '', 'plain']) assert.equal(levelPrefix(Buffer.from(no)), undefined, no);
  });

  test('a <N> prefix is stripped and kept as the priority, on stdout and stderr alike', async () => {
    const j = journal();
    const w = j.writer('svc');
    w.write('out', '<4>low disk\nplain out\n');
    w.write('err', '<6>just info\nplain err\n<3>broken\n');
    const recs = await j.query({ names: ['svc'] });
    assert.deepEqual(recs.map((r) => [r.stream, r.text, r.priority]), [
      ['out', 'low disk', 4],
      ['out', 'plain out', undefined],
      ['err', 'just info', 6],
      ['err', 'plain err', undefined],
      ['err', 'broken', 3],
    ]);
  });

  test('-p err shows stderr lines without a prefix, and prefixed lines by their own priority', async () => {
    const j = journal();
    const w = j.writer('svc');
    w.write('out', 'hello\n<2>critical on stdout\n');
    w.write('err', 'oops\n<5>notice on stderr\n');
    assert.deepEqual((await j.query({ names: ['svc'], priority: 3 })).map((r) => r.text), ['critical on stdout', 'oops']);
    assert.deepEqual((await j.query({ names: ['svc'], priority: 5 })).map((r) => r.text), ['critical on stdout', 'oops', 'notice on stderr']);
    const live: string[] = [];
    const stop = j.follow({ names: ['svc'], priority: 3 }, (r) => live.push(r.text));
    w.write('err', 'live error\n');
    w.write('out', 'live info\n');
    j.flush();
    stop();
    assert.deepEqual(live, ['live error']);
  });

  test('the prefix of a long line gives its priority to every piece, and a prefix-like text mid-line is text', async () => {
    const j = journal({ maxLineBytes: 8 });
    const w = j.writer('svc');
    w.write('out', '<2>abcdefghijklmnop\n');
    w.write('out', 'xy<3>z\n');
    const recs = await j.query({ names: ['svc'] });
    assert.deepEqual(recs.map((r) => [r.text, r.priority, r.partial ?? false]), [
      ['abcde', 2, true],
      ['fghijklm', 2, true],
      ['nop', 2, false],
      ['xy<3>z', undefined, false],
    ]);
  });

  test('a line held back (a prompt) keeps its prefix when its newline comes later', async () => {
    const j = journal();
    const w = j.writer('svc');
    w.write('err', '<1>alert: ');
    w.flushHeld();
    w.write('err', 'more\n');
    const recs = await j.query({ names: ['svc'] });
    assert.deepEqual(recs.map((r) => [r.text, r.priority]), [['alert: ', 1], ['more', 1]]);
  });

  test('renderLine colours by the effective priority: stderr red, <4> yellow, plain stdout uncoloured', () => {
    const base = { ts: 0, service: 'svc' };
    assert.match(renderLine({ ...base, stream: 'err', text: 'e' }, { color: true, time: false }), /\x1b\[31me\x1b\[0m/);
    assert.match(renderLine({ ...base, stream: 'err', text: 'w', priority: 4 }, { color: true, time: false }), /\x1b\[33mw\x1b\[0m/);
    assert.match(renderLine({ ...base, stream: 'err', text: 'i', priority: 6 }, { color: true, time: false }), /\[err\]:\x1b\[0m i$/);
    assert.equal(renderLine({ ...base, stream: 'out', text: 'o' }, { color: true, time: false }), 'o');
  });
});

describe('an unfinished line while the journal holds the output (on_log_full = "block")', () => {
  test('is not written as a partial record while paused, since its rest waits unread in the pipe', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const dir = mkdtempSync(join(tmpdir(), 'hearth-hold-'));
    const j = new Journal({ dir, idleFlushMs: 100 });
    cleanup.push(() => {
      j.close();
      rmSync(dir, { recursive: true, force: true });
    });
    const w = j.writer('svc');
    let paused = false;
    w.attach({ pause: () => (paused = true), resume: () => (paused = false) });
    w.write('out', 'n=1\nn=');
    w.pauseProducer();
    assert.ok(paused);
    t.mock.timers.tick(1000);
    assert.deepEqual((await j.query({ names: ['svc'] })).map((r) => [r.text, r.partial ?? false]), [['n=1', false]], 'the held "n=" is not cut off');
    w.resumeProducer();
    assert.ok(!paused);
    w.write('out', '2\n');
    assert.deepEqual((await j.query({ names: ['svc'] })).map((r) => [r.text, r.partial ?? false]), [['n=1', false], ['n=2', false]]);
    // A real prompt after resuming is still flushed on idle.
    w.write('out', 'password: ');
    t.mock.timers.tick(100);
    assert.deepEqual((await j.query({ names: ['svc'] })).map((r) => [r.text, r.partial ?? false]).at(-1), ['password: ', true]);
  });
});
