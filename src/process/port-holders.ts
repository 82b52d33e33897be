import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { endianness } from 'node:os';

/**
 * Who listens on a TCP port, from /proc: the LISTEN rows of /proc/net/tcp and
 * tcp6 give the socket inodes, and a process holds a socket when one of its
 * fds links to "socket:[INODE]". Used to tell a service's own listener from
 * someone else's on the same port, and to name the holder in messages.
 */

export interface TcpListener {
  inode: number;
  /** The local address as 16 bytes (IPv4 as ::ffff:a.b.c.d). */
  address: Uint8Array;
  port: number;
}

const TCP_LISTEN = '0A';

/** The LISTEN rows of /proc/net/tcp-format text on one port. */
export function parseTcpListeners(text: string, port: number, family: 4 | 6, littleEndian = endianness() === 'LE'): TcpListener[] {
  const found: TcpListener[] = [];
  const lines = text.split('\n');
  for (let i = 1; i < lines.length; i++) {
    const f = lines[i]!.trim().split(/\s+/);
    if (f.length < 10 || f[3] !== TCP_LISTEN) continue;
    const [hex, portHex] = f[1]!.split(':');
    const inode = Number(f[9]);
    if (hex === undefined || portHex === undefined || parseInt(portHex, 16) !== port || !(inode > 0)) continue;
    const address = procAddress(hex, family, littleEndian);
    if (address) found.push({ inode, address, port });
  }
  return found;
}

/** The kernel prints each 32-bit word of the address as a host-order number. */
function procAddress(hex: string, family: 4 | 6, littleEndian: boolean): Uint8Array | undefined {
  if (hex.length !== (family === 4 ? 8 : 32) || !/^[0-9A-Fa-f]+$/.test(hex)) return undefined;
  const raw = new Uint8Array(hex.length / 2);
  for (let w = 0; w < hex.length / 8; w++) {
    for (let b = 0; b < 4; b++) {
      const at = littleEndian ? 3 - b : b;
      raw[w * 4 + b] = parseInt(hex.slice(w * 8 + at * 2, w * 8 + at * 2 + 2), 16);
    }
  }
  return family === 4 ? mapped(raw) : raw;
}

function mapped(v4: Uint8Array): Uint8Array {
  const out = new Uint8Array(16);
  out[10] = 0xff;
  out[11] = 0xff;
  out.set(v4, 12);
  return out;
}

/** An IP address in text ("127.0.0.1", "::1", "::ffff:10.0.0.1") as 16 bytes; undefined for anything else. */
export function ipBytes(text: string): Uint8Array | undefined {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (v4) {
    const parts = v4.slice(1).map(Number);
    return parts.every((p) => p <= 255) ? mapped(Uint8Array.from(parts)) : undefined;
  }
  const bare = text.replace(/%.*$/, '');
  const halves = bare.split('::');
  if (halves.length > 2 || !/^[0-9A-Fa-f:.]+$/.test(bare)) return undefined;
  const words = (part: string): number[] | undefined => {
    if (part === '') return [];
    const out: number[] = [];
    for (const group of part.split(':')) {
      if (group.includes('.')) {
        const tail = ipBytes(group);
        if (!tail) return undefined;
        out.push((tail[12]! << 8) | tail[13]!, (tail[14]! << 8) | tail[15]!);
      } else if (/^[0-9A-Fa-f]{1,4}$/.test(group)) out.push(parseInt(group, 16));
      else return undefined;
    }
    return out;
  };
  const head = words(halves[0]!);
  const tail = halves.length === 2 ? words(halves[1]!) : [];
  if (!head || !tail) return undefined;
  const fill = 8 - head.length - tail.length;
  if (halves.length === 2 ? fill < 1 : fill !== 0) return undefined;
  const all = [...head, ...new Array<number>(fill).fill(0), ...tail];
  const out = new Uint8Array(16);
  all.forEach((w, i) => {
    out[i * 2] = w >> 8;
    out[i * 2 + 1] = w & 0xff;
  });
  return out;
}

