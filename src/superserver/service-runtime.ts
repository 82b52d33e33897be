import type net from 'node:net';
import type { ChildProcess } from 'node:child_process';
import {
  REFUSAL_REASONS, inetdDefinitionKey,
  type InetdServiceDefinition, type InetdServiceStatus, type RefusalReason,
} from '../model/index.js';
import { describeError } from '../errors/index.js';
import { ProcessGroupBoundary, stopProcesses, type UnitTracking } from '../boundary/index.js';
import { describeBindError } from './bind-error.js';
import type { ServerProcess } from '../native/index.js';
import { Admission } from './admission.js';
import { addressAllowed, toBytes } from './access.js';
import { onDatagram } from './datagram-service.js';
import { INTERNAL_NAMES, LONG_LIVED, canServeRaw } from './internal-services.js';
import { listenAcceptor, listenDatagram, listenRaw, listenStream, type Endpoint, type Listener } from './listeners.js';
import { NOTHING_PREPARED, prepareService, type Prepared } from './service-setup.js';
import { watchServer } from './server-launch.js';
import { acceptHandOff, acceptRaw, acceptStream, decideAcceptorConnection } from './stream-connections.js';
import { UdpReplyLimit } from './udp-reply-limit.js';
import { ServerSet } from './server-set.js';
import { WaitListener } from './wait-service.js';
import { ConnectionLog } from './xinetd-log.js';
import type { EngineContext, InternalName, MuxTarget, ServiceCore } from './engine-context.js';
import type { InetdLogLine, InetdServiceState, InetdStateChange } from './types.js';

/** After a failed resume (the port briefly taken), try again this much later. */
const RESUME_RETRY_MS = 1000;
/** How long a stopped service's servers get after SIGTERM before SIGKILL (xinetd sends SIGKILL at once). */
export const SERVER_STOP_TIMEOUT_MS = 5000;

/**
 * One inetd-style service: its listener, its limits and counters, and the
 * servers it started; every change of its state is an event (types.ts). A
 * runtime is never reconfigured: reload replaces a changed service with a new
 * runtime and lets the old one's servers finish.
 */
export class ServiceRuntime implements ServiceCore, MuxTarget {
  readonly key: string;
  readonly internal: InternalName | undefined;
  readonly forks: boolean;
  readonly admission: Admission;
  readonly log: ConnectionLog;
  readonly conns = new Set<{ destroy(): void }>();
  readonly children = new ServerSet();
  prepared: Prepared = NOTHING_PREPARED;
  private current: InetdServiceState = 'off';
  private detail: string | undefined;
  private readonly errors: string[];
  private served = 0;
  private readonly refused = {} as Record<RefusalReason, number>;
  private listener: Listener | undefined;
  /** Resolves when the last listener closed has let go of its port. */
  private released: Promise<void> = Promise.resolve();
  /** Settles once a listener being opened is either in place or closed again. */
  private opening: Promise<void> = Promise.resolve();
  private closed = true;
  private waitPid: number | null = null;
  private readonly udpLimit: UdpReplyLimit;
  private logFileFull = false;
  private tracking: UnitTracking | undefined;

  constructor(readonly def: InetdServiceDefinition, readonly ctx: EngineContext) {
    this.key = inetdDefinitionKey(def);
    this.internal = def.types.includes('INTERNAL') && INTERNAL_NAMES.has(def.name) ? (def.name as InternalName) : undefined;
    this.forks = !this.internal || (def.protocol === 'tcp' && LONG_LIVED.has(this.internal));
    this.errors = [...def.errors];
    for (const k of REFUSAL_REASONS) this.refused[k] = 0;
    this.admission = new Admission(def, { onSuspend: (until) => this.suspend(until), onResume: () => this.resume() });
    this.log = new ConnectionLog(def, (l) => this.writeLog(l));
    this.udpLimit = new UdpReplyLimit(ctx.udpReplyRate, ctx.udpReplyRatePerSource);
    if (def.errors.length > 0) this.current = 'broken';
    else if (def.disabled) this.current = 'disabled';
  }

