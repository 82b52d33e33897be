import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { stopProcesses } from './stop.js';
import { ProcessGroupBoundary } from './process-group.js';
import type { Clock } from './clock.js';
import type { ProcessBoundary } from './types.js';

/** A clock that moves only when the test says so. */
class FakeClock implements Clock {
  private t = 0;
  private timers: Array<{ at: number; fn: () => void; id: number }> = [];
  private nextId = 1;
  now(): number {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.timers.push({ at: this.t + ms, fn, id });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.timers = this.timers.filter((x) => x.id !== handle);
  }
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      const due = this.timers.filter((x) => x.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.timers = this.timers.filter((x) => x !== due);
      this.t = due.at;
      due.fn();
    }
    this.t = end;
  }
}

/** Processes that end on the signals listed in `diesOn`, after `lingerMs`. */
class FakeBoundary implements ProcessBoundary {
  readonly description = 'fake';
  readonly received: string[] = [];
  alive = true;
  constructor(
    private readonly clock: FakeClock,
    private readonly diesOn: string[],
    private readonly lingerMs = 0,
  ) {}
  signal(signal: NodeJS.Signals): boolean {
    this.received.push(signal);
    if (this.alive && this.diesOn.includes(signal)) this.clock.setTimeout(() => (this.alive = false), this.lingerMs);
    return this.alive;
  }
  kill(): void {
    this.received.push('SIGKILL');
    this.clock.setTimeout(() => (this.alive = false), 1);
  }
  isEmpty(): boolean {
    return !this.alive;
  }
  whenEmpty(onEmpty: () => void): () => void {
    let handle: unknown;
    const check = () => (this.alive ? (handle = this.clock.setTimeout(check, 10)) : onEmpty());
    check();
    return () => this.clock.clearTimeout(handle);
  }
}

test('stopProcesses() sends the stop signal and resolves "stopped" when the processes end in time', async () => {
  const clock = new FakeClock();
  const b = new FakeBoundary(clock, ['SIGINT'], 500);
  const stop = stopProcesses(b, { signal: 'SIGINT', timeoutMs: 1000, clock });
  clock.advance(600);
  assert.equal(await stop.done, 'stopped');
  assert.deepEqual(b.received, ['SIGINT']);
});

test('stopProcesses() escalates to SIGKILL exactly at the timeout and tells the caller', async () => {
  const clock = new FakeClock();
  const b = new FakeBoundary(clock, []);
  let escalatedAt: number | undefined;
  const stop = stopProcesses(b, { signal: 'SIGTERM', timeoutMs: 3000, clock, onEscalate: () => (escalatedAt = clock.now()) });
  clock.advance(2999);
  assert.deepEqual(b.received, ['SIGTERM'], 'no SIGKILL before the timeout');
  clock.advance(100);
  assert.equal(await stop.done, 'killed');
  assert.equal(escalatedAt, 3000);
  assert.deepEqual(b.received, ['SIGTERM', 'SIGKILL']);
});

test('stopProcesses() on an empty boundary sends nothing', async () => {
  const clock = new FakeClock();
  const b = new FakeBoundary(clock, []);
  b.alive = false;
  assert.equal(await stopProcesses(b, { signal: 'SIGTERM', timeoutMs: 10, clock }).done, 'empty');
  assert.deepEqual(b.received, []);
});

test('stopProcesses() with sendSignal = false only escalates and waits', async () => {
  const clock = new FakeClock();
  const b = new FakeBoundary(clock, []);
  const stop = stopProcesses(b, { signal: 'SIGTERM', timeoutMs: 50, clock, sendSignal: false });
  clock.advance(100);
  assert.equal(await stop.done, 'killed');
  assert.deepEqual(b.received, ['SIGKILL']);
});

test('cancel() disarms the escalation', () => {
  const clock = new FakeClock();
  const b = new FakeBoundary(clock, []);
  const stop = stopProcesses(b, { signal: 'SIGTERM', timeoutMs: 50, clock });
  stop.cancel();
  clock.advance(1000);
  assert.deepEqual(b.received, ['SIGTERM']);
});

test('a real process group that ignores SIGTERM, with a grandchild, is emptied by SIGKILL after the timeout', async () => {
  // The shell ignores TERM and starts a grandchild that ignores it too: both must go.
  // Both shells say when their trap is set: a TERM sent before that would simply end them.
  const child = spawn('/bin/sh', ['-c', 'trap "" TERM; sh -c \'trap "" TERM; echo ready; while :; do sleep 1; done\' & while :; do sleep 1; done'], {
    detached: true,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  child.on('error', () => undefined);
  await new Promise<void>((resolve) => child.stdout!.once('data', () => resolve()));
  const pgid = child.pid!;
  const exited = new Promise((r) => child.once('exit', r));
  const boundary = new ProcessGroupBoundary([pgid]);
  assert.equal(boundary.isEmpty(), false);
  const started = Date.now();
  const outcome = await stopProcesses(boundary, { signal: 'SIGTERM', timeoutMs: 300 }).done;
  await exited;
  assert.equal(outcome, 'killed');
  assert.ok(Date.now() - started >= 290, 'SIGKILL did not come before the timeout');
  assert.equal(boundary.isEmpty(), true);
});
