/**
 * A .socket unit. Accept=no: the hearth-socket helper holds the listening
 * sockets (any kind: TCP, UDP, unix stream, datagram and seqpacket, abstract
 * names); the service gets them as fds 3… with LISTEN_FDS and
 * LISTEN_FDNAMES (FileDescriptorName=) at every start, and is started when
 * the first connection or datagram waits. Accept=yes: hearthd accepts each
 * connection and starts an instance of the NAME@.service template for it,
 * named as systemd names it (NAME@N-LOCAL-REMOTE.service), with the
 * connection as its stdin; MaxConnections= and MaxConnectionsPerSource= are
 * checked first.
 */
import { chmodSync, chownSync, mkdirSync, rmSync, symlinkSync, unlinkSync } from 'node:fs';
import net from 'node:net';
import { dirname, join } from 'node:path';
import { HearthError, describeError } from '../errors/index.js';
import type { ServiceState } from '../model/index.js';
import { SocketHolder, type HeldSocketSpec } from '../native/index.js';
import { lookupGroup, lookupUser } from '../process/index.js';
import type { SocketListen, SystemdUnit } from '../systemd/index.js';

export interface SocketContext {
  /** Where control sockets of held sockets go (private to hearthd). */
  controlDir: string;
  /** Accept=no: start the service (resolves when it is up). */
  startService(name: string): Promise<void>;
  /** Accept=yes: start an instance for one connection; the connection is its stdin. */
  startInstance(name: string, socket: string, connection: net.Socket): Promise<void>;
  problem(name: string, message: string): void;
  changed(name: string): void;
}

/** A Listen*= value as hearth-socket reads it; null for kinds hearth does not open. */
function heldSpec(l: SocketListen): HeldSocketSpec | null {
  if (l.kind !== 'stream' && l.kind !== 'datagram' && l.kind !== 'seqpacket') return null;
  const kind = l.kind === 'datagram' ? 'dgram' : l.kind;
  if (l.family === 'unix') return { kind, address: l.abstract ? `@${l.path.replace(/^@/, '')}` : l.path };
  if (l.family === 'inet') return { kind, address: l.host === null ? String(l.port) : l.host.includes(':') ? `[${l.host}]:${l.port}` : `${l.host}:${l.port}` };
  return null;
}

/** The address part of an instance name, as systemd writes it (an IPv4-mapped IPv6 address as IPv4). */
function plainAddress(a: string | undefined): string {
  return (a ?? '').replace(/^::ffff:/, '');
}

export class SocketUnit {
  state: ServiceState = 'stopped';
  detail: string | undefined;
  private holder: SocketHolder | undefined;
  private servers: net.Server[] = [];
  private readonly connections = new Map<string, string>();
  private counter = 0;
  private links: string[] = [];

  constructor(
    public unit: SystemdUnit,
    private readonly ctx: SocketContext,
  ) {}

  get accept(): boolean {
    return this.unit.socket!.accept;
  }

  /** The service it activates: Service=, or NAME.service (NAME@.service with Accept=yes). */
  get service(): string {
    const prefix = this.unit.name.slice(0, -'.socket'.length);
    return this.unit.socket!.service ?? (this.accept ? `${prefix}@.service` : `${prefix}.service`);
  }

  get active(): boolean {
    return this.state === 'running';
  }

  /** What list-sockets shows: "LISTEN" column values. */
  listening(): string[] {
    return this.unit.socket!.listen.map((l) => l.value);
  }

  /** Accept=no: the held sockets for the service's launch. */
  held(): { controlPath: string; names: string[] } | undefined {
    if (!this.holder || !this.active) return undefined;
    const name = this.unit.socket!.fileDescriptorName ?? this.unit.name;
    return { controlPath: this.holder.controlPath, names: this.specs().map(() => name) };
  }

  connectionCount(): number {
    return this.connections.size;
  }

  private specs(): HeldSocketSpec[] {
    return this.unit.socket!.listen.map(heldSpec).filter((s): s is HeldSocketSpec => s !== null);
  }

  private owner(): { uid: number; gid: number } | undefined {
    const s = this.unit.socket!;
    if (s.socketUser === undefined && s.socketGroup === undefined) return undefined;
    const user = s.socketUser !== undefined ? lookupUser(s.socketUser) : undefined;
    return { uid: user?.uid ?? 0, gid: s.socketGroup !== undefined ? lookupGroup(s.socketGroup).gid : (user?.gid ?? 0) };
  }

  async start(): Promise<void> {
    if (this.active) return;
    const s = this.unit.socket!;
    const specs = this.specs();
    if (specs.length === 0) throw new HearthError('ERR_SPAWN', `cannot start ${this.unit.name}: hearth only opens stream, datagram and seqpacket sockets`);
    for (const l of s.listen) if ('path' in l && !('abstract' in l && l.abstract)) mkdirSync(dirname(l.path), { recursive: true, mode: s.directoryMode });
    try {
      if (this.accept) await this.listenForConnections();
      else await this.hold(specs);
      for (const link of s.symlinks) {
        const first = specs[0]!.address;
        rmSync(link, { force: true });
        mkdirSync(dirname(link), { recursive: true });
        symlinkSync(first, link);
        this.links.push(link);
      }
    } catch (e) {
      await this.stop();
      this.state = 'failed';
      this.detail = describeError(e);
      this.ctx.changed(this.unit.name);
      throw e instanceof HearthError ? e : new HearthError('ERR_SPAWN', `cannot start ${this.unit.name}: ${describeError(e)}`, { cause: e });
    }
    this.state = 'running';
    this.detail = this.accept ? 'listening' : `listening; ${this.service} starts on the first ${s.listen.some((l) => l.kind === 'datagram') ? 'datagram' : 'connection'}`;
    this.ctx.changed(this.unit.name);
  }