  get state(): InetdServiceState {
    return this.current;
  }

  get active(): number {
    return this.admission.active;
  }

  get isMuxClient(): boolean {
    return this.def.types.includes('TCPMUX') || this.def.types.includes('TCPMUXPLUS');
  }

  private get endpoint(): Endpoint {
    const p = this.def.port;
    const host = this.def.bind || (this.def.flags.includes('IPv6') ? '::' : '0.0.0.0');
    return { host, port: p > 0 && p < 1024 ? p + this.ctx.portOffset : p };
  }

  countServed(): void {
    this.served++;
  }

  refuse(reason: RefusalReason, remote: string | undefined): void {
    this.refused[reason]++;
    if (reason !== 'address' || !this.forks) return this.log.refused(reason, remote);
    // xinetd forks first and its child checks the address: START, FAIL, then the child's EXIT (status 0).
    const started = this.log.started();
    this.log.start(0, remote);
    this.log.refused(reason, remote);
    this.log.exit(0, 0, null, started);
  }

  /** A line of the connection log: to log_type's FILE (once full, no more), then to the host. */
  private writeLog(line: InetdLogLine): void {
    const file = this.prepared.logFile;
    if (line.service && file && !file.write(line.message) && !this.logFileFull) {
      this.logFileFull = true;
      this.log.fileFull(file.path);
    }
    this.ctx.log(line);
  }

  /** The limits (admission.ts), then the address rules (access.ts) unless they wait for a reverse lookup. */
  admit(remote: string | undefined, counted: boolean): RefusalReason | null {
    const limited = this.admission.admit(remote, counted);
    if (limited) return limited;
    const access = this.prepared.access;
    if (access && !access.needsReverse && !addressAllowed(access, remote === undefined ? undefined : toBytes(remote))) return 'address';
    return null;
  }

  handOff(sock: net.Socket, remote: string | undefined): void {
    acceptHandOff(this, sock, remote);
  }

  /**
   * Reads banners, resolves names, builds the command line, then listens.
   * What the definition cannot do (a missing banner file, a name that does
   * not resolve) leaves the service "broken"; a port it cannot have leaves
   * it "failed", with who holds the port.
   */
  async start(): Promise<void> {
    if (this.def.disabled || this.def.errors.length > 0) return;
    let stage: 'broken' | 'failed' = 'broken';
    try {
      this.prepared = this.withCgroups(await prepareService(this.def, this.internal, this.isMuxClient, this.ctx.envCompat));
      this.closed = false;
      stage = 'failed';
      const port = await this.listen();
      if (port === undefined) return; // closed meanwhile
      this.errors.length = 0;
      this.errors.push(...this.def.errors);
      const change = this.moveTo('listening');
      if (change) this.ctx.emit({ type: 'inetd.listening', at: Date.now(), id: this.def.id, port, protocol: this.isMuxClient ? 'tcpmux' : this.def.protocol, change });
    } catch (e) {
      this.closed = true;
      const message = stage === 'failed' ? describeBindError(e, this.def.protocol, this.endpoint) : describeError(e);
      this.errors.push(message);
      const change = this.moveTo(stage);
      this.ctx.emit({ type: 'inetd.error', at: Date.now(), id: this.def.id, message, ...(change ? { change } : {}) });
      throw new Error(message, { cause: e });
    }
  }

  /** The service's cgroup side, where hearthd tracks units by cgroup. */
  get unit(): UnitTracking | undefined {
    return (this.tracking ??= this.ctx.unitOf?.(this.def.id));
  }

  /** A service that starts servers gets its cgroup (created here); each server joins it before it runs. */
  private withCgroups(p: Prepared): Prepared {
    if (!p.launch) return p;
    // No cgroup limits for inetd-style services: their servers join only what status reads.
    const cgroups = this.unit?.joinFiles();
    return cgroups ? { ...p, launch: { ...p.launch, cgroups } } : p;
  }

