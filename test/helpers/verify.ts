/**
 * Runs `systemd-analyze verify` on unit files and keeps the lines about
 * their contents, and renders hearth's diagnostics for the same units the
 * same way, so the two can be compared line for line.
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { formatDiagnostic, UnitLoader } from '../../src/systemd/index.js';

export const verifyMissing = spawnSync('systemd-analyze', ['--version']).status === 0 ? false : 'systemd-analyze not installed (CI installs the systemd package)';

/** Everything systemd-analyze verify printed for these files. */
export function verifyRaw(dir: string, units: readonly string[]): string[] {
  const r = spawnSync('systemd-analyze', ['verify', '--man=no', '--generators=no', ...units.map((u) => path.join(dir, u))], {
    encoding: 'utf8', cwd: dir, env: { PATH: process.env['PATH'], SYSTEMD_LOG_COLOR: '0', LC_ALL: 'C' }, maxBuffer: 64 * 1024 * 1024,
  });
  return `${r.stdout}\n${r.stderr}`.split('\n');
}

/** systemd's lines about these files (runtime checks such as missing executables left out), deduplicated. */
export function verifyLines(dir: string, units: readonly string[], raw = verifyRaw(dir, units)): string[] {
  const mine = (l: string) => l.startsWith(`${dir}/`) || (units.some((u) => l.startsWith(`${u}: `)) && (l.endsWith('Refusing.') || l.endsWith('unit will not be started.')));
  return [...new Set(raw.filter(mine))];
}

/** hearth's warnings and errors for the same units, as systemd would print them, deduplicated. */
export function hearthLines(dir: string, units: readonly string[]): string[] {
  const loader = new UnitLoader({ searchPath: [dir] });
  return [...new Set(units.flatMap((u) => loader.load(u).diagnostics.filter((d) => d.severity !== 'info' && d.kind !== 'not-enforced').map(formatDiagnostic)))];
}

/** Lines only one side printed; both empty when they agree. */
export function compareLines(hearth: readonly string[], systemd: readonly string[]) {
  return { onlyHearth: hearth.filter((l) => !systemd.includes(l)), onlySystemd: systemd.filter((l) => !hearth.includes(l)) };
}
