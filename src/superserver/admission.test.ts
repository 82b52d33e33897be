import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TimeInterval } from '../model/index.js';
import { Admission, type AdmissionLimits, type Clock } from './admission.js';

/** A clock that moves only when the test says so. */
class FakeClock implements Clock {
  private t = 1_000_000;
  private timers: Array<{ at: number; run: () => void; live: boolean }> = [];

  now(): number {
    return this.t;
  }

  after(ms: number, run: () => void): () => void {
    const timer = { at: this.t + ms, run, live: true };
    this.timers.push(timer);
    return () => (timer.live = false);
  }

  get pending(): number {
    return this.timers.filter((x) => x.live).length;
  }

  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      const next = this.timers.filter((x) => x.live && x.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!next) break;
      this.t = next.at;
      next.live = false;
      next.run();
    }
    this.t = end;
    this.timers = this.timers.filter((x) => x.live);
  }
}

const NO_CPS = { rate: 0, pauseSeconds: 0 };

function setup(limits: Partial<AdmissionLimits>, load = 0) {
  const clock = new FakeClock();
  const calls: string[] = [];
  const admission = new Admission(
    { cps: NO_CPS, ...limits },
    {
      onSuspend: (until) => calls.push(`suspend until +${until - clock.now()}`),
      onResume: () => calls.push('resume'),
    },
    clock,
    () => load,
  );
  return { admission, clock, calls };
}

/** Admits as opened() would be called for an admitted connection. */
function connect(a: Admission, remote: string | undefined, counted = true) {
  const r = a.admit(remote, counted);
  if (r === null && counted) a.opened(remote);
  return r;
}

describe('Admission: instances', () => {
  test('refuses the connection past the limit and admits again when one closes', () => {
    const { admission } = setup({ instances: 2 });
    assert.equal(connect(admission, '10.0.0.1'), null);
    assert.equal(connect(admission, '10.0.0.2'), null);
    assert.equal(connect(admission, '10.0.0.3'), 'instances');
    assert.equal(admission.active, 2);
    admission.closed('10.0.0.1');
    assert.equal(connect(admission, '10.0.0.3'), null);
    assert.equal(admission.active, 2);
  });

  test('connections that hold no instance (daytime, time, datagrams) are never refused for instances', () => {
    const { admission } = setup({ instances: 1 });
    assert.equal(connect(admission, 'a'), null);
    assert.equal(admission.admit('b', false), null);
    assert.equal(admission.active, 1);
  });

  test('instances = 0 refuses everything counted (xinetd compares running >= limit)', () => {
    const { admission } = setup({ instances: 0 });
    assert.equal(admission.admit('a', true), 'instances');
  });
});

describe('Admission: per_source', () => {
  test('counts each client address on its own', () => {
    const { admission } = setup({ perSource: 2 });
    assert.equal(connect(admission, '10.0.0.1'), null);
    assert.equal(connect(admission, '10.0.0.1'), null);
    assert.equal(connect(admission, '10.0.0.1'), 'per_source');
    assert.equal(connect(admission, '10.0.0.2'), null, 'another address has its own slots');
    assert.equal(admission.activeFrom('10.0.0.1'), 2);
    admission.closed('10.0.0.1');
    assert.equal(connect(admission, '10.0.0.1'), null);
  });

  test('an unknown address is not limited (xinetd checks only a known address)', () => {
    const { admission } = setup({ perSource: 1 });
    assert.equal(connect(admission, undefined), null);
    assert.equal(connect(admission, undefined), null);
  });

  test('instances is checked before per_source, as in xinetd', () => {
    const { admission } = setup({ instances: 1, perSource: 1 });
    assert.equal(connect(admission, 'a'), null);
    assert.equal(connect(admission, 'a'), 'instances');
  });

  test('closing forgets an address whose last connection ended', () => {
    const { admission } = setup({ perSource: 1 });
    connect(admission, 'a');
    admission.closed('a');
    admission.closed('a');
    assert.equal(admission.activeFrom('a'), 0);
    assert.equal(admission.active, 0, 'never below zero');
  });
});

