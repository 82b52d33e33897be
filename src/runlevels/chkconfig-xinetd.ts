/**
 * chkconfig's "xinetd based services": one entry per *file* in xinetd.d, as
 * chkconfig reads them (leveldb.c, readXinetdServiceInfo): the name is the
 * file name, the state is the file's last `disable` line (on unless its value
 * starts with "yes"; on when there is none). Debian ships files holding two
 * services (echo: echo-stream and echo-dgram); they are one entry, and on/off
 * rewrites every `disable` line of the file, as chkconfig does.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { HearthError } from '../errors/index.js';
import { setXinetdDisable, xinetdDefaultOn } from '../config/index.js';
import { writeFileAtomicSync } from '../state/index.js';
import type { ChkconfigXinetdService } from './chkconfig-run.js';

/** The names chkconfig skips in xinetd.d: dotfiles, .rpmsave/.rpmnew/.rpmorig/.swp, and names ending in "~" or ",". */
export function isSkippedXinetdFile(name: string): boolean {
  return name.startsWith('.') || /\.(rpmsave|rpmnew|rpmorig|swp)$/.test(name) || name.endsWith('~') || name.endsWith(',');
}

/** chkconfig's on/off for one xinetd.d file's text. */
export function xinetdFileOn(text: string): boolean {
  let on = true;
  for (const raw of text.split('\n')) {
    if (raw.trimStart().startsWith('#')) continue;
    const t = raw.trimStart();
    if (!t.startsWith('disable')) continue;
    const eq = t.indexOf('=');
    if (eq < 0) continue;
    on = !t.slice(eq + 1).trimStart().startsWith('yes');
  }
  return on;
}

/** Every file of an xinetd.d directory as chkconfig lists it; a missing directory is none. */
export function listXinetdFiles(dir: string): ChkconfigXinetdService[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir).sort();
  } catch {
    return [];
  }
  const out: ChkconfigXinetdService[] = [];
  for (const name of names) {
    if (isSkippedXinetdFile(name)) continue;
    const file = path.join(dir, name);
    try {
      if (!fs.statSync(file).isFile()) continue;
      const text = fs.readFileSync(file, 'utf8');
      const defaultOn = xinetdDefaultOn(text);
      out.push({ name, on: xinetdFileOn(text), ...(defaultOn !== undefined ? { defaultOn } : {}) });
    } catch {
      // unreadable: chkconfig leaves it out too
    }
  }
  return out;
}

/** `chkconfig NAME on|off` for an xinetd.d file: every service block of the file gets the new `disable` value. */
export function setXinetdFile(dir: string, name: string, on: boolean): void {
  if (name.includes('/') || isSkippedXinetdFile(name)) throw new HearthError('ERR_BAD_REQUEST', `"${name}" is not an xinetd.d file name`);
  const file = path.join(dir, name);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new HearthError('ERR_CONFIG_IO', `cannot read "${file}": ${(e as Error).message}`, { file });
  }
  writeFileAtomicSync(file, setXinetdDisable(text, on));
}
