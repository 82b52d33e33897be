import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { formatRunlevel, formatStatusAllLine, statusAllStateOf } from './classic-format.js';

describe('service --status-all and runlevel output', () => {
  test('status lines use the Debian marks; unknown goes to stderr', () => {
    assert.deepEqual(formatStatusAllLine('cron', 'running'), { stream: 'stdout', text: ' [ + ]  cron\n' });
    assert.deepEqual(formatStatusAllLine('ssh', 'stopped'), { stream: 'stdout', text: ' [ - ]  ssh\n' });
    assert.deepEqual(formatStatusAllLine('hwclock.sh', 'unknown'), { stream: 'stderr', text: ' [ ? ]  hwclock.sh\n' });
  });

  test('a status run is classified the way service(8) does', () => {
    assert.equal(statusAllStateOf(0, 'cron is running.\n'), 'running');
    assert.equal(statusAllStateOf(0, ''), 'stopped');
    assert.equal(statusAllStateOf(3, 'cron is not running ... failed!\n'), 'stopped');
    assert.equal(statusAllStateOf(1, 'Usage: /etc/init.d/hwclock.sh {start|stop}\n'), 'unknown');
  });

  test('runlevel prints previous (N when none) and current', () => {
    assert.equal(formatRunlevel(null, 3), 'N 3\n');
    assert.equal(formatRunlevel(3, 5), '3 5\n');
    assert.equal(formatRunlevel(null, null), 'unknown\n');
  });
});
