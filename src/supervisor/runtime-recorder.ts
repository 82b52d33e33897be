import type { RuntimeRecord, RuntimeStateStore } from './runtime-state.js';
import { textHash } from '../util/text-hash.js';

/**
 * Keeps one service's runtime record on disk for a hearthd that recovers from
 * a crash. The intent written just before a spawn goes to disk at once; every
 * other change is written once per tick and only if the record changed, since
 * a start passes through several states in the same tick.
 */
export class RuntimeRecorder {
  private queued = false;
  /** The hash of the record last written (the text itself would be a few hundred bytes a service). */
  private last: string | undefined;
  private disposed = false;

  constructor(
    private readonly store: RuntimeStateStore | undefined,
    private readonly name: string,
    /** The record as it stands now. */
    private readonly current: () => RuntimeRecord,
  ) {}

  /** Written now, with extra fields (the intent to spawn). */
  saveNow(extra: Partial<RuntimeRecord>): void {
    if (this.store) this.write(extra);
  }

  /** Written at the end of this tick. */
  saveSoon(): void {
    if (!this.store || this.queued) return;
    this.queued = true;
    queueMicrotask(() => {
      this.queued = false;
      if (!this.disposed) this.write({});
    });
  }

  /** The service is gone from the config: its record goes too. */
  dispose(): void {
    this.disposed = true;
    this.store?.remove(this.name);
  }

  private write(extra: Partial<RuntimeRecord>): void {
    const text = JSON.stringify({ ...this.current(), ...extra });
    const hash = textHash(text);
    if (hash === this.last) return;
    this.last = hash;
    this.store!.saveText(this.name, text);
  }
}
