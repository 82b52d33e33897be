import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import type { Listener } from './types.js';

/** "0100007F:1F90" → 127.0.0.1, 8080; IPv6 words are little-endian per 32-bit group. */
function decodeAddress(hex: string, v6: boolean): { address: string; port: number } {
  const [a, p] = hex.split(':');
  const port = parseInt(p!, 16);
  if (!v6) {
    const n = a!.match(/../g)!.reverse().map((b) => parseInt(b, 16));
    return { address: n.join('.'), port };
  }
  const bytes: number[] = [];
  for (let w = 0; w < 4; w++) {
    const word = a!.slice(w * 8, w * 8 + 8).match(/../g)!.reverse();
    for (const b of word) bytes.push(parseInt(b, 16));
  }
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  const text = groups.join(':');
  if (text === '0:0:0:0:0:0:0:0') return { address: '::', port };
  if (text === '0:0:0:0:0:0:0:1') return { address: '::1', port };
  if (text.startsWith('0:0:0:0:0:ffff:')) return { address: `::ffff:${bytes.slice(12).join('.')}`, port };
  return { address: text, port };
}

/**
 * Listening sockets from /proc/net/{tcp,tcp6,udp,udp6} text: TCP in state
 * LISTEN (0A), UDP bound and unconnected (07 with no remote port).
 */
export function parseProcNet(text: string, protocol: Listener['protocol']): Listener[] {
  const v6 = protocol.endsWith('6');
  const tcp = protocol.startsWith('tcp');
  const out: Listener[] = [];
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10) continue;
    const state = f[3];
    const remote = decodeAddress(f[2]!, v6);
    if (tcp ? state !== '0A' : state !== '07' || remote.port !== 0) continue;
    const local = decodeAddress(f[1]!, v6);
    out.push({ protocol, address: local.address, port: local.port, inode: Number(f[9]), uid: Number(f[7]) });
  }
  return out;
}

/** Every listening socket on the machine, with the process holding it where /proc lets us see. */
export function readListeners(proc = '/proc'): Listener[] {
  const listeners: Listener[] = [];
  for (const protocol of ['tcp', 'tcp6', 'udp', 'udp6'] as const) {
    try {
      listeners.push(...parseProcNet(readFileSync(`${proc}/net/${protocol}`, 'latin1'), protocol));
    } catch {
      // no IPv6 here
    }
  }
  const wanted = new Map(listeners.map((l) => [l.inode, l]));
  for (const entry of safeReaddir(proc)) {
    if (!/^\d+$/.test(entry)) continue;
    for (const fd of safeReaddir(`${proc}/${entry}/fd`)) {
      let target: string;
      try {
        target = readlinkSync(`${proc}/${entry}/fd/${fd}`);
      } catch {
        continue;
      }
      const m = /^socket:\[(\d+)\]$/.exec(target);
      const l = m ? wanted.get(Number(m[1])) : undefined;
      if (!l) continue;
      const pid = Number(entry);
      if (l.holders?.some((h) => h.pid === pid)) continue;
      const command = commandOf(proc, entry);
      if (l.pid === undefined) {
        l.pid = pid;
        if (command !== undefined) l.command = command;
      }
      // A socket handed to a helper is held by both: keep them all, the rules decide whose it is.
      l.holders = [...(l.holders ?? []), command !== undefined ? { pid, command } : { pid }];
    }
  }
  return listeners;
}

/** comm of every process, for "is a logger running at all". */
export function processNames(proc = '/proc'): string[] {
  return safeReaddir(proc)
    .filter((e) => /^\d+$/.test(e))
    .map((e) => commandOf(proc, e))
    .filter((c): c is string => c !== undefined);
}

function commandOf(proc: string, pid: string): string | undefined {
  try {
    return readFileSync(`${proc}/${pid}/comm`, 'utf8').trim();
  } catch {
    return undefined;
  }
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

export function isLoopback(address: string): boolean {
  return address === '::1' || /^127\./.test(address) || /^::ffff:127\./.test(address);
}
