/**
 * Temp dirs for tests, removed when the test process exits (node's runner
 * gives every test file a process of its own), so a suite run leaves nothing
 * behind in the machine's temp dir. Test support only: not part of the build.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const made: string[] = [];

export function testTempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  if (made.length === 0) {
    process.once('exit', () => {
      for (const d of made) rmSync(d, { recursive: true, force: true });
    });
  }
  made.push(dir);
  return dir;
}
