import { HearthError } from '../errors/index.js';
import type { ServiceDefinition } from '../model/index.js';
import { LineMatcher, waitForTcp } from './readiness.js';

export interface ReadinessCallbacks {
  ready(): void;
  /** start_timeout passed first: the runner treats it as a crash. */
  timedOut(error: HearthError): void;
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

  constructor(
    private readonly def: ServiceDefinition,
    private readonly callbacks: ReadinessCallbacks,
  ) {}

  begin(): void {
    const ready = this.def.ready;
    if (this.def.type !== 'forking' && ready.kind === 'none') {
      this.markReady();
      return;
    }
    this.armTimeout();
    // A forking daemon is ready when its pidfile is (see the runner); the others as they ask.
    if (this.def.type === 'forking') return;
    if (ready.kind === 'tcp') this.cancels.push(waitForTcp(ready.host, ready.port, () => this.markReady()));
    if (ready.kind === 'log') this.matcher = new LineMatcher(ready.pattern);
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

  private armTimeout(): void {
    const timer = setTimeout(() => {
      if (this.settled) return;
      this.cancel();
      const kind = this.def.type === 'forking' ? 'pidfile' : this.def.ready.kind;
      this.callbacks.timedOut(new HearthError('ERR_READY_TIMEOUT', `"${this.def.name}" did not become ready within ${this.def.startTimeoutMs}ms (ready = ${kind})`));
    }, this.def.startTimeoutMs);
    this.cancels.push(() => clearTimeout(timer));
  }
}
