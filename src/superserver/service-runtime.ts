import net from 'node:net';
import dgram from 'node:dgram';
import os from 'node:os';
import { basename } from 'node:path';
import { readFile } from 'node:fs/promises';
import { lookup, reverse } from 'node:dns/promises';
import type { ChildProcess, spawn as spawnType } from 'node:child_process';
import {
  REFUSAL_REASONS, inetdDefinitionKey,
  type InetdServiceDefinition, type InetdServiceStatus, type RefusalReason,
} from '../model/index.js';
import { applyUmask, buildLaunch, serviceEnvironment } from '../process/index.js';
import { describeError } from '../errors/index.js';
import {
  Acceptor, bindRawTcp, bindRawUdp, listenFds, openRawTcpListener, waitReadable,
  type FdWait, type RawSocket, type RawTcpConnection, type RawTcpListener, type ServerProcess, type ServerSpawner,
} from '../native/index.js';
import { addressAllowed, compileList, toBytes, withinTimes, type AccessRules } from './access.js';
import { chargenChunk, chargenDatagram, daytimeBytes, timeBytes } from './internal-protocols.js';
import type { InetdEvent, InetdLogLine } from './types.js';

/** What a service needs from the engine that owns it. */
export interface EngineContext {
  spawn: typeof spawnType;
  /** Per-connection servers (TCP, wait = no); wait = yes servers use spawn. */
  servers: ServerSpawner;
  /** hearth-acceptor, for plain wait = no TCP services; null: not built or not wanted. */
  acceptorPath: string | null;
  /** TCP ports an acceptor is still letting go of (resolves once it closed its copy). */
  releasing: Map<number, Promise<void>>;
  portOffset: number;
  emit(e: InetdEvent): void;
  log(l: InetdLogLine): void;
  /** xinetd keeps one chargen ring position for the whole daemon (advanced by UDP replies). */
  chargenPosition: number;
  /** UDP source ports never answered (internal services' well-known ports, offset too). */
  udpGuardPorts: Set<number>;
  udpReplyRate: number;
  udpReplyRatePerSource: number;
  findMuxService(name: string): ServiceRuntime | undefined;
  muxServiceNames(): string[];
}

interface Launch {
  file: string;
  args: string[];
  argv0: string | undefined;
  env: Record<string, string>;
  umask: number | undefined;
}

type Internal = 'echo' | 'discard' | 'chargen' | 'daytime' | 'time' | 'tcpmux';
const INTERNAL_NAMES = new Set<string>(['echo', 'discard', 'chargen', 'daytime', 'time', 'tcpmux']);
/** Internal services that xinetd forks for, so they count against instances. */
const LONG_LIVED = new Set<string>(['echo', 'discard', 'chargen', 'tcpmux']);

function zeroRefusals(): Record<RefusalReason, number> {
  const r = {} as Record<RefusalReason, number>;
  for (const k of REFUSAL_REASONS) r[k] = 0;
  return r;
}

const XINETD_REASON: Record<RefusalReason, string> = {
  address: 'address', time: 'time', instances: 'service_limit', per_source: 'per_source_limit',
  cps: 'connections per second', load: 'load', spawn: 'fork',
};

/**
 * One inetd-style service: its listener, its limits and counters, and the
 * servers it started. A runtime is never reconfigured: reload replaces a
 * changed service with a new runtime and lets the old one's servers finish.
 */
export class ServiceRuntime {
  readonly key: string;
  readonly internal: Internal | undefined;
  state: InetdServiceStatus['state'] = 'off';
  detail: string | undefined;
  errors: string[];
  served = 0;
  readonly refused = zeroRefusals();
  active = 0;
  boundPort: number | null = null;
  suspendedUntil: number | null = null;

  private tcp: net.Server | undefined;
  private rawTcp: RawTcpListener | undefined;
  private udp: dgram.Socket | undefined;
  private raw: RawSocket | undefined;
  private acceptor: Acceptor | undefined;
  private waiter: FdWait | undefined;
  private waitChild: ChildProcess | undefined;
  private resumeTimer: NodeJS.Timeout | undefined;
  private closed = true;
  private readonly perSource: Map<string, number> | undefined;
  private windowStart = 0;
  private windowCount = 0;
  private readonly cpsRate: number;
  private readonly cpsIntervalMs: number;
  private launch: Launch | undefined;
  private banner: Buffer | undefined;
  private bannerSuccess: Buffer | undefined;
  private bannerFail: Buffer | undefined;
  private access: AccessRules | undefined;
  private redirectHost: string | undefined;
  /** Live connections of long-lived internal services and relays, ended when the service is stopped with its servers. */
  private readonly conns = new Set<{ destroy(): void }>();
  private readonly children = new Set<ChildProcess | ServerProcess>();
  private readonly logSuccess: boolean;
  private readonly logFailure: boolean;
  private udpTokens = 0;
  private udpLast = 0;
  private udpSources = new Map<string, number>();
  private udpSourcesSecond = 0;
  private lastRefusalLog = 0;
  private quietRefusals = 0;

