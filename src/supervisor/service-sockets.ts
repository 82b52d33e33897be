import { HearthError, describeError } from '../errors/index.js';
import type { ServiceDefinition } from '../model/index.js';
import type { HeldSockets } from './runner.js';
import { activationStdio, bindListeners, waitForFirstConnection, type BoundSocket } from '../superserver/index.js';

/**
 * What a service holds beyond its processes: its sd_notify socket and the
 * sockets hearthd binds for it (socket activation). They are made once and
 * outlive the processes, so no connection is refused during a restart.
 */
export class ServiceSockets {
  private notifySocket: string | undefined;
  private listeners: BoundSocket[] | undefined;

  constructor(
    private readonly def: ServiceDefinition,
    private readonly notifySocketFor: (name: string) => Promise<string>,
    /** Sockets a systemd socket unit holds for a service, as they are at each start (hearthd's one lookup, shared). */
    private readonly heldSockets?: (name: string) => HeldSockets[],
  ) {}

  /** Whether something must be bound before the first spawn. */
  get needsPreparation(): boolean {
    return (this.def.ready.kind === 'notify' && this.notifySocket === undefined) || (this.def.listen.length > 0 && this.listeners === undefined);
  }

  /** Whether the service listens through sockets hearthd holds. */
  get hasListeners(): boolean {
    return this.listeners !== undefined && this.listeners.length > 0;
  }

  async prepare(): Promise<void> {
    if (this.def.ready.kind === 'notify' && this.notifySocket === undefined) {
      this.notifySocket = await this.notifySocketFor(this.def.name);
    }
    if (this.def.listen.length > 0 && this.listeners === undefined) {
      try {
        this.listeners = await bindListeners(this.def.listen);
      } catch (e) {
        throw new HearthError('ERR_SPAWN', `cannot start "${this.def.name}": ${describeError(e)}`, { cause: e });
      }
    }
  }

  /** NOTIFY_SOCKET and LISTEN_FDS for the launch; held sockets come after hearthd's own, fetched by the launch chain. */
  launchEnv(): { notifySocket?: string; activation?: Record<string, string>; receiveFds?: Array<{ controlPath: string; firstFd: number }> } {
    const sockets = this.listeners ?? [];
    const held = this.heldSockets?.(this.def.name) ?? [];
    const names = [...sockets.map((s) => s.name), ...held.flatMap((h) => h.names)];
    let next = 3 + sockets.length;
    const receiveFds = held.map((h) => {
      const at = { controlPath: h.controlPath, firstFd: next };
      next += h.names.length;
      return at;
    });
    return {
      ...(this.def.ready.kind === 'notify' ? { notifySocket: this.notifyPath() } : {}),
      ...(names.length > 0 ? { activation: { LISTEN_FDS: String(names.length), LISTEN_FDNAMES: names.join(':') } } : {}),
      ...(receiveFds.length > 0 ? { receiveFds } : {}),
    };
  }

  /** The listening sockets as fds 3, 4, … of the child. */
  stdio(): number[] {
    return activationStdio(this.listeners ?? []);
  }

  /** activation = "on-demand": resolves when the first connection or datagram is pending. */
  waitForFirstConnection(): { ready: Promise<unknown>; cancel(): void } {
    return waitForFirstConnection(this.listeners ?? []);
  }

  close(): void {
    for (const s of this.listeners ?? []) s.close();
    this.listeners = undefined;
  }

  private notifyPath(): string {
    if (!this.notifySocket) {
      throw new HearthError('ERR_SPAWN', `cannot start "${this.def.name}" with ready = "notify": its notify socket is not open`);
    }
    return this.notifySocket;
  }
}
