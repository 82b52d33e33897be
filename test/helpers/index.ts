import { spawnSync } from 'node:child_process';
import { accessSync, constants, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { instanceName } from '../../src/boundary/index.js';
import { DEFAULT_BACKOFF, DEFAULT_LOG, type HearthEvent, type ServiceDefinition } from '../../src/model/index.js';

export const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));
export const FIXTURE_BIN = join(FIXTURES, 'bin');
export const REPO = fileURLToPath(new URL('../../', import.meta.url));

export function tempDir(prefix = 'hearth-test-'): { path: string; cleanup(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

/**
 * The root of a cgroup v2 hierarchy this process may create cgroups in (root on a
 * host with cgroups: /sys/fs/cgroup/unified on hybrid hosts, /sys/fs/cgroup on
 * pure v2 ones), or undefined. A process's own cgroup there reads "0::/NAME".
 */
export const CGROUP_V2_ROOT = ['/sys/fs/cgroup/unified', '/sys/fs/cgroup'].find((d) => {
  try {
    accessSync(join(d, 'cgroup.procs'), constants.W_OK);
    return true;
  } catch {
    return false;
  }
});

/** A complete definition with test-friendly defaults (fast backoff, short timeouts). */
export function makeDef(name: string, overrides: Partial<ServiceDefinition>): ServiceDefinition {
  return {
    name,
    description: `test service ${name}`,
    origin: { format: 'toml', file: `services/${name}.toml` },
    exec: ['/bin/sleep', '1000'],
    environment: {},
    rlimits: {},
    type: 'simple',
    restart: 'on-failure',
    backoff: { ...DEFAULT_BACKOFF, initialDelayMs: 50, maxDelayMs: 400, burstIntervalMs: 10_000, coolDownMs: 60_000 },
    stopSignal: 'SIGTERM',
    stopTimeoutMs: 2000,
    reloadSignal: 'SIGHUP',
    ready: { kind: 'none' },
    startTimeoutMs: 5000,
    listen: [],
    activation: 'start',
    runlevels: [2, 3, 4, 5],
    requires: [],
    after: [],
    before: [],
    provides: [],
    log: DEFAULT_LOG,
    ...overrides,
  };
}

/** Resolves with the first event matching pred, or rejects after timeoutMs. */
export function waitForEvent(
  subscribe: (l: (e: HearthEvent) => void) => () => void,
  pred: (e: HearthEvent) => boolean,
  timeoutMs = 10_000,
  what = 'event',
): Promise<HearthEvent> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`timed out after ${timeoutMs}ms waiting for ${what}`));
    }, timeoutMs);
    const off = subscribe((e) => {
      if (pred(e)) {
        clearTimeout(timer);
        off();
        resolve(e);
      }
    });
  });
}

/** Polls until fn returns a truthy value, and resolves with it. */
export async function eventually<T>(fn: () => T | Promise<T>, timeoutMs = 10_000, what = 'condition'): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as NonNullable<T>;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Alive and not a zombie (an orphan's zombie lingers until PID 1 reaps it). */
export function pidAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/**
 * A TCP and UDP port free now, for a test to bind. Not one the kernel hands out
 * itself (listen on port 0): those come from the ephemeral range, where the
 * client sockets of tests running beside this one may take it before the bind.
 */
export function freePort(): Promise<number> {
  return freePortBase([0]);
}

/**
 * A base port such that base + each offset is free on TCP and UDP, for configs
 * that number their services from a base (or shift them by port_offset).
 * Chosen below the kernel's ephemeral range (32768+), so the client sockets of
 * tests running beside this one cannot take them between the check and the bind.
 */
export async function freePortBase(offsets: number[]): Promise<number> {
  const { createServer } = await import('node:net');
  const { createSocket } = await import('node:dgram');
  const tcpFree = (port: number) =>
    new Promise<boolean>((resolve) => {
      const srv = createServer();
      srv.once('error', () => resolve(false));
      srv.listen({ port, host: '0.0.0.0', exclusive: true }, () => srv.close(() => resolve(true)));
    });
  const udpFree = (port: number) =>
    new Promise<boolean>((resolve) => {
      const sock = createSocket('udp4');
      sock.once('error', () => resolve(false));
      sock.bind({ port, address: '0.0.0.0', exclusive: true }, () => sock.close(() => resolve(true)));
    });
  const span = Math.max(...offsets) + 1;
  for (let attempt = 0; attempt < 100; attempt++) {
    const base = 20000 + Math.floor(Math.random() * (32000 - 20000 - span));
    let ok = true;
    for (const o of offsets) {
      if (!ok) break;
      ok = (await tcpFree(base + o)) && (await udpFree(base + o));
    }
    if (ok) return base;
  }
  throw new Error(`no free ports at offsets ${offsets.join(',')} from any base below 32000`);
}

/** `count` consecutive free ports (see freePortBase). */
export function freePortBlock(count: number): Promise<number> {
  return freePortBase(Array.from({ length: count }, (_, i) => i));
}

/**
 * Live main processes of a service of one hearthd: every service is started
 * with HEARTH_SERVICE=NAME and HEARTH_INSTANCE (named after hearthd's runtime
 * dir, so the same service name in another test's hearthd never counts), and
 * leads its own process group.
 */
export function serviceProcesses(name: string, runtimeDir: string): number[] {
  const instance = `HEARTH_INSTANCE=${instanceName(runtimeDir)}`;
  const found: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (f[0] === 'Z' || Number(f[2]) !== Number(e)) continue;
      const env = readFileSync(`/proc/${e}/environ`, 'latin1').split('\0');
      if (env.includes(`HEARTH_SERVICE=${name}`) && env.includes(instance)) found.push(Number(e));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

/** Counts zombies among the processes of the PID namespace whose init is `initPid` (host view). */
export function zombiesUnder(initPid: number): number {
  const r = spawnSync('ps', ['-e', '-o', 'pid=,ppid=,stat=']);
  const rows = r.stdout.toString().trim().split('\n').map((l) => l.trim().split(/\s+/));
  const tree = new Set([initPid]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [pid, ppid] of rows) if (tree.has(Number(ppid)) && !tree.has(Number(pid))) (tree.add(Number(pid)), (grew = true));
  }
  return rows.filter(([pid, , stat]) => tree.has(Number(pid)) && stat!.startsWith('Z')).length;
}

/** Pids with the token as one of their arguments (each test's sleeps carry a unique one). */
export function pidsWith(token: string): number[] {
  const found: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      if (readFileSync(`/proc/${e}/cmdline`, 'latin1').split('\0').includes(token) && pidAlive(Number(e))) found.push(Number(e));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

/** A sleep duration no other process on the machine uses: 9000 seconds plus a random fraction. */
export function uniqueSleep(): string {
  return `9000.${Math.floor(Math.random() * 1e9)}`;
}

/**
 * A TCP exchange with 127.0.0.1:PORT: writes `send` (and ends its side) when
 * given, and resolves with everything the server wrote once it ends the
 * connection; rejects on a refused or reset connection, or after timeoutMs.
 */
export function exchange(port: number, send?: string, timeoutMs = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port });
    let data = '';
    if (send !== undefined) s.on('connect', () => s.end(send));
    s.on('data', (d) => (data += d));
    s.on('end', () => resolve(data));
    s.on('error', reject);
    s.setTimeout(timeoutMs, () => s.destroy(new Error('timeout')));
  });
}
