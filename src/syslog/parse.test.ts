import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSyslog, parseSyslogDatagram } from './parse.js';
import type { SyslogMessage } from './message.js';

/** Local time, as a BSD timestamp (which has no zone) is read. */
const NOW = new Date(2026, 10, 24, 12, 0, 0);
const local = (y: number, mo: number, d: number, h: number, mi: number, s: number): number => new Date(y, mo, d, h, mi, s).getTime();

const rfc3164: Array<[string, string, SyslogMessage]> = [
  [
    'the /dev/log form of glibc syslog(3): no hostname, tag and pid',
    '<30>Nov 24 00:01:02 sshd[123]: Accepted publickey',
    { facility: 3, severity: 6, timestamp: local(2026, 10, 24, 0, 1, 2), appName: 'sshd', procId: '123', message: 'Accepted publickey' },
  ],
  [
    'util-linux logger to a local socket: tag without pid',
    '<13>Nov 24 01:44:16 mytag: local default',
    { facility: 1, severity: 5, timestamp: local(2026, 10, 24, 1, 44, 16), appName: 'mytag', message: 'local default' },
  ],
  [
    'logger --rfc3164 adds the hostname',
    '<27>Nov 24 01:44:16 vm mytag: rfc3164',
    { facility: 3, severity: 3, timestamp: local(2026, 10, 24, 1, 44, 16), hostname: 'vm', appName: 'mytag', message: 'rfc3164' },
  ],
  [
    'a space-padded day and a network hostname',
    '<13>Nov  5 10:00:00 web01 cron[9]: job done',
    { facility: 1, severity: 5, timestamp: local(2026, 10, 5, 10, 0, 0), hostname: 'web01', appName: 'cron', procId: '9', message: 'job done' },
  ],
  [
    'a tag with a slash, as postfix sends',
    '<22>Nov 24 03:00:00 postfix/smtpd[4711]: connect from localhost',
    { facility: 2, severity: 6, timestamp: local(2026, 10, 24, 3, 0, 0), appName: 'postfix/smtpd', procId: '4711', message: 'connect from localhost' },
  ],
  [
    "rsyslog's high-precision timestamp in place of the BSD one",
    '<14>2026-11-24T01:44:16.123456+00:00 host app[5]: precise',
    { facility: 1, severity: 6, timestamp: Date.parse('2026-11-24T01:44:16.123Z'), hostname: 'host', appName: 'app', procId: '5', message: 'precise' },
  ],
  [
    'no timestamp at all, tag only',
    '<13>tagonly: hello',
    { facility: 1, severity: 5, appName: 'tagonly', message: 'hello' },
  ],
  [
    'no tag: the text after the time is the message',
    '<13>Nov 24 01:44:16 just some words',
    { facility: 1, severity: 5, timestamp: local(2026, 10, 24, 1, 44, 16), message: 'just some words' },
  ],
  [
    'a colon inside the message is not a second tag',
    '<13>Nov 24 01:44:16 app: key: value',
    { facility: 1, severity: 5, timestamp: local(2026, 10, 24, 1, 44, 16), appName: 'app', message: 'key: value' },
  ],
  [
    'kern.emerg is priority 0',
    '<0>Nov 24 01:44:16 kernel: panic',
    { facility: 0, severity: 0, timestamp: local(2026, 10, 24, 1, 44, 16), appName: 'kernel', message: 'panic' },
  ],
  [
    'local7.debug is priority 191, the largest',
    '<191>Nov 24 01:44:16 app: debug',
    { facility: 23, severity: 7, timestamp: local(2026, 10, 24, 1, 44, 16), appName: 'app', message: 'debug' },
  ],
  [
    'a trailing newline and NUL are not part of the message',
    '<13>Nov 24 01:44:16 app: text\n\0',
    { facility: 1, severity: 5, timestamp: local(2026, 10, 24, 1, 44, 16), appName: 'app', message: 'text' },
  ],
];

