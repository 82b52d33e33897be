/**
 * Host liveness: a lease under /hearth/hosts/NAME/alive, kept alive every
 * third of its TTL. When etcd cannot be reached the registration retries with
 * backoff and says so (state "retrying", since when, the last error); when the
 * lease expired meanwhile it takes a new one. It never throws to its owner:
 * losing etcd is a state, not an error.
 */
import { Backoff, Sleeper, type BackoffOptions } from './backoff.js';
import { EtcdError, type EtcdClient } from './etcd-client.js';
import { aliveKey, infoKey } from './keys.js';

const delay = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());

export type FleetLinkState =
  | { state: 'connecting'; since: number }
  | { state: 'connected'; since: number; endpoint: string }
  | { state: 'retrying'; since: number; lastError: string; attempts: number }
  | { state: 'stopped'; since: number };

export interface RegistrationOptions {
  client: EtcdClient;
  host: string;
  leaseTtlMs: number;
  /** Written to /hearth/hosts/NAME/info at each registration: labels, version, start time. */
  info: () => Record<string, unknown>;
  onState?: (state: FleetLinkState) => void;
  /** etcd answers again after a time it did not (or for the first time): resync what depends on it. */
  onReconnected?: () => void;
  /** Each successful keepalive. */
  onAlive?: () => void;
  backoff?: BackoffOptions;
  now?: () => number;
}

export class HostRegistration {
  private link: FleetLinkState;
  private lease: string | undefined;
  private stopped = false;
  private loop: Promise<void> | undefined;
  private readonly sleeper = new Sleeper();
  private readonly backoff: Backoff;
  private readonly ttlSeconds: number;
  private readonly now: () => number;

  constructor(private readonly options: RegistrationOptions) {
    this.now = options.now ?? Date.now;
    this.link = { state: 'connecting', since: this.now() };
    this.ttlSeconds = Math.max(2, Math.ceil(options.leaseTtlMs / 1000));
    // Retry well inside the TTL while the lease may still be alive.
    this.backoff = new Backoff({ initialMs: 250, maxMs: Math.min(10_000, (this.ttlSeconds * 1000) / 3), ...options.backoff });
  }

  get state(): FleetLinkState {
    return this.link;
  }

  /** The lease id while registered, for keys that should vanish with the host. */
  get leaseId(): string | undefined {
    return this.lease;
  }

  start(): void {
    this.loop ??= this.run();
  }

  /** Revokes the lease (the host shows down at once) and stops within about 3 s; never throws. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.sleeper.interrupt();
    // A request to a member that does not answer may be in flight: do not wait out its deadline.
    await Promise.race([this.loop, delay(1000)]);
    if (this.lease) await Promise.race([this.options.client.leaseRevoke(this.lease, 2000).catch(() => {}), delay(2000)]);
    this.lease = undefined;
    this.set({ state: 'stopped', since: this.now() });
  }

  private async run(): Promise<void> {
    const { client, host } = this.options;
    const interval = (this.ttlSeconds * 1000) / 3;
    while (!this.stopped) {
      try {
        if (!this.lease) {
          const lease = await client.leaseGrant(this.ttlSeconds);
          try {
            await client.put(aliveKey(host), JSON.stringify({ since: this.now(), ttl: lease.ttl }), { lease: lease.id });
            await client.put(infoKey(host), JSON.stringify({ ...this.options.info(), registeredAt: this.now() }));
          } finally {
            // stop() waits a second for this loop, then revokes the lease it knows of: one granted
            // later is this loop's to revoke, or the host would show up for a TTL after it left.
            if (this.stopped) await client.leaseRevoke(lease.id, 2000).catch(() => {});
          }
          if (this.stopped) break;
          this.lease = lease.id;
        } else if ((await client.leaseKeepAlive(this.lease, Math.max(1000, interval))) <= 0) {
          // Expired while etcd was away: register again right now.
          this.lease = undefined;
          continue;
        }
        // A keepalive that came back after stop() must not make the link "connected" again.
        if (this.stopped) break;
        if (this.link.state !== 'connected') {
          this.set({ state: 'connected', since: this.now(), endpoint: client.endpoint });
          this.backoff.reset();
          this.options.onReconnected?.();
        }
        this.options.onAlive?.();
        await this.sleeper.sleep(interval);
      } catch (e) {
        if (this.stopped) break;
        const message = e instanceof EtcdError ? e.message : String(e);
        const attempts = this.link.state === 'retrying' ? this.link.attempts + 1 : 1;
        const since = this.link.state === 'retrying' ? this.link.since : this.now();
        this.set({ state: 'retrying', since, lastError: message, attempts });
        await this.sleeper.sleep(this.backoff.next());
      }
    }
  }

  private set(state: FleetLinkState): void {
    this.link = state;
    this.options.onState?.(state);
  }
}