  constructor(readonly def: InetdServiceDefinition, private readonly ctx: EngineContext) {
    this.key = inetdDefinitionKey(def);
    this.internal = def.types.includes('INTERNAL') && INTERNAL_NAMES.has(def.name) ? (def.name as Internal) : undefined;
    this.errors = [...def.errors];
    this.perSource = def.perSource !== undefined ? new Map() : undefined;
    this.cpsRate = def.cps.rate;
    this.cpsIntervalMs = (def.cps.intervalSeconds ?? 1) * 1000;
    this.logSuccess = def.logOnSuccess.length > 0;
    this.logFailure = def.logOnFailure.length > 0;
    if (def.errors.length > 0) this.state = 'broken';
    else if (def.disabled) this.state = 'disabled';
  }

  get isMuxClient(): boolean {
    return this.def.types.includes('TCPMUX') || this.def.types.includes('TCPMUXPLUS');
  }

  get bindAddress(): string {
    if (this.def.bind) return this.def.bind;
    return this.def.flags.includes('IPv6') ? '::' : '0.0.0.0';
  }

  get port(): number {
    const p = this.def.port;
    return p > 0 && p < 1024 ? p + this.ctx.portOffset : p;
  }

  /** Loads banners, resolves names, builds the command line, then listens. Errors leave the service "broken". */
  async start(): Promise<void> {
    if (this.def.disabled || this.def.errors.length > 0) return;
    try {
      await this.prepare();
      this.closed = false;
      if (this.isMuxClient) {
        this.state = 'listening';
        this.detail = 'via tcpmux';
        return;
      }
      await this.listen();
    } catch (e) {
      this.closed = true;
      this.state = 'broken';
      const msg = describeError(e);
      this.errors.push(msg);
      this.ctx.emit({ type: 'inetd.error', at: Date.now(), id: this.def.id, message: msg });
      throw e;
    }
  }

  private async prepare(): Promise<void> {
    const d = this.def;
    if (this.internal === undefined && d.types.includes('INTERNAL')) throw new Error(`internal service "${d.name}" is not provided by hearth`);
    if (d.protocol === 'udp' && !this.internal && !d.wait) throw new Error('udp services must use wait = yes (hearth does not start one server per datagram)');
    if (d.wait && d.protocol === 'tcp' && !this.internal && this.isMuxClient) throw new Error('tcpmux services must use wait = no');
    const file = async (p: string | undefined): Promise<Buffer | undefined> => (p ? readFile(p) : undefined);
    [this.banner, this.bannerSuccess, this.bannerFail] = await Promise.all([file(d.banner), file(d.bannerSuccess), file(d.bannerFail)]);
    if (d.onlyFrom || d.noAccess) {
      const names = [...(d.onlyFrom ?? []), ...(d.noAccess ?? [])].filter((p) => p.kind === 'host').map((p) => (p as { name: string }).name);
      const resolved = new Map<string, string[]>();
      await Promise.all(names.map(async (n) => {
        try {
          resolved.set(n, (await lookup(n, { all: true })).map((a) => a.address));
        } catch {
          resolved.set(n, []);
        }
      }));
      this.access = {
        onlyFrom: d.onlyFrom ? compileList(d.onlyFrom, resolved) : undefined,
        noAccess: d.noAccess ? compileList(d.noAccess, resolved) : undefined,
        needsReverse: [...(d.onlyFrom ?? []), ...(d.noAccess ?? [])].some((p) => p.kind === 'domain'),
      };
    }
    if (d.redirect) {
      // As xinetd: the name is looked up once, when the service is (re)loaded.
      this.redirectHost = net.isIP(d.redirect.host) ? d.redirect.host : (await lookup(d.redirect.host)).address;
    }
    if (!this.internal && !d.redirect && d.server) {
      const nameInArgs = d.flags.includes('NAMEINARGS');
      const exec = nameInArgs ? [d.server, ...d.serverArgs.slice(1)] : [d.server, ...d.serverArgs];
      const argv0 = nameInArgs ? d.serverArgs[0] : basename(d.server);
      // Like xinetd, user/group only take effect when hearthd runs as root.
      const root = process.getuid?.() === 0;
      const settings = {
        exec,
        ...(root && d.user !== undefined ? { user: d.user } : {}),
        ...(root && d.group !== undefined ? { group: d.group } : {}),
        environment: d.env,
        ...(d.umask !== undefined ? { umask: d.umask } : {}),
        ...(d.nice !== undefined ? { nice: d.nice } : {}),
        rlimits: d.rlimits,
      };
      const l = buildLaunch(settings);
      const passed: Record<string, string> = {};
      for (const k of d.passenv) {
        const v = process.env[k];
        if (v !== undefined) passed[k] = v;
      }
      this.launch = {
        file: l.file,
        args: l.args,
        argv0: l.file === l.program ? argv0 : undefined,
        env: serviceEnvironment(l.user, passed, d.env),
        umask: d.umask,
      };
    }
  }

