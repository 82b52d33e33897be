import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, symlinkSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Journal } from '../../src/journal/index.js';
import type { HearthError } from '../../src/errors/index.js';
import { tempDir } from '../helpers/index.js';

/**
 * Hole 5, second half: a symlink planted as NAME.log redirected root's log
 * writes to any file. The journal opens its files with O_NOFOLLOW: the write
 * is refused and reported, and the link's target is untouched.
 */
describe('security: log files are never opened through a symlink', () => {
  test('a planted NAME.log symlink neither receives the records nor leaks its target to readers', async () => {
    const dir = tempDir('hearth-link-');
    try {
      const logDir = join(dir.path, 'log');
      mkdirSync(logDir);
      const target = join(dir.path, 'shadow');
      writeFileSync(target, 'root:secret-hash:19000:0:99999:7:::\n');
      symlinkSync(target, join(logDir, 'victim.log'));
      const errors: HearthError[] = [];
      const journal = new Journal({ dir: logDir, onError: (e) => errors.push(e) });
      journal.writer('victim').write('out', 'attacker-controlled line\n');
      journal.flush();
      assert.equal(readFileSync(target, 'utf8'), 'root:secret-hash:19000:0:99999:7:::\n', 'the target is untouched');
      assert.equal(errors.length, 1);
      assert.match(errors[0]!.message, /symbolic link/);
      const read = await journal.query({ names: ['victim'] });
      assert.ok(!read.some((r) => r.text.includes('secret-hash')), 'readers do not follow the link either');
      journal.close();
    } finally {
      dir.cleanup();
    }
  });
});
