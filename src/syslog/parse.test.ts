import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSyslog } from './parse.js';

test('RFC 3164 from /dev/log: priority, time, tag and pid, no hostname', () => {
  const m = parseSyslog('<30>Nov 24 00:01:02 sshd[123]: Accepted publickey');
  assert.equal(m.facility, 3);
  assert.equal(m.severity, 6);
  assert.equal(m.appName, 'sshd');
  assert.equal(m.procId, '123');
  assert.equal(m.hostname, undefined);
  assert.equal(m.message, 'Accepted publickey');
  assert.equal(new Date(m.timestamp!).getMinutes(), 1);
});

test('RFC 3164 over the network carries a hostname', () => {
  const m = parseSyslog('<13>Jan  5 10:00:00 web01 cron[9]: job done');
  assert.equal(m.hostname, 'web01');
  assert.equal(m.appName, 'cron');
  assert.equal(m.message, 'job done');
});

test('RFC 5424 with structured data and a BOM', () => {
  const m = parseSyslog('<165>1 2026-11-24T00:00:00.003Z host app 42 ID47 [exampleSDID@32473 iut="3" eventSource="App\\]"] \uFEFFhello');
  assert.equal(m.facility, 20);
  assert.equal(m.severity, 5);
  assert.equal(m.appName, 'app');
  assert.equal(m.procId, '42');
  assert.equal(m.msgId, 'ID47');
  assert.equal(m.message, 'hello');
  assert.equal(m.timestamp, Date.parse('2026-11-24T00:00:00.003Z'));
});

test('RFC 5424 with nil fields', () => {
  const m = parseSyslog('<14>1 - - - - - - just text');
  assert.equal(m.appName, undefined);
  assert.equal(m.message, 'just text');
});

test('malformed input never throws and is kept whole', () => {
  for (const bad of ['', '<>', '<999>x', 'no priority at all', '<13>Foo 99 99:99:99', '\0\0\0', '<13>1 bad']) {
    const m = parseSyslog(bad);
    assert.equal(typeof m.message, 'string');
  }
  assert.equal(parseSyslog('no priority at all').severity, 5);
  assert.equal(parseSyslog('no priority at all').message, 'no priority at all');
});
