/**
 * hearth-watch's start: a helper that cannot watch its dir says why, and the
 * reason reaches the caller every time. Its "unwatched" line and its exit
 * arrive on different pipes; waiting for the exit alone lost the reason about
 * one start in ten to forty ("hearth-watch: exited 1"), so this starts it many times.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DirWatchHelper } from './dir-watch.js';
import { nativeHelperPath } from './helper-path.js';

const HELPER = nativeHelperPath('hearth-watch');

test('a dir it cannot watch is refused with the reason, start after start', { skip: HELPER ? false : 'native/build/hearth-watch is not built (no C compiler?)' }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hearth-watch-refused-'));
  try {
    const notADir = join(dir, 'services');
    writeFileSync(notADir, 'a file, not a dir\n');
    const answers = new Map<string, number>();
    for (let i = 0; i < 200; i++) {
      const answer = await DirWatchHelper.start(notADir, HELPER!).then(
        (h) => (h.stop(), 'started'),
        (e: Error) => e.message,
      );
      answers.set(answer, (answers.get(answer) ?? 0) + 1);
    }
    assert.deepEqual([...answers], [[`cannot watch "${notADir}": Not a directory`, 200]]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
