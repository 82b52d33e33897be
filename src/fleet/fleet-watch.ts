/**
 * A live copy of the fleet's hosts: one read of /hearth/hosts/, then a watch
 * that applies every change. hearthd runs one while someone looks at the
 * GUI's Fleet page (the browser never talks to etcd), and passes each new
 * view on, coalesced: a fleet-wide restart is a burst of report writes, and
 * the page needs the state after the burst, not every step of it.
 *
 * Losing etcd keeps the last view and says it is stale; the watch is reopened
 * with backoff and the view is read whole again (nothing missed in between).
 */
import { Backoff, Sleeper } from './backoff.js';
import type { EtcdClient, EtcdError } from './etcd-client.js';
import { openWatch, type Watch, type WatchEvent } from './etcd-watch.js';
import { HOSTS } from './keys.js';
import { hostViews, type HostView } from './host-view.js';

export interface FleetWatchSnapshot {
  /** live: watching; syncing: reading; stale: etcd cannot be read, this is the last view. */
  state: 'syncing' | 'live' | 'stale';
  error?: string;
  hosts: HostView[];
  /** When the view last changed. */
  at: number;
}

export interface FleetWatchOptions {
  client: EtcdClient;
  onChange(snapshot: FleetWatchSnapshot): void;
  /** Changes within this interval are passed on once; default 250 ms. */
  coalesceMs?: number;
}

export class FleetWatch {
  private readonly kvs = new Map<string, string>();
  private snap: FleetWatchSnapshot = { state: 'syncing', hosts: [], at: Date.now() };
  private watch: Watch | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private loop: Promise<void> | undefined;
  private wake: ((why: string) => void) | undefined;
  private readonly sleeper = new Sleeper();
  private readonly backoff = new Backoff({ initialMs: 250, maxMs: 5000 });

  constructor(private readonly options: FleetWatchOptions) {}

  get snapshot(): FleetWatchSnapshot {
    return this.snap;
  }

  start(): void {
    this.loop ??= this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.sleeper.interrupt();
    this.wake?.('stop');
    if (this.timer) clearTimeout(this.timer);
    this.watch?.close();
    await this.loop;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        const r = await this.options.client.range(HOSTS, { prefix: true });
        this.kvs.clear();
        for (const kv of r.kvs) this.kvs.set(kv.key, kv.value);
        const ended = new Promise<string>((resolve) => (this.wake = resolve));
        this.watch = await openWatch(this.options.client, {
          key: HOSTS,
          prefix: true,
          startRevision: r.revision + 1,
          onEvents: (events) => this.apply(events),
          onClose: (e: EtcdError) => this.wake?.(e.message),
        });
        this.backoff.reset();
        this.update('live');
        const why = await ended;
        this.watch.close();
        this.watch = undefined;
        if (this.stopped) break;
        this.update('stale', why);
      } catch (e) {
        if (this.stopped) break;
        this.update('stale', e instanceof Error ? e.message : String(e));
      }
      await this.sleeper.sleep(this.backoff.next());
    }
  }

  private apply(events: WatchEvent[]): void {
    for (const e of events) {
      if (e.type === 'put') this.kvs.set(e.kv.key, e.kv.value);
      else this.kvs.delete(e.kv.key);
    }
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.update('live');
    }, this.options.coalesceMs ?? 250);
  }

  private update(state: FleetWatchSnapshot['state'], error?: string): void {
    const hosts = state === 'stale' ? this.snap.hosts : hostViews([...this.kvs].map(([key, value]) => ({ key, value })));
    this.snap = { state, ...(error ? { error } : {}), hosts, at: Date.now() };
    this.options.onChange(this.snap);
  }
}