  /**
   * Stops every process of this service's servers: SIGTERM, then SIGKILL to
   * whatever is left after SERVER_STOP_TIMEOUT_MS; resolves once none is
   * left. With cgroup tracking that is the service's whole cgroup (children
   * that called setsid or double-forked, servers of an earlier definition of
   * the service); without, the servers hearth started, by pid.
   */
  async stopServers(): Promise<void> {
    const pids = [...this.children].map((c) => c.pid ?? null);
    const boundary = this.unit ? this.unit.boundary(pids) : new ProcessGroupBoundary(pids);
    await stopProcesses(boundary, { signal: 'SIGTERM', timeoutMs: SERVER_STOP_TIMEOUT_MS }).done;
  }

  /**
   * Opens the listener this service needs; resolves with the port bound (0 for
   * a tcpmux client, which the tcpmux service listens for), or undefined when
   * the service was closed meanwhile (the new listener is closed again).
   */
  private async listen(): Promise<number | undefined> {
    if (this.isMuxClient) {
      this.detail = 'via tcpmux';
      return 0;
    }
    // A listener closed a moment ago (cps) must have let go of the port first.
    await this.released;
    const attempt = this.openListener();
    const settled = attempt.then((l) => (this.closed ? l.close() : void (this.listener = l)), () => undefined);
    this.opening = settled;
    await settled;
    const listener = await attempt;
    return this.closed ? undefined : listener.port;
  }

  private async openListener(): Promise<Listener> {
    const d = this.def;
    const at = this.endpoint;
    const onError = (message: string): void => this.ctx.emit({ type: 'inetd.error', at: Date.now(), id: d.id, message });
    if (d.wait && !this.internal) {
      const listener: WaitListener = await WaitListener.open(this, at, {
        started: (child) => this.waitServerStarted(child, listener),
        exited: (child, code, signal) => this.waitServerExited(child, code, signal, listener),
      });
      return listener;
    }
    if (d.protocol === 'udp') return listenDatagram(at, (sock, msg, rinfo) => onDatagram(this, this.udpLimit, sock, msg, rinfo), onError);
    const viaHelper = this.ctx.acceptorPath && this.plainServer ? await this.listenAcceptor(this.ctx.acceptorPath, at, onError) : undefined;
    if (viaHelper) return viaHelper;
    const raw = canServeRaw(this) ? listenRaw(at, (conn) => acceptRaw(this, conn)) : undefined;
    if (raw) return raw;
    return listenStream(at, {
      pauseOnConnect: !this.internal || this.internal === 'tcpmux' || !!d.redirect,
      // A relay must pass a client's half-close on, not answer it with its own.
      allowHalfOpen: !!d.redirect,
      noDelay: d.flags.includes('NODELAY'),
      keepAlive: d.flags.includes('KEEPALIVE'),
    }, (sock) => acceptStream(this, sock), onError);
  }

  /** A server started for each connection with nothing written first, only address rules to check, and no identd to ask. */
  private get plainServer(): boolean {
    const p = this.prepared;
    return !!p.launch && !p.banner && !p.bannerSuccess && !p.bannerFail && !p.access?.needsReverse && !this.log.useridOnSuccess && !this.log.useridOnFailure;
  }

  private listenAcceptor(path: string, at: Endpoint, onError: (message: string) => void): Promise<Listener | undefined> {
    const l = this.prepared.launch!;
    return listenAcceptor(path, at, {
      ...l,
      nodelay: this.def.flags.includes('NODELAY'),
      keepalive: this.def.flags.includes('KEEPALIVE'),
    }, {
      decide: (remote) => decideAcceptorConnection(this, remote),
      onServer: (server, remote) => watchServer(this, server, remote),
      onError,
    });
  }

