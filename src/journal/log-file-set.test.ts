import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LogFileSet } from './log-file-set.js';

/** Descriptors of this process open on files in dir. */
function openIn(dir: string): number {
  let n = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`).startsWith(dir + '/')) n++;
    } catch {
      // closed meanwhile
    }
  }
  return n;
}

describe('LogFileSet', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hearth-logsets-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('many services writing at once hold a bounded number of files, and every record lands in order', () => {
    const sets = Array.from({ length: 600 }, (_, i) => new LogFileSet(dir, `s${i}`, { maxBytes: 1 << 20, keep: 1 }, () => undefined));
    let ts = Date.now();
    for (let round = 0; round < 3; round++) {
      for (const [i, set] of sets.entries()) {
        set.append({ ts: ts++, stream: 'out', payload: Buffer.from(`s${i} line ${round}`) });
        set.flush();
      }
      assert.ok(openIn(dir) <= 256, `${openIn(dir)} log files open`);
    }
    for (const set of sets) set.close();
    assert.equal(openIn(dir), 0);
    for (const i of [0, 299, 599]) {
      const lines = readFileSync(join(dir, `s${i}.log`), 'utf8').trim().split('\n');
      assert.deepEqual(lines.map((l) => l.replace(/^\d+ \S+ /, '')), [0, 1, 2].map((r) => `s${i} line ${r}`));
    }
  });
});
