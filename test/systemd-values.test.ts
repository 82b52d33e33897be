/**
 * Small value syntaxes against the real tools: time spans against
 * `systemd-analyze timespan`, unit-name escaping against `systemd-escape`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { escapeUnitName, escapeUnitPath, parseTimeSpanExact, unescapeUnitName } from '../src/systemd/index.js';
import { seededRandom } from '../src/testing/seeded-random.js';

const has = (cmd: string) => spawnSync(cmd, ['--version'], { encoding: 'utf8' }).status === 0;
const missing = has('systemd-analyze') && has('systemd-escape') ? false : 'systemd-analyze/systemd-escape not installed (CI installs the systemd package)';

function randomSpans(count: number): string[] {
  const rnd = seededRandom(7);
  const units = ['', 's', 'sec', 'm', 'min', 'h', 'hr', 'd', 'w', 'M', 'y', 'ms', 'us', 'µs', 'minutes', 'x', 'seconds'];
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const parts: string[] = [];
    for (let k = 0; k <= Math.floor(rnd() * 3); k++) {
      const n = Math.floor(rnd() * 1000);
      const frac = rnd() < 0.3 ? `.${Math.floor(rnd() * 1000)}` : '';
      const space = rnd() < 0.2 ? ' ' : '';
      parts.push(`${n}${frac}${space}${units[Math.floor(rnd() * units.length)]}`);
    }
    out.push(parts.join(rnd() < 0.5 ? ' ' : ''));
  }
  return out;
}

const SPANS = [
  '90', '1min 30s', '1.5h', '2 weeks', '5M', '1y', '500ms', '10us', '.5s', '+5', '5 6', '0.0000001s', ' 3 s ', 'infinity', '0', '5.', '12.34.56',
  '12.34 .56', '12.34s.56', '1x', '-1', '', '1d2h3min4s5ms6us', '3.999999999s', '1 min', '1minute', '1 hours', '7w', '18446744073709551615us',
  ...randomSpans(150),
];

/** systemd-analyze timespan stops at the first bad value; run it again on the rest. */
function systemdSpans(spans: readonly string[]): Map<string, bigint | null> {
  const result = new Map<string, bigint | null>();
  let rest = [...spans];
  while (rest.length > 0) {
    const r = spawnSync('systemd-analyze', ['timespan', '--', ...rest], { encoding: 'utf8', env: { PATH: process.env['PATH'], LC_ALL: 'C.UTF-8' } });
    const values = [...r.stdout.matchAll(/^\s*μs: (\d+)$/gm)].map((m) => BigInt(m[1]!));
    values.forEach((v, i) => result.set(rest[i]!, v));
    if (values.length === rest.length) break;
    result.set(rest[values.length]!, null);
    rest = rest.slice(values.length + 1);
  }
  return result;
}

test('time spans parse to the same microseconds as systemd-analyze timespan', { skip: missing }, (t) => {
  const systemd = systemdSpans(SPANS);
  const differences = SPANS.filter((s) => parseTimeSpanExact(s) !== systemd.get(s)).map((s) => `${JSON.stringify(s)}: hearth ${parseTimeSpanExact(s)}, systemd ${systemd.get(s)}`);
  assert.deepEqual(differences, []);
  t.diagnostic(`${SPANS.length} spans, ${[...systemd.values()].filter((v) => v === null).length} refused by both`);
});

test('unit-name escaping matches systemd-escape, both ways', { skip: missing }, () => {
  const rnd = seededRandom(11);
  const alphabet = 'aZ09-_.:/\\ é@%x';
  const inputs = ['foo/bar-baz', '.hidden', 'a b', 'é', 'x:y_z.w', '/', 'tty1', '15/main', '-', '\\'];
  for (let i = 0; i < 60; i++) inputs.push([...Array(1 + Math.floor(rnd() * 12))].map(() => alphabet[Math.floor(rnd() * alphabet.length)]).join(''));
  const esc = spawnSync('systemd-escape', ['--', ...inputs], { encoding: 'utf8' }).stdout.trim().split(' ');
  assert.deepEqual(inputs.map(escapeUnitName), esc);
  // One call each: unescaped names may hold the space systemd-escape separates its answers with.
  const back = esc.map((e) => spawnSync('systemd-escape', ['--unescape', '--', e], { encoding: 'utf8' }).stdout.replace(/\n$/, ''));
  assert.deepEqual(esc.map((e) => unescapeUnitName(e)), back);
  const paths = ['/dev/sda1', '/var//lib/./x/', '/', '/home/user name', '/srv/a-b'];
  const pathEsc = spawnSync('systemd-escape', ['--path', '--', ...paths], { encoding: 'utf8' }).stdout.trim().split(' ');
  assert.deepEqual(paths.map(escapeUnitPath), pathEsc);
});