const rfc5424: Array<[string, string, SyslogMessage]> = [
  [
    'the RFC example with structured data and a BOM',
    '<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"] \uFEFFAn application event log entry...',
    {
      facility: 20,
      severity: 5,
      timestamp: Date.parse('2003-10-11T22:14:15.003Z'),
      hostname: 'mymachine.example.com',
      appName: 'evntslog',
      msgId: 'ID47',
      structuredData: [{ id: 'exampleSDID@32473', params: [['iut', '3'], ['eventSource', 'Application'], ['eventID', '1011']] }],
      message: 'An application event log entry...',
    },
  ],
  [
    'logger --rfc5424: two SD elements, microseconds and an offset',
    '<13>1 2026-11-24T01:44:16.873978+00:00 vm mytag - MID [timeQuality tzKnown="1" isSynced="0"][zoo@123 tiger="hungry"] rfc5424 sd',
    {
      facility: 1,
      severity: 5,
      timestamp: Date.parse('2026-11-24T01:44:16.873Z'),
      hostname: 'vm',
      appName: 'mytag',
      msgId: 'MID',
      structuredData: [
        { id: 'timeQuality', params: [['tzKnown', '1'], ['isSynced', '0']] },
        { id: 'zoo@123', params: [['tiger', 'hungry']] },
      ],
      message: 'rfc5424 sd',
    },
  ],
  [
    'escaped quote, backslash and bracket inside an SD value',
    '<14>1 2026-11-24T00:00:00Z h a 42 - [x@1 v="a\\"b\\\\c\\]d"] msg',
    {
      facility: 1,
      severity: 6,
      timestamp: Date.parse('2026-11-24T00:00:00Z'),
      hostname: 'h',
      appName: 'a',
      procId: '42',
      structuredData: [{ id: 'x@1', params: [['v', 'a"b\\c]d']] }],
      message: 'msg',
    },
  ],
  [
    'every field nil',
    '<14>1 - - - - - - just text',
    { facility: 1, severity: 6, message: 'just text' },
  ],
  [
    'no message after the structured data',
    '<14>1 2026-11-24T00:00:00Z h a - - [x@1 k="v"]',
    { facility: 1, severity: 6, timestamp: Date.parse('2026-11-24T00:00:00Z'), hostname: 'h', appName: 'a', structuredData: [{ id: 'x@1', params: [['k', 'v']] }], message: '' },
  ],
  [
    'an unparsable timestamp is left out, the rest still read',
    '<14>1 yesterday h a 7 - - text',
    { facility: 1, severity: 6, hostname: 'h', appName: 'a', procId: '7', message: 'text' },
  ],
  [
    'broken structured data stays in the message',
    '<14>1 - h a - - [x@1 k="unterminated] text',
    { facility: 1, severity: 6, hostname: 'h', appName: 'a', message: '[x@1 k="unterminated] text' },
  ],
];

const malformed: Array<[string, string | Buffer, SyslogMessage]> = [
  ['an empty datagram', '', { facility: 1, severity: 5, message: '' }],
  ['no priority at all: kept whole as user.notice', 'no priority at all', { facility: 1, severity: 5, message: 'no priority at all' }],
  ['an empty priority', '<>hello', { facility: 1, severity: 5, message: '<>hello' }],
  ['a priority past 191', '<999>x', { facility: 1, severity: 5, message: '<999>x' }],
  ['an unterminated priority', '<13 text', { facility: 1, severity: 5, message: '<13 text' }],
  ['an impossible time is not a time', '<13>Foo 99 99:99:99', { facility: 1, severity: 5, message: 'Foo 99 99:99:99' }],
  ['a month that does not exist', '<13>Zzz 24 01:44:16 app: x', { facility: 1, severity: 5, message: 'Zzz 24 01:44:16 app: x' }],
  ['"1" then too few fields is not RFC 5424', '<13>1 bad', { facility: 1, severity: 5, message: '1 bad' }],
  ['only NULs', '\0\0\0', { facility: 1, severity: 5, message: '' }],
  ['binary garbage', Buffer.from([0xff, 0x00, 0x3c]), { facility: 1, severity: 5, message: '\uFFFD\u0000<' }],
];

