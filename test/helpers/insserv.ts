/**
 * Debian's real insserv as an oracle, run on a private tree so it never
 * touches the host's /etc: ROOT/etc/init.d holds the scripts, `-p` points
 * insserv there (it then writes ROOT/etc/rcN.d), `-c` at our insserv.conf
 * (it also reads insserv.conf.d beside it), `-o` at an empty overrides dir,
 * `-i` at a private dir for the .depend.* files startpar would read.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface InsservResult {
  /** rcN.d entries: level ("S", "0"…"6") → name → { kind, number }. */
  links: Record<string, Map<string, { kind: 'S' | 'K'; number: number }>>;
  /** `target: deps` of .depend.boot / .start / .stop: [dep, target] pairs. */
  depend: { boot: Array<[string, string]>; start: Array<[string, string]>; stop: Array<[string, string]> };
  stderr: string;
}

export const INSSERV = fs.existsSync('/sbin/insserv') ? '/sbin/insserv' : '/usr/sbin/insserv';

/** Runs insserv on every script of ROOT/etc/init.d, enabling each in its default levels. */
export function runInsserv(root: string): InsservResult {
  const etc = path.join(root, 'etc');
  const initd = path.join(etc, 'init.d');
  for (const l of ['S', '0', '1', '2', '3', '4', '5', '6']) fs.mkdirSync(path.join(etc, `rc${l}.d`), { recursive: true });
  const dep = path.join(root, 'depend');
  const overrides = path.join(root, 'overrides');
  fs.mkdirSync(dep, { recursive: true });
  fs.mkdirSync(overrides, { recursive: true });
  const names = fs.readdirSync(initd).sort();
  let stderr = '';
  try {
    execFileSync(INSSERV, ['-i', dep, '-o', overrides, '-p', initd, '-c', path.join(etc, 'insserv.conf'), ...names], {
      cwd: initd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (e) {
    stderr = String((e as { stderr?: string }).stderr ?? e);
    throw new Error(`insserv failed: ${stderr}`);
  }
  const links: InsservResult['links'] = {};
  for (const l of ['S', '0', '1', '2', '3', '4', '5', '6']) {
    const m = new Map<string, { kind: 'S' | 'K'; number: number }>();
    for (const e of fs.readdirSync(path.join(etc, `rc${l}.d`))) {
      const x = /^([SK])(\d\d)(.+)$/.exec(e);
      if (x) m.set(x[3]!, { kind: x[1] as 'S' | 'K', number: Number(x[2]) });
    }
    links[l] = m;
  }
  const read = (file: string): Array<[string, string]> => {
    const out: Array<[string, string]> = [];
    for (const line of fs.readFileSync(path.join(dep, file), 'utf8').split('\n')) {
      const m = /^([^:=\s]+):(.*)$/.exec(line);
      if (!m) continue;
      for (const d of m[2]!.trim().split(/\s+/).filter(Boolean)) out.push([d, m[1]!]);
    }
    return out;
  };
  return { links, depend: { boot: read('.depend.boot'), start: read('.depend.start'), stop: read('.depend.stop') }, stderr };
}
