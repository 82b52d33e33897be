import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SenderRateLimiter, type Suppression } from './rate-limiter.js';

function limiter(burst: number, intervalMs: number, maxSenders?: number) {
  let clock = 1_000_000;
  const reports: Suppression[] = [];
  const l = new SenderRateLimiter({ limit: { burst, intervalMs }, onSuppressed: (s) => reports.push(s), now: () => clock, ...(maxSenders ? { maxSenders } : {}) });
  return { l, reports, advance: (ms: number) => (clock += ms) };
}

describe('SenderRateLimiter', () => {
  test('admits a burst per sender, then drops and counts the rest', () => {
    const { l } = limiter(3, 1000);
    const verdicts = Array.from({ length: 5 }, () => l.admit('pid 1'));
    assert.deepEqual(verdicts, [true, true, true, false, false]);
    assert.equal(l.dropped, 2);
    assert.equal(l.admit('pid 2'), true, 'another sender has its own budget');
  });

  test('reports the drops of a window as one suppression, to the attached owner, when the sender logs again', () => {
    const { l, reports, advance } = limiter(2, 1000);
    l.admit('pid 1');
    l.attach('pid 1', 'web');
    for (let i = 0; i < 10; i++) l.admit('pid 1');
    assert.equal(reports.length, 0, 'nothing reported while the window lasts');
    advance(1000);
    assert.equal(l.admit('pid 1'), true, 'a new window starts with a full budget');
    assert.equal(reports.length, 1);
    assert.deepEqual(reports[0], { sender: 'pid 1', owner: 'web', dropped: 9, limit: { burst: 2, intervalMs: 1000 } });
  });

  test('a window without drops ends silently', () => {
    const { l, reports, advance } = limiter(5, 1000);
    l.admit('pid 1');
    advance(5000);
    l.admit('pid 2');
    l.flush();
    assert.deepEqual(reports, []);
  });

  test('flush() reports pending drops at once and forgets every window', () => {
    const { l, reports } = limiter(1, 60_000);
    l.admit('a');
    l.admit('a');
    l.admit('b');
    l.admit('b');
    l.admit('b');
    l.flush();
    assert.deepEqual(
      reports.map((r) => [r.sender, r.dropped]),
      [
        ['a', 1],
        ['b', 2],
      ],
    );
    assert.equal(l.senders, 0);
  });

  test('keeps at most maxSenders windows, reporting an evicted one first', () => {
    const { l, reports } = limiter(1, 60_000, 3);
    l.admit('s0');
    l.admit('s0');
    for (let i = 1; i <= 10; i++) l.admit(`s${i}`);
    assert.equal(l.senders, 3);
    assert.deepEqual(
      reports.map((r) => [r.sender, r.dropped]),
      [['s0', 1]],
    );
  });

  test('a sender that falls silent after a flood still gets its report when the window ends', async () => {
    const reports: Suppression[] = [];
    const l = new SenderRateLimiter({ limit: { burst: 1, intervalMs: 50 }, onSuppressed: (s) => reports.push(s) });
    l.admit('quiet');
    l.admit('quiet');
    l.admit('quiet');
    const deadline = Date.now() + 5000;
    while (reports.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(
      reports.map((r) => [r.sender, r.dropped]),
      [['quiet', 2]],
    );
  });
});
