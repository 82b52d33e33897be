import { isIP } from 'node:net';
import type { AddressPattern } from '../model/index.js';

/**
 * Parses one only_from / no_access word the way xinetd.conf(5) defines it:
 *   10.0.0.1            one host
 *   128.138.12.0        trailing zero components are wildcards (= /24); 0.0.0.0 is everyone
 *   128.138.{12,13}     factorized: one network per value (here two /24s)
 *   10.0.0.0/8, ::1, fe80::/10   CIDR, IPv6
 *   host.example.com    a host name (resolved when the service is applied)
 *   .example.com        every host whose reverse name ends in the domain
 * Returns the patterns, or a message saying what is wrong with the word.
 */
export function parseAddressPattern(word: string): AddressPattern[] | string {
  if (word.includes(',') && !word.includes('{')) return `address "${word}" has a comma in it; separate addresses with spaces`;
  const brace = word.indexOf('{');
  if (brace >= 0) {
    if (!word.endsWith('}')) return `factorized address "${word}" must end with "}"`;
    const head = word.slice(0, brace);
    if (!/^(\d{1,3}\.){1,3}$/.test(head)) return `factorized address "${word}" must look like 10.0.{1,2}`;
    const out: AddressPattern[] = [];
    for (const part of word.slice(brace + 1, -1).split(',')) {
      const p = part.trim();
      if (!/^\d{1,3}$/.test(p)) return `factorized address "${word}" has a bad component "${p}"`;
      const parts = [...head.slice(0, -1).split('.'), p];
      const r = ipv4Net(word, parts, parts.length * 8);
      if (typeof r === 'string') return r;
      out.push(r);
    }
    return out;
  }
  const slash = word.indexOf('/');
  if (slash >= 0) {
    const addr = word.slice(0, slash);
    const bitsText = word.slice(slash + 1);
    const family = isIP(addr);
    if (family === 0 || !/^\d{1,3}$/.test(bitsText)) return `bad address/netmask "${word}"`;
    const bits = Number(bitsText);
    if (bits > (family === 4 ? 32 : 128)) return `netmask /${bits} is too long in "${word}"`;
    if (family === 4) return [{ kind: 'net', text: word, family: 4, address: addr, prefix: bits }];
    return [{ kind: 'net', text: word, family: 6, address: addr, prefix: bits }];
  }
  const family = isIP(word);
  if (family === 4) {
    const parts = word.split('.');
    // xinetd: rightmost zero components are wildcards.
    let n = 4;
    while (n > 0 && Number(parts[n - 1]) === 0) n--;
    return [{ kind: 'net', text: word, family: 4, address: word, prefix: n * 8 }];
  }
  if (family === 6) return [{ kind: 'net', text: word, family: 6, address: word, prefix: 128 }];
  if (/^\d+(\.\d+)*$/.test(word)) return `bad address "${word}"`;
  if (!/^\.?[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*\.?$/.test(word)) return `bad host name "${word}"`;
  if (word.startsWith('.')) return [{ kind: 'domain', text: word, suffix: word.toLowerCase() }];
  return [{ kind: 'host', text: word, name: word.toLowerCase() }];
}

function ipv4Net(word: string, parts: string[], prefix: number): AddressPattern | string {
  if (parts.some((p) => Number(p) > 255)) return `bad address "${word}"`;
  while (parts.length < 4) parts.push('0');
  return { kind: 'net', text: word, family: 4, address: parts.join('.'), prefix };
}

/** Parses a whole list; the first bad word is reported. */
export function parseAddressList(words: string[]): AddressPattern[] | string {
  const out: AddressPattern[] = [];
  for (const w of words) {
    const r = parseAddressPattern(w);
    if (typeof r === 'string') return r;
    out.push(...r);
  }
  return out;
}