  private waitServerStarted(child: ChildProcess, listener: Listener): void {
    this.waitPid = child.pid ?? null;
    this.detail = `server pid ${child.pid ?? '?'} owns the socket`;
    const change = this.listener === listener ? this.moveTo('waiting') : undefined;
    if (child.pid) this.ctx.emit({ type: 'inetd.server', at: Date.now(), id: this.def.id, pid: child.pid, state: 'started', ...(change ? { change } : {}) });
  }

  private waitServerExited(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null, listener: Listener): void {
    this.waitPid = null;
    this.detail = undefined;
    const change = this.listener === listener && this.current === 'waiting' ? this.moveTo('listening') : undefined;
    if (child.pid) this.ctx.emit({ type: 'inetd.server', at: Date.now(), id: this.def.id, pid: child.pid, state: 'exited', code, signal, ...(change ? { change } : {}) });
  }

  /** Stops listening; servers already running are left to finish. Resolves when the port is free. */
  close(): Promise<void> {
    this.closed = true;
    this.admission.stop();
    this.stopListening();
    const live = this.current === 'listening' || this.current === 'suspended' || this.current === 'waiting' || this.current === 'failed';
    if (live) this.detail = undefined;
    const change = live ? this.moveTo('off') : undefined;
    this.ctx.emit({ type: 'inetd.closed', at: Date.now(), id: this.def.id, ...(change ? { change } : {}) });
    // A listener still being opened is closed as soon as it exists (listen()).
    return Promise.all([this.released, this.opening]).then(() => undefined);
  }

  /** close(), and also end in-process connections and (optionally) stop running servers. */
  async destroy(killServers: boolean): Promise<void> {
    const released = this.close();
    for (const c of this.conns) c.destroy();
    this.conns.clear();
    await Promise.all([released, killServers ? this.stopServers() : undefined]);
  }

  private stopListening(): void {
    const l = this.listener;
    this.listener = undefined;
    if (l) this.released = Promise.all([this.released, l.close()]).then(() => undefined);
  }

  /** cps tripped (from inside admit()): stop listening for the pause; counters stay. */
  private suspend(until: number): void {
    this.stopListening();
    this.log.deactivated(this.def.cps.pauseSeconds);
    const change = this.moveTo('suspended');
    if (change) this.ctx.emit({ type: 'inetd.suspended', at: Date.now(), id: this.def.id, until, reason: 'cps', change });
  }

  private resume(): void {
    if (this.closed) return;
    this.listen().then(
      (port) => {
        if (port === undefined) return;
        this.log.activated();
        const change = this.moveTo('listening');
        if (change) this.ctx.emit({ type: 'inetd.resumed', at: Date.now(), id: this.def.id, port, change });
      },
      (e) => {
        if (this.closed) return;
        // The port may be briefly taken (a wait = yes server still owns it): try again rather than stay off.
        this.ctx.emit({ type: 'inetd.error', at: Date.now(), id: this.def.id, message: `cannot resume: ${describeBindError(e, this.def.protocol, this.endpoint)}` });
        this.admission.suspendFor(RESUME_RETRY_MS);
      },
    );
  }

  /** Sets the state; the change, for the event that reports it, when there was one. */
  private moveTo(to: InetdServiceState): InetdStateChange | undefined {
    const from = this.current;
    this.current = to;
    return from === to ? undefined : { from, to };
  }

  status(): InetdServiceStatus {
    const d = this.def;
    const port = this.listener?.port ?? null;
    return {
      id: d.id,
      name: d.name,
      description: d.description,
      source: `${d.origin.file}${d.origin.line ? `:${d.origin.line}` : ''}`,
      protocol: d.protocol,
      port,
      bind: port !== null ? this.endpoint.host : null,
      state: this.current,
      ...(this.detail ? { detail: this.detail } : {}),
      served: this.served,
      refused: { ...this.refused },
      instances: this.admission.active,
      suspendedUntil: this.admission.suspendedUntil,
      pid: this.waitPid,
      errors: [...this.errors],
    };
  }
}
