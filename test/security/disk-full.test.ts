import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Journal, type LogRecord } from '../../src/journal/index.js';
import type { HearthError } from '../../src/errors/index.js';
import { eventually, tempDir } from '../helpers/index.js';

/**
 * Hole 10: with the log dir on a full filesystem, lines were lost without a
 * word and a torn record was spliced into the next one. Now: no record is ever
 * torn, the journal says it is degraded while it lasts, and when space returns
 * each service's log holds one gap record saying what was dropped and when.
 * The filesystem is a 256 KiB tmpfs mounted for the test.
 */
describe('security: a full log filesystem', () => {
  let dir: { path: string; cleanup(): void };
  let mnt = '';
  before(() => {
    dir = tempDir('hearth-full-');
    mnt = join(dir.path, 'mnt');
    mkdirSync(mnt);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k,mode=0755', 'tmpfs', mnt]);
  });
  after(() => {
    if (mnt) execFileSync('umount', ['-l', mnt]);
    dir.cleanup();
  });

  const line = (service: string, n: number): string => `${service}-${String(n).padStart(6, '0')}-`.padEnd(150, 'x');
  const LINE = /^(alpha|beta|careful)-(\d{6})-x+$/;

  /** Fills the rest of the filesystem with a file that can be deleted to make room. */
  function fill(name: string): string {
    const path = join(mnt, name);
    try {
      writeFileSync(path, Buffer.alloc(1024 * 1024));
    } catch {
      // ENOSPC: the part that fit stays, which is the point
    }
    return path;
  }

  test('records are dropped whole, the journal is degraded meanwhile, and one gap record per service tells', async () => {
    const logDir = join(mnt, 'log-a');
    const errors: HearthError[] = [];
    const journal = new Journal({ dir: logDir, onError: (e) => errors.push(e), retryMs: 20 });
    const alpha = journal.writer('alpha');
    const beta = journal.writer('beta');
    let n = 0;
    for (; n < 50; n++) {
      alpha.write('out', `${line('alpha', n)}\n`);
      beta.write('out', `${line('beta', n)}\n`);
    }
    journal.flush();
    const filler = fill('filler-a');
    for (let k = 0; k < 200; k++, n++) {
      alpha.write('out', `${line('alpha', n)}\n`);
      beta.write('out', `${line('beta', n)}\n`);
      if (k % 7 === 0) journal.flush();
    }
    journal.flush();
    assert.ok(errors.some((e) => e.code === 'ERR_LOG_FULL'), `the full disk is reported as such: ${errors.map(String).join('; ')}`);
    const health = journal.health();
    assert.equal(health.degraded, true);
    assert.deepEqual(health.services.map((s) => s.service).sort(), ['alpha', 'beta']);
    rmSync(filler);
    for (let k = 0; k < 20; k++, n++) {
      alpha.write('out', `${line('alpha', n)}\n`);
      beta.write('out', `${line('beta', n)}\n`);
    }
    await eventually(() => !journal.health().degraded, 5_000, 'logging to recover');
    for (const service of ['alpha', 'beta']) {
      const records = await journal.query({ names: [service] });
      const kept: number[] = [];
      const gaps: LogRecord[] = [];
      for (const r of records) {
        if (r.gap) {
          gaps.push(r);
          continue;
        }
        const m = LINE.exec(r.text);
        assert.ok(m && m[1] === service, `${service}: a whole record of its own, got ${JSON.stringify(r.text.slice(0, 200))}`);
        kept.push(Number(m[2]));
      }
      assert.deepEqual([...kept].sort((a, b) => a - b), kept, `${service}: records in order`);
      assert.equal(gaps.length, 1, `${service}: one gap record`);
      const dropped = n - kept.length;
      assert.ok(dropped > 0);
      assert.match(gaps[0]!.text, new RegExp(`\\b${dropped} records? \\(\\d+ bytes\\) dropped`), gaps[0]!.text);
      assert.match(gaps[0]!.text, /no space left/);
      const raw = readFileSync(join(logDir, `${service}.log`), 'latin1');
      assert.ok(raw.endsWith('\n'));
      for (const l of raw.slice(0, -1).split('\n')) assert.match(l, /^\d+ [a-z0-9]+ /, `every line of the file is a record: ${l.slice(0, 80)}`);
    }
    journal.close();
  });

  test('on_log_full = "block": the producer is paused, nothing is dropped, and it resumes when space returns', async () => {
    const logDir = join(mnt, 'log-b');
    const journal = new Journal({ dir: logDir, onError: () => undefined, retryMs: 20 });
    journal.setOnLogFull('careful', 'block');
    const careful = journal.writer('careful');
    const flow: string[] = [];
    careful.attach({ pause: () => flow.push('pause'), resume: () => flow.push('resume') });
    let n = 0;
    for (; n < 20; n++) careful.write('out', `${line('careful', n)}\n`);
    journal.flush();
    const filler = fill('filler-b');
    for (let k = 0; k < 100; k++, n++) careful.write('out', `${line('careful', n)}\n`);
    journal.flush();
    assert.deepEqual(flow, ['pause']);
    assert.equal(journal.health().degraded, true);
    rmSync(filler);
    await eventually(() => flow.length === 2, 5_000, 'the producer to be resumed');
    assert.deepEqual(flow, ['pause', 'resume']);
    const records = await journal.query({ names: ['careful'] });
    assert.equal(records.filter((r) => r.gap).length, 0, 'nothing was dropped');
    assert.deepEqual(
      records.map((r) => Number(LINE.exec(r.text)?.[2])),
      Array.from({ length: n }, (_, i) => i),
    );
    journal.close();
  });
});
