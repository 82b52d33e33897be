import { isIP } from 'node:net';
import type { AddressPattern, TimeInterval } from '../model/index.js';

/**
 * only_from / no_access, compiled once per apply. Every address lives in the
 * IPv6 space (IPv4 as ::ffff:a.b.c.d), so one prefix compare serves both
 * families and an IPv4 rule matches a v4-mapped client, as in xinetd.
 */
interface NetRule {
  bytes: Uint8Array;
  /** Prefix length in the IPv6 space: how specific the rule is. */
  bits: number;
}

export interface CompiledList {
  nets: NetRule[];
  domains: string[];
}

export function toBytes(address: string): Uint8Array | undefined {
  let a = address;
  const pct = a.indexOf('%');
  if (pct >= 0) a = a.slice(0, pct);
  const fam = isIP(a);
  const out = new Uint8Array(16);
  if (fam === 4) {
    out[10] = 0xff;
    out[11] = 0xff;
    const p = a.split('.');
    for (let i = 0; i < 4; i++) out[12 + i] = Number(p[i]);
    return out;
  }
  if (fam !== 6) return undefined;
  // Expand "::" and an embedded dotted quad.
  let tail: number[] = [];
  const lastColon = a.lastIndexOf(':');
  if (a.slice(lastColon + 1).includes('.')) {
    tail = a.slice(lastColon + 1).split('.').map(Number);
    a = `${a.slice(0, lastColon + 1)}0:0`;
  }
  const [head, rest] = a.includes('::') ? a.split('::') as [string, string] : [a, undefined];
  const h = head ? head.split(':') : [];
  const r = rest !== undefined && rest !== '' ? rest.split(':') : [];
  const groups = rest === undefined ? h : [...h, ...new Array(8 - h.length - r.length).fill('0'), ...r];
  for (let i = 0; i < 8; i++) {
    const v = parseInt(groups[i] ?? '0', 16);
    out[i * 2] = v >> 8;
    out[i * 2 + 1] = v & 0xff;
  }
  if (tail.length === 4) for (let i = 0; i < 4; i++) out[12 + i] = tail[i]!;
  return out;
}

function prefixMatch(a: Uint8Array, b: Uint8Array, bits: number): boolean {
  let i = 0;
  for (; bits >= 8; bits -= 8, i++) if (a[i] !== b[i]) return false;
  if (bits === 0) return true;
  const mask = (0xff << (8 - bits)) & 0xff;
  return (a[i]! & mask) === (b[i]! & mask);
}

/** Host names become their addresses (resolved by the caller at apply time). */
export function compileList(patterns: AddressPattern[], resolved: Map<string, string[]>): CompiledList {
  const nets: NetRule[] = [];
  const domains: string[] = [];
  for (const p of patterns) {
    if (p.kind === 'net') {
      const bytes = toBytes(p.address);
      if (bytes) nets.push({ bytes, bits: p.family === 4 ? 96 + p.prefix : p.prefix });
    } else if (p.kind === 'host') {
      for (const addr of resolved.get(p.name) ?? []) {
        const bytes = toBytes(addr);
        if (bytes) nets.push({ bytes, bits: 128 });
      }
    } else domains.push(p.suffix);
  }
  return { nets, domains };
}

/** Domain rules count as a /24-sized network when compared with address rules. */
const DOMAIN_BITS = 120;

/** How specifically the list matches: -1 when it does not. */
export function matchBits(list: CompiledList, bytes: Uint8Array, reverseName: string | undefined): number {
  let best = -1;
  for (const r of list.nets) if (r.bits > best && prefixMatch(r.bytes, bytes, r.bits)) best = r.bits;
  if (reverseName !== undefined && best < DOMAIN_BITS) {
    const n = reverseName.toLowerCase();
    for (const d of list.domains) if (n.endsWith(d)) return Math.max(best, DOMAIN_BITS);
  }
  return best;
}

export interface AccessRules {
  onlyFrom: CompiledList | undefined;
  noAccess: CompiledList | undefined;
  needsReverse: boolean;
}

/**
 * xinetd.conf(5): no lists → allowed; only no_access → allowed unless listed;
 * only only_from → allowed only if listed; both match → the more specific
 * entry decides, and a tie refuses. (xinetd 2.3 refuses every address both
 * lists match; hearth follows the documented rule, see docs/inetd-services.md.)
 */
export function addressAllowed(rules: AccessRules, bytes: Uint8Array | undefined, reverseName?: string): boolean {
  if (!rules.onlyFrom && !rules.noAccess) return true;
  if (!bytes) return false;
  const na = rules.noAccess ? matchBits(rules.noAccess, bytes, reverseName) : -1;
  const of = rules.onlyFrom ? matchBits(rules.onlyFrom, bytes, reverseName) : -1;
  if (na >= 0 && of >= 0) return of > na;
  if (na >= 0) return false;
  if (rules.onlyFrom) return of >= 0;
  return true;
}

/** access_times: bounds included; an interval may wrap past midnight. */
export function withinTimes(intervals: TimeInterval[], date: Date): boolean {
  const m = date.getHours() * 60 + date.getMinutes();
  for (const t of intervals) {
    if (t.from <= t.to ? m >= t.from && m <= t.to : m >= t.from || m <= t.to) return true;
  }
  return false;
}
