/**
 * The loader's diagnostics against the real thing: the same unit files go
 * through `systemd-analyze verify` (Debian's systemd 252, no PID 1 needed)
 * and through hearth; every warning and error systemd prints about a line
 * of these files, and every load-time refusal, must come out of hearth with
 * the same file, line and words, and hearth must print nothing systemd does
 * not. (systemd's runtime checks, such as missing executables, are left out.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CRAFTED_UNITS } from './helpers/crafted-units.js';
import { compareLines, hearthLines, verifyLines, verifyMissing } from './helpers/verify.js';

test('diagnostics for crafted units match systemd-analyze verify, line for line', { skip: verifyMissing }, (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-verify-'));
  try {
    for (const [name, text] of Object.entries(CRAFTED_UNITS)) {
      fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
      fs.writeFileSync(path.join(dir, name), text);
    }
    const units = Object.keys(CRAFTED_UNITS).filter((n) => !n.includes('/'));
    // Deduplicated: systemd repeats a drop-in's lines for every unit it applies to, including units it pulls in itself.
    const systemd = verifyLines(dir, units);
    assert.deepEqual(compareLines(hearthLines(dir, units), systemd), { onlyHearth: [], onlySystemd: [] });
    assert.ok(systemd.length > 80, `${systemd.length} lines compared`);
    t.diagnostic(`${units.length} units, ${systemd.length} diagnostics identical`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
