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
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { formatDiagnostic, UnitLoader } from '../src/systemd/index.js';
import { CRAFTED_UNITS } from './helpers/crafted-units.js';

const missing = spawnSync('systemd-analyze', ['--version']).status === 0 ? false : 'systemd-analyze not installed (CI installs the systemd package)';

/** The lines of systemd's output that are about these files' contents. */
export function verifyLines(dir: string, units: readonly string[]): string[] {
  const r = spawnSync('systemd-analyze', ['verify', '--man=no', '--generators=no', ...units.map((u) => path.join(dir, u))], {
    encoding: 'utf8', cwd: dir, env: { PATH: process.env['PATH'], SYSTEMD_LOG_COLOR: '0', LC_ALL: 'C' },
  });
  const out = `${r.stdout}\n${r.stderr}`.split('\n');
  return out.filter((l) => l.startsWith(`${dir}/`) || (units.some((u) => l.startsWith(`${u}: `)) && (l.endsWith('Refusing.') || l.endsWith('unit will not be started.'))));
}

export function hearthLines(dir: string, units: readonly string[]): string[] {
  const loader = new UnitLoader({ searchPath: [dir] });
  return units.flatMap((u) => loader.load(u).diagnostics.filter((d) => d.severity !== 'info' && d.kind !== 'not-enforced').map(formatDiagnostic));
}

test('diagnostics for crafted units match systemd-analyze verify, line for line', { skip: missing }, (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-verify-'));
  try {
    for (const [name, text] of Object.entries(CRAFTED_UNITS)) {
      fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
      fs.writeFileSync(path.join(dir, name), text);
    }
    const units = Object.keys(CRAFTED_UNITS).filter((n) => !n.includes('/'));
    // Sets: systemd repeats a drop-in's lines for every unit it applies to, including units it pulls in itself.
    const systemd = [...new Set(verifyLines(dir, units))];
    const hearth = [...new Set(hearthLines(dir, units))];
    assert.deepEqual({ onlyHearth: hearth.filter((l) => !systemd.includes(l)), onlySystemd: systemd.filter((l) => !hearth.includes(l)) }, { onlyHearth: [], onlySystemd: [] });
    assert.ok(systemd.length > 80, `${systemd.length} lines compared`);
    t.diagnostic(`${units.length} units, ${systemd.length} diagnostics identical`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
