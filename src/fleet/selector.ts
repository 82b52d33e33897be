/**
 * Label selectors: which hosts a bundle is for. "role=web" or
 * "role=web,dc=fra1" (every pair must match), "host=web1" for one host (every
 * host carries its name as the label "host"), "*" for every host.
 */
import { HearthError } from '../errors/index.js';
import { FLEET_NAME, HOST_LABEL } from '../config/index.js';

export type Selector = { all: true } | { all: false; match: Record<string, string> };

export function parseSelector(text: string): Selector {
  const s = text.trim();
  if (s === '*') return { all: true };
  const match: Record<string, string> = {};
  for (const part of s.split(',')) {
    const m = /^\s*([^=\s]+)\s*=\s*([^=\s]*)\s*$/.exec(part);
    if (!m || !FLEET_NAME.test(m[1]!) || !/^[A-Za-z0-9._-]{0,63}$/.test(m[2]!)) {
      throw new HearthError('ERR_USAGE', `selector ${JSON.stringify(text)} is not KEY=VALUE[,KEY=VALUE…] or "*"`, { hint: 'for example --selector role=web or --selector host=web1' });
    }
    if (m[1]! in match && match[m[1]!] !== m[2]) throw new HearthError('ERR_USAGE', `selector ${JSON.stringify(text)} asks for two values of "${m[1]}"`);
    match[m[1]!] = m[2]!;
  }
  return { all: false, match };
}

/** The one spelling of a selector: pairs sorted, so equal selectors compare equal. */
export function formatSelector(sel: Selector): string {
  if (sel.all) return '*';
  return Object.keys(sel.match)
    .sort()
    .map((k) => `${k}=${sel.match[k]}`)
    .join(',');
}

export function matchesHost(sel: Selector, host: string, labels: Readonly<Record<string, string>>): boolean {
  if (sel.all) return true;
  return Object.entries(sel.match).every(([k, v]) => (k === HOST_LABEL ? host === v : labels[k] === v));
}

/** A selector that names one host wins over label selectors when two bundles write the same file. */
export function isHostSelector(sel: Selector): boolean {
  return !sel.all && HOST_LABEL in sel.match;
}