  private async listen(): Promise<void> {
    const d = this.def;
    const host = this.bindAddress;
    // A reload may replace a service whose acceptor still holds this port for a moment.
    if (d.protocol === 'tcp') await this.ctx.releasing.get(this.port);
    // "::" takes IPv4-mapped clients too, as xinetd's IPv6 services do (v6only = no).
    const v6only = false;
    if (d.wait && !this.internal) {
      this.raw = d.protocol === 'tcp' ? bindRawTcp(host, this.port, v6only) : bindRawUdp(host, this.port, v6only);
      if (d.protocol === 'tcp') await listenFds([this.raw.fd]);
      this.boundPort = this.raw.port;
      this.armWaiter();
    } else if (d.protocol === 'tcp' && this.ctx.acceptorPath && this.plainServer) {
      await this.listenAcceptor(this.ctx.acceptorPath);
    } else if (d.protocol === 'tcp') {
      await this.listenTcp();
    } else {
      await this.listenUdp();
    }
    this.state = 'listening';
    this.ctx.emit({ type: 'inetd.listening', at: Date.now(), id: d.id, port: this.boundPort ?? 0, protocol: d.protocol });
  }

  /**
   * daytime, time, echo and discard need no stream machinery: when nothing
   * else does either (banners, reverse lookups, socket flags), they are served
   * from the raw TCP handle.
   */
  private servedRaw(): boolean {
    const i = this.internal;
    return (
      (i === 'daytime' || i === 'time' || i === 'echo' || i === 'discard') &&
      !this.banner && !this.bannerSuccess && !this.bannerFail && !this.access?.needsReverse &&
      !this.def.flags.includes('NODELAY') && !this.def.flags.includes('KEEPALIVE')
    );
  }

  private listenRaw(): boolean {
    const listener = openRawTcpListener(this.bindAddress, this.port, 1024, (c) => this.onRawConnection(c));
    if (!listener) return false;
    this.rawTcp = listener;
    this.boundPort = listener.port;
    return true;
  }

  private onRawConnection(conn: RawTcpConnection): void {
    const counted = LONG_LIVED.has(this.internal!);
    // Asking the kernel who the peer is costs a system call: only when a rule or a log line needs it.
    const remote = this.access || this.logSuccess || (counted && this.perSource) ? conn.remoteAddress : undefined;
    const reason = this.admit(remote, counted);
    if (reason) {
      this.noteRefusal(reason, remote ?? conn.remoteAddress);
      conn.destroy();
      return;
    }
    this.served++;
    const started = this.logSuccess ? Date.now() : 0;
    if (this.logSuccess) this.logStart(0, remote);
    if (this.internal === 'daytime' || this.internal === 'time') {
      conn.replyAndClose(this.internal === 'daytime' ? daytimeBytes() : timeBytes());
      if (this.logSuccess) this.logExit(0, 0, null, started);
      return;
    }
    this.track(remote, 1);
    this.conns.add(conn);
    const finish = (): void => {
      this.track(remote, -1);
      this.conns.delete(conn);
      if (this.logSuccess) this.logExit(0, 0, null, started);
    };
    if (this.internal === 'echo') conn.echo(finish);
    else conn.discard(finish);
  }


  /** A server started for each connection with nothing written first and only address rules to check. */
  private get plainServer(): boolean {
    return !!this.launch && !this.banner && !this.bannerSuccess && !this.bannerFail && !this.access?.needsReverse;
  }