describe('Admission: cps', () => {
  test('the (rate+1)th connection within a second is refused and suspends the service for the wait', () => {
    const { admission, clock, calls } = setup({ cps: { rate: 3, pauseSeconds: 5 } });
    for (let i = 0; i < 3; i++) assert.equal(connect(admission, 'a', false), null);
    assert.equal(admission.admit('a', false), 'cps');
    assert.deepEqual(calls, ['suspend until +5000']);
    assert.equal(admission.suspendedUntil, clock.now() + 5000);
    clock.advance(4999);
    assert.equal(admission.admit('b', false), 'cps', 'nothing gets in while suspended');
    assert.deepEqual(calls, ['suspend until +5000'], 'a refusal while suspended does not suspend again');
    clock.advance(1);
    assert.deepEqual(calls, ['suspend until +5000', 'resume']);
    assert.equal(admission.suspendedUntil, null);
    assert.equal(admission.admit('a', false), null);
  });

  test('as in xinetd, a window under two seconds old divides by one: a steady rate below the limit trips it', () => {
    // 2 a second against cps 3: the 4th connection, in the window's second second, makes 4 / 1 > 3.
    const { admission, clock, calls } = setup({ cps: { rate: 3, pauseSeconds: 5 } });
    assert.equal(admission.admit('a', false), null);
    assert.equal(admission.admit('a', false), null);
    clock.advance(1000);
    assert.equal(admission.admit('a', false), null);
    assert.equal(admission.admit('a', false), 'cps');
    assert.deepEqual(calls, ['suspend until +5000']);
  });

  test('later in the window the count is averaged over its age, and a window rate seconds old starts over', () => {
    const { admission, clock, calls } = setup({ cps: { rate: 4, pauseSeconds: 1 } });
    assert.equal(admission.admit('a', false), null);
    clock.advance(2000);
    // Age 2: the 10th connection makes 10 / 2 > 4.
    for (let i = 2; i <= 9; i++) assert.equal(admission.admit('a', false), null, `connection ${i}`);
    assert.equal(admission.admit('a', false), 'cps');
    assert.deepEqual(calls, ['suspend until +1000']);
    clock.advance(2000);
    // Age 4 = rate: a new window.
    for (let i = 1; i <= 4; i++) assert.equal(admission.admit('a', false), null);
  });

  test('thin traffic never trips it', () => {
    const { admission, clock, calls } = setup({ cps: { rate: 3, pauseSeconds: 5 } });
    for (let second = 0; second < 20; second++) {
      assert.equal(admission.admit('a', false), null);
      clock.advance(1000);
    }
    assert.deepEqual(calls, []);
  });

  test('the pause does not reset the window: the first connection after it trips again, as xinetd does', () => {
    const { admission, clock, calls } = setup({ cps: { rate: 2, pauseSeconds: 1 } });
    for (let i = 0; i < 3; i++) admission.admit('a', false);
    clock.advance(1000);
    assert.deepEqual(calls, ['suspend until +1000', 'resume']);
    // Age 1 < rate 2: the count goes on, 4 / 1 > 2.
    assert.equal(admission.admit('a', false), 'cps');
    assert.deepEqual(calls, ['suspend until +1000', 'resume', 'suspend until +1000']);
    clock.advance(1000);
    assert.deepEqual(calls.at(-1), 'resume');
    // Age 2 = rate: the window starts over.
    assert.equal(admission.admit('a', false), null);
    assert.equal(admission.admit('a', false), null);
  });

  test('suspension keeps instance and per_source counts: connections still running stay counted', () => {
    const { admission, clock } = setup({ instances: 2, perSource: 1, cps: { rate: 3, pauseSeconds: 1 } });
    assert.equal(connect(admission, 'a'), null);
    assert.equal(connect(admission, 'b'), null);
    assert.equal(connect(admission, 'c'), 'instances');
    assert.equal(admission.admit('d', true), 'cps');
    clock.advance(3000);
    assert.equal(admission.active, 2);
    assert.equal(admission.activeFrom('a'), 1);
    assert.equal(connect(admission, 'c'), 'instances');
    admission.closed('a');
    assert.equal(connect(admission, 'b'), 'per_source');
    assert.equal(connect(admission, 'a'), null);
  });

  test('the window is intervalSeconds long (inetd.conf nowait.N: N per minute)', () => {
    const { admission, clock, calls } = setup({ cps: { rate: 2, pauseSeconds: 600, intervalSeconds: 60 } });
    admission.admit('a', false);
    clock.advance(30_000);
    admission.admit('a', false);
    clock.advance(29_000);
    assert.equal(admission.admit('a', false), 'cps');
    assert.deepEqual(calls, ['suspend until +600000']);
  });

  test('suspendFor() keeps it suspended when it cannot listen again, without a second suspension', () => {
    const { admission, clock, calls } = setup({ cps: { rate: 1, pauseSeconds: 2 } });
    admission.admit('a', false);
    admission.admit('a', false);
    clock.advance(2000);
    admission.suspendFor(1000);
    assert.equal(admission.suspendedUntil, clock.now() + 1000);
    assert.equal(admission.admit('a', false), 'cps');
    clock.advance(1000);
    assert.deepEqual(calls, ['suspend until +2000', 'resume', 'resume']);
  });

  test('stop() cancels a pending resume', () => {
    const { admission, clock, calls } = setup({ cps: { rate: 1, pauseSeconds: 2 } });
    admission.admit('a', false);
    admission.admit('a', false);
    admission.stop();
    assert.equal(clock.pending, 0);
    clock.advance(5000);
    assert.deepEqual(calls, ['suspend until +2000']);
    assert.equal(admission.suspendedUntil, null);
  });

  test('rate 0 turns cps off', () => {
    const { admission, calls } = setup({ cps: { rate: 0, pauseSeconds: 10 } });
    for (let i = 0; i < 1000; i++) assert.equal(admission.admit('a', false), null);
    assert.deepEqual(calls, []);
  });

  test('cps counts refused connections too, and comes before every other limit', () => {
    const { admission } = setup({ instances: 0, cps: { rate: 2, pauseSeconds: 1 } });
    assert.equal(admission.admit('a', true), 'instances');
    assert.equal(admission.admit('a', true), 'instances');
    assert.equal(admission.admit('a', true), 'cps');
  });
});

describe('Admission: max_load and access_times', () => {
  test('max_load refuses at or above the one-minute load average', () => {
    assert.equal(setup({ maxLoad: 2 }, 2).admission.admit('a', true), 'load');
    assert.equal(setup({ maxLoad: 2 }, 1.99).admission.admit('a', true), null);
  });

  test('access_times refuses outside the window, read from the injected clock', () => {
    const minute = (t: number): number => new Date(t).getHours() * 60 + new Date(t).getMinutes();
    const now = minute(new FakeClock().now());
    const away: TimeInterval[] = [{ from: (now + 120) % 1440, to: (now + 150) % 1440 }];
    const here: TimeInterval[] = [{ from: now, to: now }];
    assert.equal(setup({ accessTimes: away }).admission.admit('a', true), 'time');
    const { admission, clock } = setup({ accessTimes: here });
    assert.equal(admission.admit('a', true), null);
    clock.advance(60_000);
    assert.equal(admission.admit('a', true), 'time', 'a minute later the window has closed');
  });
});