const ANY4 = mapped(new Uint8Array(4));
const ANY6 = new Uint8Array(16);
const same = (a: Uint8Array, b: Uint8Array) => a.every((v, i) => v === b[i]);

/**
 * Whether a connection to `address` could have been accepted by this
 * listener: it listens on that address, or on the wildcard of its family
 * (an IPv6 wildcard also takes IPv4 unless it is v6-only, which /proc does
 * not say; counting it errs on the side of "this one accepted it").
 */
export function listenerCovers(l: TcpListener, address: Uint8Array): boolean {
  if (same(l.address, address) || same(l.address, ANY6)) return true;
  return isV4Mapped(address) && same(l.address, ANY4);
}

function isV4Mapped(address: Uint8Array): boolean {
  return address.slice(0, 12).every((v, i) => v === (i < 10 ? 0 : 0xff));
}

function readListeners(port: number, family: 4 | 6): TcpListener[] {
  try {
    return parseTcpListeners(readFileSync(family === 4 ? '/proc/net/tcp' : '/proc/net/tcp6', 'latin1'), port, family);
  } catch {
    return []; // no IPv6 on this kernel
  }
}

/** Every listening TCP socket on a port in hearthd's network namespace. */
export function tcpListeners(port: number): TcpListener[] {
  return [...readListeners(port, 4), ...readListeners(port, 6)];
}

/**
 * The listening sockets on a port that a connection to `address` met. The
 * kernel prefers an IPv4 listener to a dual-stack IPv6 one for an IPv4
 * connection, so tcp6 is read only when no IPv4 listener covers it: each of
 * these files costs a walk of the kernel's whole socket table (about 10 ms on
 * a large machine), however few sockets it shows.
 */
export function listenersReachedAt(port: number, address: Uint8Array): TcpListener[] {
  if (isV4Mapped(address)) {
    const v4 = readListeners(port, 4).filter((l) => listenerCovers(l, address));
    if (v4.length > 0) return v4;
  }
  return readListeners(port, 6).filter((l) => listenerCovers(l, address));
}

/** The socket inodes a process holds open (empty when it is gone or not ours to read). */
function socketsOf(pid: number): number[] {
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return [];
  }
  const inodes: number[] = [];
  for (const fd of fds) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.push(Number(m[1]));
    } catch {
      // closed meanwhile
    }
  }
  return inodes;
}

/** Which of these processes hold one of the sockets. */
export function pidsHolding(inodes: ReadonlySet<number>, pids: Iterable<number>): number[] {
  const holders: number[] = [];
  for (const pid of new Set(pids)) if (socketsOf(pid).some((i) => inodes.has(i))) holders.push(pid);
  return holders;
}

/** Every process on the host that holds one of the sockets: a scan of all of /proc, for messages only. */
export function findSocketHolders(inodes: ReadonlySet<number>): number[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  return pidsHolding(inodes, entries.filter((e) => /^\d+$/.test(e)).map(Number));
}

/** "pid 1234 (python3 -m http.server 8080)", the command line cut at 80 characters. */
export function describeProcess(pid: number): string {
  let command = '';
  try {
    command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
    if (!command) command = `[${readFileSync(`/proc/${pid}/comm`, 'utf8').trim()}]`;
  } catch {
    return `pid ${pid}`;
  }
  return `pid ${pid} (${command.length > 80 ? `${command.slice(0, 79)}…` : command})`;
}

/**
 * "pid 1234 (nc -l 8080)", or a sentence for when the holder cannot be seen:
 * another user's process (hearthd not root) or one in another namespace.
 */
export function describePortHolders(inodes: ReadonlySet<number>): string {
  const holders = findSocketHolders(inodes);
  if (holders.length === 0) return 'a process hearthd cannot see (another user\'s, or in another namespace)';
  return holders.map(describeProcess).join(', ');
}