  /** The helper accepts and starts servers; admission and logging stay here (acceptConnection). */
  private async listenAcceptor(path: string): Promise<void> {
    const d = this.def;
    const l = this.launch!;
    const raw = bindRawTcp(this.bindAddress, this.port, false);
    const acceptor = new Acceptor(path, {
      fd: raw.fd,
      file: l.file,
      args: l.args,
      ...(l.argv0 ? { argv0: l.argv0 } : {}),
      ...(l.umask !== undefined ? { umask: l.umask } : {}),
      env: l.env,
      nodelay: d.flags.includes('NODELAY'),
      keepalive: d.flags.includes('KEEPALIVE'),
      decide: (remote) => this.acceptConnection(remote),
      onServer: (server, remote) => this.watchServer(server, remote),
      onNotice: (_level, message) => this.ctx.emit({ type: 'inetd.error', at: Date.now(), id: d.id, message }),
    });
    try {
      await acceptor.start();
    } catch (e) {
      // The port itself was free (bindRawTcp said so): the helper is at fault, so serve without it.
      raw.close();
      this.ctx.emit({ type: 'inetd.error', at: Date.now(), id: d.id, message: `${describeError(e)}; accepting in hearthd instead` });
      await this.listenTcp();
      return;
    }
    this.raw = raw;
    this.acceptor = acceptor;
    this.boundPort = raw.port;
  }

  private acceptConnection(remote: string): boolean {
    const reason = this.admit(remote, true);
    if (reason) {
      this.noteRefusal(reason, remote);
      return false;
    }
    this.served++;
    this.track(remote, 1);
    return true;
  }