describe('parseSyslog reads RFC 3164', () => {
  for (const [name, input, expected] of rfc3164) test(name, () => assert.deepEqual(parseSyslog(input, NOW), expected));
});

describe('a BSD timestamp has no year', () => {
  test('"Dec 31" read just after New Year is last year', () => {
    assert.equal(parseSyslog('<13>Dec 31 23:59:59 a: b', new Date(2027, 0, 1, 0, 0, 5)).timestamp, local(2026, 11, 31, 23, 59, 59));
  });
  test('"Jan 1" from a sender slightly ahead on New Year\'s Eve is next year', () => {
    assert.equal(parseSyslog('<13>Jan  1 00:00:01 a: b', new Date(2026, 11, 31, 23, 59, 58)).timestamp, local(2027, 0, 1, 0, 0, 1));
  });
  test('an explicit year is taken as given', () => {
    assert.equal(parseSyslog('<13>Mar  3 2020 10:00:00 a: b', NOW).timestamp, local(2020, 2, 3, 10, 0, 0));
  });
});

describe('parseSyslog reads RFC 5424', () => {
  for (const [name, input, expected] of rfc5424) test(name, () => assert.deepEqual(parseSyslog(input, NOW), expected));
});

describe('parseSyslog never throws on malformed input', () => {
  for (const [name, input, expected] of malformed) test(name, () => assert.deepEqual(parseSyslog(input, NOW), expected));

  test('random bytes always give a message with a valid priority', () => {
    let seed = 42;
    const rand = (): number => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    const alphabet = Buffer.from('<>0123456789 :[]"\\-=ZT.\n\0abcJanNov\xef\xbb\xbf', 'latin1');
    for (let i = 0; i < 3000; i++) {
      const len = Math.floor(rand() * 60);
      const buf = Buffer.alloc(len);
      for (let j = 0; j < len; j++) buf[j] = rand() < 0.8 ? alphabet[Math.floor(rand() * alphabet.length)]! : Math.floor(rand() * 256);
      if (rand() < 0.5) Buffer.from(rand() < 0.5 ? '<13>1 ' : '<13>').copy(buf);
      const m = parseSyslog(buf, NOW);
      assert.equal(typeof m.message, 'string');
      assert.ok(m.facility >= 0 && m.facility <= 23 && m.severity >= 0 && m.severity <= 7);
    }
  });
});

describe('parseSyslogDatagram keeps the exact bytes', () => {
  test('invalid UTF-8 in the message survives in the body', () => {
    const raw = Buffer.concat([Buffer.from('<13>Nov 24 01:44:16 app: '), Buffer.from([0xc3, 0x28, 0x41])]);
    const { message, body } = parseSyslogDatagram(raw, NOW);
    assert.equal(message.appName, 'app');
    assert.deepEqual([...body], [0xc3, 0x28, 0x41]);
  });

  test('the BOM of an RFC 5424 message is cut from the body', () => {
    const { body } = parseSyslogDatagram(Buffer.from('<14>1 - - - - - - \uFEFFünïcode'), NOW);
    assert.equal(body.toString('utf8'), 'ünïcode');
  });

  test('UTF-8 in header fields and SD values is decoded', () => {
    const m = parseSyslog('<14>1 - hôst äpp - - [x@1 k="välue"] m', NOW);
    assert.equal(m.hostname, 'hôst');
    assert.equal(m.appName, 'äpp');
    assert.deepEqual(m.structuredData, [{ id: 'x@1', params: [['k', 'välue']] }]);
  });
});
