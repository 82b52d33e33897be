import type { ChildProcess } from 'node:child_process';
import { applyUmask } from '../process/index.js';
import { describeError } from '../errors/index.js';
import { bindRawTcp, bindRawUdp, joinThenRun, listenFds, waitReadable, type FdWait, type RawSocket } from '../native/index.js';
import type { Endpoint, Listener } from './listeners.js';
import type { ServiceCore } from './engine-context.js';
import { NO_ADDRESS } from './xinetd-log.js';

/** After a failed wait or start, try again this much later rather than spin. */
const RETRY_MS = 1000;

export interface WaitServerEvents {
  /** A server took the socket (the service is "waiting" until it exits). */
  started(child: ChildProcess): void;
  exited(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void;
}

/**
 * A wait = yes service: hearthd binds the socket but never accepts or reads
 * from it. A helper waits until a connection or datagram is pending (without
 * taking it), then the server is started with the socket as fds 0-2 and
 * serves for as long as it likes; when it exits, waiting starts again.
 */
export class WaitListener implements Listener {
  private waiter: FdWait | undefined;
  private closing: Promise<void> | undefined;
  private retry: NodeJS.Timeout | undefined;

  private constructor(
    private readonly core: ServiceCore,
    private readonly raw: RawSocket,
    private readonly events: WaitServerEvents,
  ) {}

  static async open(core: ServiceCore, at: Endpoint, events: WaitServerEvents): Promise<WaitListener> {
    const tcp = core.def.protocol === 'tcp';
    // "::" takes IPv4-mapped clients too, as xinetd's IPv6 services do (v6only = no).
    const raw = tcp ? bindRawTcp(at.host, at.port, false) : bindRawUdp(at.host, at.port, false);
    try {
      if (tcp) await listenFds([raw.fd]);
    } catch (e) {
      await raw.close();
      throw e;
    }
    const listener = new WaitListener(core, raw, events);
    listener.arm();
    return listener;
  }

  get port(): number {
    return this.raw.port;
  }

  /** hearthd's copy and the waiting helper's are closed when this resolves; a running server keeps its own. */
  close(): Promise<void> {
    if (this.closing) return this.closing;
    clearTimeout(this.retry);
    const waiter = this.waiter;
    this.waiter = undefined;
    this.closing = Promise.all([waiter?.cancel(), this.raw.close()]).then(() => undefined);
    return this.closing;
  }

  private arm(): void {
    if (this.closing) return;
    const w = waitReadable([this.raw.fd]);
    this.waiter = w;
    w.ready.then(() => {
      if (this.waiter !== w) return;
      this.waiter = undefined;
      this.startServer();
    }, (e) => {
      if (this.waiter !== w) return;
      this.waiter = undefined;
      this.core.ctx.emit({ type: 'inetd.error', at: Date.now(), id: this.core.def.id, message: describeError(e) });
      this.later();
    });
  }

  private later(): void {
    this.retry = setTimeout(() => this.arm(), RETRY_MS);
    this.retry.unref();
  }

  private startServer(): void {
    if (this.closing) return;
    const core = this.core;
    const reason = core.admit(undefined, false);
    if (reason) {
      core.refuse(reason, undefined);
      // The pending request stays queued for when the service is allowed again (cps: after the pause, on a new listener).
      if (reason !== 'cps') this.later();
      return;
    }
    const l = core.prepared.launch!;
    const fd = this.raw.fd;
    let child: ChildProcess;
    try {
      // No accepted connection, so no peer: xinetd's REMOTE_HOST then reads "<no address>".
      const env = { ...l.env, REMOTE_HOST: NO_ADDRESS };
      // With cgroup tracking the server joins the service's cgroup before it runs (through hearth-cgexec).
      const run = joinThenRun(l.file, l.args, { ...(l.argv0 ? { argv0: l.argv0 } : {}), ...(l.cgroups ? { cgroups: l.cgroups } : {}) });
      child = applyUmask(l.umask, () => core.ctx.spawn(run.file, run.args, { stdio: [fd, fd, fd], env, ...(run.argv0 ? { argv0: run.argv0 } : {}) }));
    } catch {
      core.refuse('spawn', undefined);
      this.later();
      return;
    }
    core.countServed();
    core.admission.opened(undefined);
    core.children.add(child);
    const started = core.log.started();
    if (child.pid) core.log.start(child.pid, undefined);
    this.events.started(child);
    let done = false;
    const end = (code: number | null, signal: NodeJS.Signals | null): void => {
      if (done) return;
      done = true;
      core.children.delete(child);
      core.admission.closed(undefined);
      core.log.exit(child.pid ?? 0, code, signal, started);
      this.events.exited(child, code, signal);
      this.arm();
    };
    child.on('error', (e) => {
      core.refuse('spawn', undefined);
      core.log.cannotStart(l.file, e.message);
      end(null, null);
    });
    child.on('exit', end);
  }
}
