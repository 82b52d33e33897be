import { HearthError } from '../errors/index.js';
import { formatDuration, type ServiceDefinition } from '../model/index.js';
import { describePortHolders, ipBytes, listenersReachedAt, pidsHolding } from '../process/index.js';
import { missingBus, systemBusAddress, watchBusName } from './bus-name-watch.js';
import { LineMatcher, waitForTcp } from './readiness.js';

export interface ReadinessCallbacks {
  ready(): void;
  /** start_timeout passed first: the runner treats it as a crash. */
  timedOut(error: HearthError): void;
  /** ready = "dbus": the name lost its owner after the service was ready. */
  nameReleased?(name: string): void;
  /** ready = "dbus": the watch on the bus ended after the service was ready (the bus went away). */
  busWatchLost?(why: string): void;
}

export interface ReadinessOptions {
  /**
   * The service's processes now (its cgroup, or its process groups). With
   * it, ready = "tcp:…" counts only a listener one of them holds: another
   * program on the port (a second copy of the service, an old instance) is
   * not this service being ready.
   */
  servicePids?: () => number[];
}

/**
 * Decides when one spawn of a service counts as ready: at once (ready =
 * "none"), when a port accepts, when a line of output matches, on sd_notify
 * READY=1, or (forking) when the pidfile names a live process — each within
 * start_timeout.
 */
export class ReadinessWatch {
  private matcher: LineMatcher | undefined;
  private cancels: Array<() => void> = [];
  private settled = false;
  /** The address a probe reached on someone else's listener: its holder is named if the start times out. */
  private foreignReached: Uint8Array | undefined;
  /** ready = "dbus": the watch on the name, which outlives readiness (a released name ends the run). */
  private endBusWatch: (() => void) | undefined;
  private busAddress: string | undefined;

  constructor(
    private readonly def: ServiceDefinition,
    private readonly callbacks: ReadinessCallbacks,
    private readonly options: ReadinessOptions = {},
  ) {}

  /** ready = "none" (not forking): ready as the process starts, with nothing to watch. */
  static readyAtOnce(def: ServiceDefinition): boolean {
    return def.type !== 'forking' && def.ready.kind === 'none';
  }

  begin(): void {
    const ready = this.def.ready;
    if (ReadinessWatch.readyAtOnce(this.def)) {
      this.markReady();
      return;
    }
    this.armTimeout();
    // A forking daemon is ready when its pidfile is (see the runner); the others as they ask.
    if (this.def.type === 'forking') return;
    if (ready.kind === 'tcp') {
      this.cancels.push(waitForTcp(ready.host, ready.port, () => this.markReady(), { accept: (address) => this.ownsListener(ready.port, address) }));
    }
    if (ready.kind === 'log') this.matcher = new LineMatcher(ready.pattern);
    if (ready.kind === 'dbus') this.watchBus(ready.name);
  }

  /** Ends everything, the bus name watch too: the run is over. */
  end(): void {
    this.cancel();
    this.endBusWatch?.();
    this.endBusWatch = undefined;
  }

  /** Output of the service, for ready = "log:…". */
  feedOutput(chunk: Buffer): void {
    if (this.matcher && !this.settled && this.matcher.feed(chunk)) this.markReady();
  }

  /** sd_notify READY=1 from the service. */
  notifyReady(): void {
    if (this.def.ready.kind === 'notify') this.markReady();
  }

  markReady(): void {
    if (this.settled) return;
    this.cancel();
    this.callbacks.ready();
  }

  cancel(): void {
    this.settled = true;
    this.matcher = undefined;
    for (const c of this.cancels.splice(0)) c();
  }

  /**
   * The probe reached a listener: is it the service's? Only a listener that
   * can be seen in /proc is judged; one that cannot (behind a proxy, in
   * another network namespace) counts as before, since there is nothing to
   * compare.
   */
  private ownsListener(port: number, address: string): boolean {
    const servicePids = this.options.servicePids;
    const reached = ipBytes(address);
    if (!servicePids || !reached) return true;
    const inodes = listenerSockets(port, reached);
    if (inodes.size === 0 || pidsHolding(inodes, servicePids()).length > 0) return true;
    this.foreignReached = reached;
    return false;
  }

  /**
   * Type=dbus: ready when the name has an owner; after that a released name
   * is reported (systemd then stops the unit). A bus that is not there fails
   * the start at once rather than at the timeout.
   */
  private watchBus(name: string): void {
    const address = systemBusAddress();
    this.busAddress = address;
    const fail = (why: string) => {
      if (this.settled) return this.callbacks.busWatchLost?.(why);
      this.cancel();
      this.callbacks.timedOut(new HearthError('ERR_SPAWN', `"${this.def.name}" cannot see BusName=${name} taken on the system bus at ${address}: ${why}`));
    };
    const missing = missingBus(address);
    if (missing !== undefined) {
      queueMicrotask(() => fail(missing));
      return;
    }
    this.endBusWatch = watchBusName(name, address, {
      owned: () => this.markReady(),
      released: () => {
        if (this.settled) this.callbacks.nameReleased?.(name);
      },
      failed: (why) => {
        this.endBusWatch = undefined;
        fail(why);
      },
    });
  }

  private armTimeout(): void {
    const timer = setTimeout(() => {
      if (this.settled) return;
      this.cancel();
      this.callbacks.timedOut(new HearthError('ERR_READY_TIMEOUT', this.timeoutMessage()));
    }, this.def.startTimeoutMs);
    this.cancels.push(() => clearTimeout(timer));
  }

  private timeoutMessage(): string {
    const kind = this.def.type === 'forking' ? 'pidfile' : this.def.ready.kind;
    const text = `"${this.def.name}" did not become ready within ${formatDuration(this.def.startTimeoutMs, { precise: true })} (ready = ${kind})`;
    const ready = this.def.ready;
    if (ready.kind === 'dbus') return `${text}: nothing took BusName=${ready.name} on the system bus at ${this.busAddress ?? systemBusAddress()}`;
    if (ready.kind !== 'tcp' || !this.foreignReached) return text;
    // As it is now: the other program may have gone since the last probe.
    const inodes = listenerSockets(ready.port, this.foreignReached);
    const servicePids = this.options.servicePids?.() ?? [];
    if (inodes.size === 0 || pidsHolding(inodes, servicePids).length > 0) return text;
    return `${text}: port ${ready.port} is held by ${describePortHolders(inodes)}, not by the service`;
  }
}

/** The listening sockets on a port that a connection to `reached` met. */
function listenerSockets(port: number, reached: Uint8Array): Set<number> {
  return new Set(listenersReachedAt(port, reached).map((l) => l.inode));
}
