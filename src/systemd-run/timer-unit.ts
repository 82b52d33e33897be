/**
 * A .timer unit: while active it starts its Unit= when the next of its
 * values elapses. Calendar values come from the systemd calendar library
 * (the same next elapse systemd-analyze computes); monotonic ones count from
 * their base — boot, hearthd's start, the timer's activation, or the last
 * time the unit became active or inactive — and each elapses once per base,
 * as systemd's do. Persistent= timers keep their last trigger across
 * restarts of hearthd and catch up a run missed while it was down.
 * hearth's cron host (src/timers) schedules crontab lines; systemd timers
 * are relative to units' activity, which it does not model, so they are
 * scheduled here.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { bootTime } from '../process/index.js';
import { CalendarEvent, type SystemdUnit, type TimerValue } from '../systemd/index.js';

/** setTimeout cannot wait longer than this; longer waits are re-armed. */
const MAX_WAIT = 2 ** 31 - 1;

export interface TimerContext {
  startUnit(name: string): Promise<void>;
  /** When the triggered unit last became active and inactive (null: never, since hearthd started). */
  unitTimes(name: string): { activeAt: number | null; inactiveAt: number | null };
  /** The last trigger a persistent timer recorded, and recording one. */
  lastTrigger(name: string): number | null;
  recordTrigger(name: string, at: number, persistent: boolean): void;
  /** Told when a trigger's start failed. */
  failed(name: string, message: string): void;
  /** Told after every change of the schedule (for list and status). */
  changed(name: string): void;
  managerStartedAt: number;
  now?: () => number;
}

export class TimerUnit {
  active = false;
  next: number | null = null;
  last: number | null;
  private activatedAt = 0;
  private timer: NodeJS.Timeout | undefined;
  /** Monotonic values already elapsed for their current base ("OnBootSec=@1700000000000"). */
  private readonly elapsed = new Set<string>();
  private readonly boot = bootTime();

  constructor(
    public unit: SystemdUnit,
    private readonly ctx: TimerContext,
  ) {
    this.last = ctx.lastTrigger(unit.name);
  }

  get target(): string {
    return this.unit.timer!.unit;
  }

  private now(): number {
    return (this.ctx.now ?? Date.now)();
  }

  start(): void {
    if (this.active) return;
    this.active = true;
    this.activatedAt = this.now();
    this.elapsed.clear();
    this.schedule();
  }

  stop(): void {
    this.active = false;
    this.next = null;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.ctx.changed(this.unit.name);
  }

  /** The triggered unit changed state: OnUnitActiveSec=/OnUnitInactiveSec= have a new base. */
  unitChanged(): void {
    if (this.active) this.schedule();
  }

  /** The base a monotonic value counts from, or null when it has none yet. */
  private baseOf(v: Exclude<TimerValue, { base: 'OnCalendar' }>): number | null {
    switch (v.base) {
      case 'OnActiveSec':
        return this.activatedAt;
      case 'OnBootSec':
        return this.boot;
      case 'OnStartupSec':
        return this.ctx.managerStartedAt;
      case 'OnUnitActiveSec':
        return this.ctx.unitTimes(this.target).activeAt;
      case 'OnUnitInactiveSec':
        return this.ctx.unitTimes(this.target).inactiveAt;
    }
  }

  /** The next elapse of each value; the earliest wins. */
  private candidates(): Array<{ at: number; key?: string }> {
    const t = this.unit.timer!;
    const out: Array<{ at: number; key?: string }> = [];
    for (const v of t.values) {
      if (v.base === 'OnCalendar') {
        const event = CalendarEvent.parse(v.text);
        // A persistent timer counts from its last run, so a run missed while hearthd was down happens now.
        const from = t.persistent && this.last !== null ? this.last : Math.max(this.last ?? 0, this.activatedAt);
        const next = event?.next(new Date(from));
        if (next) out.push({ at: next.getTime() });
        continue;
      }
      const base = this.baseOf(v);
      if (base === null) continue;
      const key = `${v.base}=${v.usec}@${base}`;
      if (this.elapsed.has(key)) continue;
      out.push({ at: base + Math.floor(v.usec / 1000), key });
    }
    return out;
  }

  /** RandomizedDelaySec=: random per elapse, or stable per timer and machine with FixedRandomDelay=. */
  private randomDelay(): number {
    const t = this.unit.timer!;
    const max = Math.floor(t.randomizedDelayUsec / 1000);
    if (max <= 0) return 0;
    if (!t.fixedRandomDelay) return Math.floor(Math.random() * max);
    const h = createHash('sha256').update(`${this.unit.name}\0${readMachineId()}`).digest();
    return h.readUInt32BE(0) % max;
  }

  private schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const all = this.candidates();
    if (all.length === 0) {
      this.next = null;
      // RemainAfterElapse=no: a timer with nothing left to do goes inactive.
      if (!this.unit.timer!.remainAfterElapse) this.active = false;
      this.ctx.changed(this.unit.name);
      return;
    }
    const first = all.reduce((a, b) => (b.at < a.at ? b : a));
    const due = first.at + this.randomDelay();
    this.next = due;
    this.ctx.changed(this.unit.name);
    const arm = () => {
      const wait = due - this.now();
      if (wait > MAX_WAIT) {
        this.timer = setTimeout(arm, MAX_WAIT);
        return;
      }
      this.timer = setTimeout(() => this.elapse(all.filter((c) => c.at <= first.at)), Math.max(0, wait));
    };
    arm();
  }

  private elapse(which: Array<{ at: number; key?: string }>): void {
    if (!this.active) return;
    for (const c of which) if (c.key) this.elapsed.add(c.key);
    const at = this.now();
    this.last = at;
    this.ctx.recordTrigger(this.unit.name, at, this.unit.timer!.persistent);
    this.ctx.startUnit(this.target).then(
      () => this.schedule(),
      (e: Error) => {
        this.ctx.failed(this.unit.name, `cannot start ${this.target}: ${e.message}`);
        this.schedule();
      },
    );
    // Until the start settles, nothing else is due.
    this.next = null;
    this.ctx.changed(this.unit.name);
  }
}

let machineId: string | undefined;
function readMachineId(): string {
  if (machineId === undefined) {
    try {
      machineId = readFileSync('/etc/machine-id', 'utf8').trim();
    } catch {
      machineId = '';
    }
  }
  return machineId;
}