  private listenTcp(): Promise<void> {
    if (this.servedRaw()) {
      try {
        if (this.listenRaw()) return Promise.resolve();
      } catch (e) {
        return Promise.reject(e);
      }
    }
    const d = this.def;
    const external = !this.internal && !d.redirect;
    const server = net.createServer({
      pauseOnConnect: external || this.internal === 'tcpmux' || !!d.redirect,
      // A relay must pass a client's half-close on, not answer it with its own.
      allowHalfOpen: !!d.redirect,
      noDelay: d.flags.includes('NODELAY'),
      keepAlive: d.flags.includes('KEEPALIVE'),
    }, (sock) => this.onConnection(sock));
    this.tcp = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: this.bindAddress, port: this.port, exclusive: true, backlog: 1024 }, () => {
        server.off('error', reject);
        server.on('error', (e) => this.ctx.emit({ type: 'inetd.error', at: Date.now(), id: d.id, message: e.message }));
        const a = server.address();
        this.boundPort = typeof a === 'object' && a ? a.port : this.port;
        resolve();
      });
    });
  }

  private listenUdp(): Promise<void> {
    const fam = net.isIP(this.bindAddress) === 6 ? 'udp6' : 'udp4';
    const sock = dgram.createSocket({ type: fam });
    this.udp = sock;
    sock.on('message', (msg, rinfo) => this.onDatagram(sock, msg, rinfo));
    return new Promise((resolve, reject) => {
      sock.once('error', reject);
      sock.bind({ address: this.bindAddress, port: this.port, exclusive: true }, () => {
        sock.off('error', reject);
        sock.on('error', (e) => this.ctx.emit({ type: 'inetd.error', at: Date.now(), id: this.def.id, message: e.message }));
        this.boundPort = sock.address().port;
        resolve();
      });
    });
  }

  /** Stops listening; servers already running are left to finish. */
  close(): void {
    this.closed = true;
    if (this.resumeTimer) clearTimeout(this.resumeTimer);
    this.resumeTimer = undefined;
    this.stopListening();
    if (this.state === 'listening' || this.state === 'suspended' || this.state === 'waiting') this.state = 'off';
    this.suspendedUntil = null;
    this.ctx.emit({ type: 'inetd.closed', at: Date.now(), id: this.def.id });
  }

  private stopListening(): void {
    this.tcp?.close();
    this.tcp = undefined;
    this.rawTcp?.close();
    this.rawTcp = undefined;
    if (this.udp) {
      try {
        this.udp.close();
      } catch {
        /* already closed */
      }
    }
    this.udp = undefined;
    this.waiter?.cancel();
    this.waiter = undefined;
    if (this.acceptor) {
      const port = this.port;
      const released = this.acceptor.close().finally(() => {
        if (this.ctx.releasing.get(port) === released) this.ctx.releasing.delete(port);
      });
      this.ctx.releasing.set(port, released);
    }
    this.acceptor = undefined;
    // A wait=yes server still running keeps its own copy of the socket.
    this.raw?.close();
    this.raw = undefined;
    this.boundPort = null;
  }

  /** close(), and also end in-process connections and (optionally) signal running servers. */
  destroy(killServers: boolean): void {
    this.close();
    for (const c of this.conns) c.destroy();
    this.conns.clear();
    if (killServers) for (const c of this.children) c.kill('SIGTERM');
  }

  status(): InetdServiceStatus {
    const d = this.def;
    return {
      id: d.id,
      name: d.name,
      description: d.description,
      source: `${d.origin.file}${d.origin.line ? `:${d.origin.line}` : ''}`,
      protocol: d.protocol,
      port: this.boundPort,
      bind: this.boundPort !== null ? this.bindAddress : null,
      state: this.state,
      ...(this.detail ? { detail: this.detail } : {}),
      served: this.served,
      refused: { ...this.refused },
      instances: this.active,
      suspendedUntil: this.suspendedUntil,
      pid: this.waitChild?.pid ?? null,
      errors: [...this.errors],
    };
  }

  // ---- admission ------------------------------------------------------

  /** xinetd's order: cps, load, access_times, instances, per_source, then the address. */
  private admit(remote: string | undefined, counted: boolean): RefusalReason | null {
    const d = this.def;
    if (this.cpsRate > 0) {
      const now = Date.now();
      if (now - this.windowStart >= this.cpsIntervalMs) {
        this.windowStart = now;
        this.windowCount = 0;
      }
      if (++this.windowCount > this.cpsRate) {
        this.suspend(now);
        return 'cps';
      }
    }
    if (d.maxLoad !== undefined && os.loadavg()[0]! >= d.maxLoad) return 'load';
    if (d.accessTimes && !withinTimes(d.accessTimes, new Date())) return 'time';
    if (counted && d.instances !== undefined && this.active >= d.instances) return 'instances';
    if (counted && this.perSource && remote !== undefined && (this.perSource.get(remote) ?? 0) >= d.perSource!) return 'per_source';
    if (this.access && !this.access.needsReverse && !addressAllowed(this.access, remote === undefined ? undefined : toBytes(remote))) return 'address';
    return null;
  }

  /** cps tripped: stop listening for the pause, then come back on our own, counters intact. */
  private suspend(now: number): void {
    if (this.suspendedUntil !== null) return;
    const pause = this.def.cps.pauseSeconds * 1000;
    this.suspendedUntil = now + pause;
    this.state = 'suspended';
    this.stopListening();
    this.ctx.log({ id: this.def.id, level: 'warn', message: `Deactivating service ${this.def.id} due to excessive incoming connections. Restarting in ${this.def.cps.pauseSeconds} seconds.` });
    this.ctx.emit({ type: 'inetd.suspended', at: now, id: this.def.id, until: this.suspendedUntil, reason: 'cps' });
    this.resumeTimer = setTimeout(() => this.resume(), pause);
    this.resumeTimer.unref?.();
  }

  private resume(): void {
    this.resumeTimer = undefined;
    if (this.closed) return;
    this.suspendedUntil = null;
    this.windowCount = 0;
    this.listen().then(
      () => {
        this.ctx.log({ id: this.def.id, level: 'info', message: `Activating service ${this.def.id}` });
        this.ctx.emit({ type: 'inetd.resumed', at: Date.now(), id: this.def.id });
      },
      (e) => {
        // The port may be briefly taken; try again rather than stay off.
        this.ctx.emit({ type: 'inetd.error', at: Date.now(), id: this.def.id, message: `cannot resume: ${describeError(e)}` });
        this.state = 'suspended';
        this.suspendedUntil = Date.now() + 1000;
        this.resumeTimer = setTimeout(() => this.resume(), 1000);
        this.resumeTimer.unref?.();
      },
    );
  }

  private noteRefusal(reason: RefusalReason, remote: string | undefined): void {
    this.refused[reason]++;
    if (this.logFailure) {
      this.ctx.log({ id: this.def.id, level: 'warn', message: `FAIL: ${this.def.id} ${XINETD_REASON[reason]}${this.def.logOnFailure.includes('HOST') && remote ? ` from=${remote}` : ''}` });
      return;
    }
    // Without log_on_failure, still say it, but at most once a second under a flood.
    const now = Date.now();
    if (now - this.lastRefusalLog >= 1000) {
      const extra = this.quietRefusals > 0 ? ` (+${this.quietRefusals} more refused in the last second)` : '';
      this.ctx.log({ id: this.def.id, level: 'warn', message: `FAIL: ${this.def.id} ${XINETD_REASON[reason]}${remote ? ` from=${remote}` : ''}${extra}` });
      this.lastRefusalLog = now;
      this.quietRefusals = 0;
    } else this.quietRefusals++;
  }

  private refuseSocket(sock: net.Socket, reason: RefusalReason, remote: string | undefined): void {
    this.noteRefusal(reason, remote);
    sock.on('error', noop);
    const fail = this.bannerFail;
    if (fail) sock.end(fail, () => sock.destroy());
    else sock.destroy();
  }

  // ---- TCP ----------------------------------------------------------------

  private onConnection(sock: net.Socket): void {
    const remote = sock.remoteAddress;
    const counted = !this.internal || LONG_LIVED.has(this.internal);
    const reason = this.admit(remote, counted);
    if (reason) return this.refuseSocket(sock, reason, remote);
    if (this.access?.needsReverse) {
      sock.pause();
      const bytes = remote === undefined ? undefined : toBytes(remote);
      reverse(remote ?? '').then((names) => names[0], () => undefined).then((name) => {
        if (!addressAllowed(this.access!, bytes, name)) return this.refuseSocket(sock, 'address', remote);
        this.granted(sock, remote, counted);
      }, noop);
      return;
    }
    this.granted(sock, remote, counted);
  }

  private granted(sock: net.Socket, remote: string | undefined, counted: boolean): void {
    this.served++;
    if (counted) this.track(remote, 1);
    const pre = this.banner && this.bannerSuccess ? Buffer.concat([this.banner, this.bannerSuccess]) : this.banner ?? this.bannerSuccess;
    if (pre) {
      sock.write(pre, () => this.serve(sock, remote, counted));
      return;
    }
    this.serve(sock, remote, counted);
  }

  private track(remote: string | undefined, delta: number): void {
    this.active += delta;
    if (this.perSource && remote !== undefined) {
      const n = (this.perSource.get(remote) ?? 0) + delta;
      if (n <= 0) this.perSource.delete(remote);
      else this.perSource.set(remote, n);
    }
  }

  private serve(sock: net.Socket, remote: string | undefined, counted: boolean): void {
    if (this.launch) return this.spawnFor(sock, remote, sock.remotePort ?? 0);
    if (this.def.redirect) return this.relay(sock, remote);
    const started = this.logSuccess ? Date.now() : 0;
    if (this.logSuccess) this.logStart(0, remote);
    const finish = (): void => {
      if (counted) this.track(remote, -1);
      this.conns.delete(sock);
      if (this.logSuccess) this.logExit(0, 0, null, started);
    };
    sock.on('error', noop);
    switch (this.internal) {
      case 'daytime':
        sock.end(daytimeBytes());
        if (this.logSuccess) this.logExit(0, 0, null, started);
        return;
      case 'time':
        sock.end(timeBytes());
        if (this.logSuccess) this.logExit(0, 0, null, started);
        return;
      case 'echo':
        this.conns.add(sock);
        sock.once('close', finish);
        sock.pipe(sock);
        return;
      case 'discard':
        this.conns.add(sock);
        sock.once('close', finish);
        sock.on('end', () => sock.end());
        sock.resume();
        return;
      case 'chargen':
        this.conns.add(sock);
        sock.once('close', finish);
        this.chargen(sock);
        return;
      case 'tcpmux':
        this.conns.add(sock);
        sock.once('close', finish);
        this.tcpmux(sock, remote);
        return;
      default:
        sock.destroy();
        finish();
    }
  }

  private chargen(sock: net.Socket): void {
    const chunk = chargenChunk(this.ctx.chargenPosition);
    // Input is ignored (xinetd shuts the read side down).
    sock.on('data', noop);
    sock.on('end', () => sock.destroy());
    const pump = (): void => {
      while (!sock.destroyed && sock.write(chunk));
    };
    sock.on('drain', pump);
    pump();
  }

  /** RFC 1078: read "name\r\n", answer +/-, hand the connection to that service. */
  private tcpmux(sock: net.Socket, remote: string | undefined): void {
    let buf = '';
    const timer = setTimeout(() => sock.destroy(), 30_000);
    const onData = (d: Buffer): void => {
      buf += d.toString('latin1');
      const nl = buf.indexOf('\r\n');
      if (nl < 0) {
        if (buf.length > 1024) sock.destroy();
        return;
      }
      sock.off('data', onData);
      sock.pause();
      clearTimeout(timer);
      const name = buf.slice(0, nl);
      if (name.toLowerCase() === 'help') {
        sock.end(this.ctx.muxServiceNames().map((n) => `${n}\r\n`).join(''));
        return;
      }
      const target = this.ctx.findMuxService(name);
      if (!target) {
        sock.end('-Service name not found\r\n');
        return;
      }
      const hand = (): void => target.handOff(sock, remote);
      if (target.def.types.includes('TCPMUXPLUS')) sock.write('+Go\r\n', hand);
      else hand();
    };
    sock.on('data', onData);
    sock.resume();
  }

  /** A connection that arrived through tcpmux: this service's own limits and server apply. */
  handOff(sock: net.Socket, remote: string | undefined): void {
    // The tcpmux connection is done with this socket; it now belongs to the target.
    sock.removeAllListeners('close');
    const reason = this.admit(remote, true);
    if (reason) return this.refuseSocket(sock, reason, remote);
    this.served++;
    this.track(remote, 1);
    if (this.launch) this.spawnFor(sock, remote, sock.remotePort ?? 0);
    else sock.destroy();
  }

  private spawnFor(sock: net.Socket, remote: string | undefined, remotePort: number): void {
    const l = this.launch!;
    const env = { ...l.env, REMOTE_HOST: remote ?? '', REMOTE_ADDR: remote ?? '', REMOTE_PORT: String(remotePort) };
    // The spawner takes the socket over: the server gets it as fds 0-2 and our copy is closed.
    const child = this.ctx.servers.spawn(l.file, l.args, {
      socket: sock,
      env,
      ...(l.argv0 ? { argv0: l.argv0 } : {}),
      ...(l.umask !== undefined ? { umask: l.umask } : {}),
    });
    this.watchServer(child, remote);
  }

  /** Counts a per-connection server until it ends, with xinetd's START/EXIT lines. */
  private watchServer(child: ServerProcess, remote: string | undefined): void {
    const l = this.launch!;
    this.children.add(child);
    const started = this.logSuccess ? Date.now() : 0;
    // The pid is known once the server runs (the helper answers asynchronously).
    if (this.logSuccess) child.once('spawn', () => child.pid && this.logStart(child.pid, remote));
    let done = false;
    const end = (code: number | null, signal: NodeJS.Signals | null): void => {
      if (done) return;
      done = true;
      this.children.delete(child);
      this.track(remote, -1);
      if (this.logSuccess) this.logExit(child.pid ?? 0, code, signal, started);
    };
    child.on('error', (e) => {
      this.noteRefusal('spawn', remote);
      this.ctx.log({ id: this.def.id, level: 'error', message: `cannot start "${l.file}": ${e.message}` });
      end(null, null);
    });
    child.on('exit', end);
  }

  private relay(sock: net.Socket, remote: string | undefined): void {
    const r = this.def.redirect!;
    const started = Date.now();
    if (this.logSuccess) this.logStart(0, remote);
    const up = net.connect({ host: this.redirectHost ?? r.host, port: r.port });
    this.conns.add(sock);
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      this.conns.delete(sock);
      this.track(remote, -1);
      sock.destroy();
      up.destroy();
      if (this.logSuccess) {
        const traffic = this.def.logOnSuccess.includes('TRAFFIC') ? ` in=${sock.bytesRead}(bytes) out=${sock.bytesWritten}(bytes)` : '';
        this.logExit(0, 0, null, started, traffic);
      }
    };
    sock.on('error', finish);
    up.on('error', finish);
    // The client side closes last (after up's data is flushed to it).
    sock.on('close', finish);
    up.once('connect', () => {
      sock.pipe(up);
      up.pipe(sock);
      sock.resume();
    });
  }

  // ---- UDP ----------------------------------------------------------------

  private onDatagram(sock: dgram.Socket, msg: Buffer, rinfo: dgram.RemoteInfo): void {
    // Never answer another small service: that is how echo<->chargen loops start.
    if (rinfo.port === 0 || this.ctx.udpGuardPorts.has(rinfo.port)) return;
    const reason = this.admit(rinfo.address, false);
    if (reason) {
      this.noteRefusal(reason, rinfo.address);
      return;
    }
    if (this.access?.needsReverse) {
      const bytes = toBytes(rinfo.address);
      reverse(rinfo.address).then((n) => n[0], () => undefined).then((name) => {
        if (!addressAllowed(this.access!, bytes, name)) this.noteRefusal('address', rinfo.address);
        else this.answer(sock, msg, rinfo);
      }, noop);
      return;
    }
    this.answer(sock, msg, rinfo);
  }

  private answer(sock: dgram.Socket, msg: Buffer, rinfo: dgram.RemoteInfo): void {
    this.served++;
    if (this.logSuccess) {
      this.logStart(0, rinfo.address);
    }
    if (this.internal === 'discard') return;
    if (!this.replyAllowed(rinfo.address)) return;
    let reply: Buffer;
    switch (this.internal) {
      case 'echo':
        reply = msg.length > 2048 ? msg.subarray(0, 2048) : msg;
        break;
      case 'daytime':
        reply = daytimeBytes();
        break;
      case 'time':
        reply = timeBytes();
        break;
      case 'chargen': {
        const r = chargenDatagram(this.ctx.chargenPosition);
        this.ctx.chargenPosition = r.next;
        reply = r.reply;
        break;
      }
      default:
        return;
    }
    sock.send(reply, rinfo.port, rinfo.address, noop);
  }

  /** Token buckets against amplification: per service and per client address. */
  private replyAllowed(addr: string): boolean {
    const now = Date.now();
    const rate = this.ctx.udpReplyRate;
    this.udpTokens = Math.min(rate, this.udpTokens + ((now - this.udpLast) * rate) / 1000);
    this.udpLast = now;
    if (this.udpTokens < 1) return false;
    const second = Math.floor(now / 1000);
    if (second !== this.udpSourcesSecond) {
      this.udpSourcesSecond = second;
      this.udpSources.clear();
    }
    const n = (this.udpSources.get(addr) ?? 0) + 1;
    if (n > this.ctx.udpReplyRatePerSource) return false;
    this.udpSources.set(addr, n);
    this.udpTokens -= 1;
    return true;
  }

  // ---- wait = yes ---------------------------------------------------------

  /** Waits (in the helper) for a connection or datagram without taking it. */
  private armWaiter(): void {
    if (this.closed || !this.raw) return;
    const w = waitReadable([this.raw.fd]);
    this.waiter = w;
    w.ready.then(() => {
      if (this.waiter !== w || this.closed) return;
      this.waiter = undefined;
      this.startWaitServer();
    }, (e) => {
      if (this.waiter !== w || this.closed) return;
      this.waiter = undefined;
      this.ctx.emit({ type: 'inetd.error', at: Date.now(), id: this.def.id, message: describeError(e) });
      const t = setTimeout(() => this.armWaiter(), 1000);
      t.unref?.();
    });
  }

  private startWaitServer(): void {
    const raw = this.raw;
    if (!raw || this.closed) return;
    const reason = this.admit(undefined, false);
    if (reason) {
      this.noteRefusal(reason, undefined);
      // The pending request stays queued for when the service is allowed again.
      if (reason !== 'cps') {
        const t = setTimeout(() => this.armWaiter(), 1000);
        t.unref?.();
      }
      return;
    }
    const l = this.launch!;
    let child: ChildProcess;
    try {
      child = applyUmask(l.umask, () => this.ctx.spawn(l.file, l.args, { stdio: [raw.fd, raw.fd, raw.fd], env: l.env, ...(l.argv0 ? { argv0: l.argv0 } : {}) }));
    } catch (e) {
      this.noteRefusal('spawn', undefined);
      const t = setTimeout(() => this.armWaiter(), 1000);
      t.unref?.();
      return;
    }
    this.served++;
    this.active = 1;
    this.waitChild = child;
    this.children.add(child);
    this.state = 'waiting';
    this.detail = `server pid ${child.pid ?? '?'} owns the socket`;
    const started = Date.now();
    if (this.logSuccess && child.pid) this.logStart(child.pid, undefined);
    if (child.pid) this.ctx.emit({ type: 'inetd.server', at: started, id: this.def.id, pid: child.pid, state: 'started' });
    let done = false;
    const end = (code: number | null, signal: NodeJS.Signals | null): void => {
      if (done) return;
      done = true;
      this.children.delete(child);
      this.waitChild = undefined;
      this.active = 0;
      this.detail = undefined;
      if (this.logSuccess) this.logExit(child.pid ?? 0, code, signal, started);
      if (child.pid) this.ctx.emit({ type: 'inetd.server', at: Date.now(), id: this.def.id, pid: child.pid, state: 'exited', code, signal });
      if (this.closed) return;
      if (this.state === 'waiting') this.state = 'listening';
      if (this.suspendedUntil === null) this.armWaiter();
    };
    child.on('error', (e) => {
      this.noteRefusal('spawn', undefined);
      this.ctx.log({ id: this.def.id, level: 'error', message: `cannot start "${l.file}": ${e.message}` });
      end(null, null);
    });
    child.on('exit', end);
  }

  // ---- logging ------------------------------------------------------------

  private logStart(pid: number, remote: string | undefined): void {
    const s = this.def.logOnSuccess;
    let m = `START: ${this.def.id}`;
    if (s.includes('PID')) m += ` pid=${pid}`;
    if (s.includes('HOST') && remote) m += ` from=${remote}`;
    this.ctx.log({ id: this.def.id, level: 'info', message: m });
  }

  private logExit(pid: number, code: number | null, signal: NodeJS.Signals | null, started: number, extra = ''): void {
    const s = this.def.logOnSuccess;
    if (!s.includes('EXIT') && !s.includes('DURATION') && !extra) return;
    let m = `EXIT: ${this.def.id}`;
    // Neither code nor signal: the server never ran, or its helper died and the status is lost.
    if (s.includes('EXIT')) m += signal ? ` signal=${signal}` : ` status=${code ?? 'unknown'}`;
    if (s.includes('PID')) m += ` pid=${pid}`;
    if (s.includes('DURATION')) m += ` duration=${Math.round((Date.now() - started) / 1000)}(sec)`;
    this.ctx.log({ id: this.def.id, level: 'info', message: m + extra });
  }
}

function noop(): void {}