  private async hold(specs: HeldSocketSpec[]): Promise<void> {
    const s = this.unit.socket!;
    const owner = this.owner();
    mkdirSync(this.ctx.controlDir, { recursive: true, mode: 0o700 });
    this.holder = new SocketHolder(specs, {
      controlPath: join(this.ctx.controlDir, `${this.unit.name.replace(/[^A-Za-z0-9_.@-]/g, '_')}.ctl`),
      mode: s.socketMode,
      ...(owner ? { owner } : {}),
      ...(s.backlog !== undefined ? { backlog: s.backlog } : {}),
      ...(s.bindIPv6Only === 'ipv6-only' ? { ipv6Only: true } : {}),
      ...(s.reusePort ? { reusePort: true } : {}),
      ...(s.freeBind ? { freeBind: true } : {}),
      ...(s.removeOnStop ? { removeOnExit: true } : {}),
    });
    await this.holder.start(() => this.triggered());
  }

  /** Something waits on a held socket and the service is not running: start it. */
  private triggered(): void {
    this.ctx.startService(this.service).catch((e: Error) => this.ctx.problem(this.unit.name, `${this.service} failed to start: ${e.message}`));
  }

  /** The service is down again: watch for the next connection, unless it failed (no tight loop of failing starts). */
  serviceEnded(failed: boolean): void {
    if (!this.active || !this.holder) return;
    if (failed) {
      this.state = 'failed';
      this.detail = `${this.service} failed; the socket stops triggering it until it is started again`;
      this.ctx.changed(this.unit.name);
      return;
    }
    this.holder.arm();
  }

  private async listenForConnections(): Promise<void> {
    const s = this.unit.socket!;
    const owner = this.owner();
    for (const l of s.listen) {
      if (l.kind !== 'stream') throw new HearthError('ERR_SPAWN', `cannot start ${this.unit.name}: Accept=yes is supported for stream sockets only, not ${l.key}=${l.value}`);
      const server = net.createServer({ pauseOnConnect: true }, (c) => this.accepted(c));
      this.servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        const done = () => {
          server.off('error', reject);
          resolve();
        };
        if (l.family === 'unix') {
          if (!l.abstract) {
            try {
              unlinkSync(l.path);
            } catch {
              // no stale socket
            }
          }
          server.listen({ path: l.abstract ? `\0${l.path.replace(/^@/, '')}` : l.path, backlog: s.backlog ?? 4096 }, done);
        } else if (l.family === 'inet') {
          server.listen({ host: l.host ?? '::', port: l.port, ipv6Only: s.bindIPv6Only === 'ipv6-only', backlog: s.backlog ?? 4096 }, done);
        } else reject(new HearthError('ERR_SPAWN', `cannot start ${this.unit.name}: ${l.key}=${l.value} is not supported`));
      });
      if (l.family === 'unix' && !l.abstract) {
        chmodSync(l.path, s.socketMode);
        if (owner) chownSync(l.path, owner.uid, owner.gid);
      }
    }
  }

  /** One connection of an Accept=yes socket: admitted, then served by an instance of its own. */
  private accepted(c: net.Socket): void {
    const s = this.unit.socket!;
    const remote = plainAddress(c.remoteAddress);
    const fromSource = [...this.connections.values()].filter((r) => r === remote).length;
    if (this.connections.size >= s.maxConnections || (remote !== '' && fromSource >= s.maxConnectionsPerSource)) {
      const why = this.connections.size >= s.maxConnections ? `Too many incoming connections (${this.connections.size}), dropping connection.` : `Too many incoming connections (${fromSource}) from source ${remote}, dropping connection.`;
      this.ctx.problem(this.unit.name, why);
      c.destroy();
      return;
    }
    const n = this.counter++;
    const instance = c.remoteAddress !== undefined ? `${n}-${plainAddress(c.localAddress)}:${c.localPort}-${remote}:${c.remotePort}` : `${n}-0-0`;
    const name = this.service.replace('@.', `@${instance}.`);
    this.connections.set(name, remote);
    this.ctx.startInstance(name, this.unit.name, c).then(
      () => c.destroy(),
      (e: Error) => {
        this.connections.delete(name);
        this.ctx.problem(this.unit.name, `${name} failed to start: ${e.message}`);
        c.destroy();
      },
    );
  }

  /** An instance's service ended: its connection no longer counts. */
  instanceEnded(name: string): boolean {
    return this.connections.delete(name);
  }

  /** Closes the listening sockets; instances and an activated service keep running (as systemctl stop X.socket leaves them). */
  async stop(): Promise<void> {
    const holder = this.holder;
    this.holder = undefined;
    await holder?.close();
    const servers = this.servers;
    this.servers = [];
    await Promise.all(servers.map((sv) => new Promise<void>((resolve) => sv.close(() => resolve()))));
    for (const link of this.links.splice(0)) rmSync(link, { force: true });
    if (this.unit.socket!.removeOnStop) for (const l of this.unit.socket!.listen) if ('path' in l && !('abstract' in l && l.abstract)) rmSync(l.path, { force: true });
    this.state = 'stopped';
    this.detail = undefined;
    this.ctx.changed(this.unit.name);
  }
}
