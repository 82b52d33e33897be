import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { parseAddressList } from '../config/xinetd-address.js';
import { addressAllowed, compileList, toBytes, withinTimes } from './access.js';

function rules(onlyFrom?: string, noAccess?: string) {
  const c = (s: string | undefined) => {
    if (s === undefined) return undefined;
    const p = parseAddressList(s.split(/\s+/).filter(Boolean));
    if (typeof p === 'string') throw new Error(p);
    return compileList(p, new Map([['localhost', ['127.0.0.1', '::1']]]));
  };
  return { onlyFrom: c(onlyFrom), noAccess: c(noAccess), needsReverse: false };
}

/** [only_from, no_access, client, allowed] — the man page's rules. */
const ACCESS_TABLE: Array<[string | undefined, string | undefined, string, boolean]> = [
  [undefined, undefined, '10.1.2.3', true],
  ['', undefined, '127.0.0.1', false],
  ['127.0.0.1', undefined, '127.0.0.1', true],
  ['127.0.0.1', undefined, '127.0.0.2', false],
  ['127.0.0.0', undefined, '127.9.8.7', true],
  ['128.138.12.0', undefined, '128.138.12.77', true],
  ['128.138.12.0', undefined, '128.138.13.1', false],
  ['0.0.0.0', undefined, '192.0.2.1', true],
  ['127.0.{0,1}', undefined, '127.0.1.5', true],
  ['127.0.{0,1}', undefined, '127.0.2.5', false],
  ['127.0.0.0/30', undefined, '127.0.0.3', true],
  ['127.0.0.0/30', undefined, '127.0.0.4', false],
  [undefined, '127.0.0.1', '127.0.0.1', false],
  [undefined, '127.0.0.1', '127.0.0.2', true],
  ['127.0.0.0', '127.0.0.10', '127.0.0.10', false],
  ['127.0.0.0', '127.0.0.10', '127.0.0.11', true],
  ['127.0.0.10', '127.0.0.0', '127.0.0.10', true],
  ['127.0.0.10', '127.0.0.0', '127.0.0.11', false],
  ['127.0.0.0/8', '127.0.0.0', '127.0.0.1', false],
  ['localhost', undefined, '127.0.0.1', true],
  ['::1', undefined, '::1', true],
  ['127.0.0.1', undefined, '::ffff:127.0.0.1', true],
  ['fe80::/10', undefined, 'fe80::1', true],
  ['fe80::/10', undefined, '2001:db8::1', false],
];

describe('only_from / no_access', () => {
  for (const [of, na, client, allowed] of ACCESS_TABLE) {
    test(`only_from=${of ?? '(unset)'} no_access=${na ?? '(unset)'}: ${client} is ${allowed ? 'allowed' : 'refused'}`, () => {
      assert.equal(addressAllowed(rules(of, na), toBytes(client)), allowed);
    });
  }

  test('a domain entry matches by reverse name', () => {
    const p = parseAddressList(['.example.com']);
    assert.ok(typeof p !== 'string');
    const r = { onlyFrom: compileList(p, new Map()), noAccess: undefined, needsReverse: true };
    assert.equal(addressAllowed(r, toBytes('192.0.2.1'), 'host.example.com'), true);
    assert.equal(addressAllowed(r, toBytes('192.0.2.1'), 'host.example.org'), false);
  });

  test('bad words are reported', () => {
    assert.match(String(parseAddressList(['10.0.0.1,10.0.0.2'])), /comma/);
    assert.match(String(parseAddressList(['10.0.0.0/40'])), /too long/);
    assert.match(String(parseAddressList(['300.1.1.1'])), /bad address/);
  });
});

describe('access_times', () => {
  test('bounds are included and intervals may wrap past midnight', () => {
    const at = (h: number, m: number) => new Date(2024, 0, 1, h, m);
    assert.equal(withinTimes([{ from: 120, to: 540 }], at(9, 0)), true);
    assert.equal(withinTimes([{ from: 120, to: 540 }], at(9, 1)), false);
    assert.equal(withinTimes([{ from: 22 * 60, to: 60 }], at(0, 30)), true);
    assert.equal(withinTimes([{ from: 22 * 60, to: 60 }], at(12, 0)), false);
  });
});
