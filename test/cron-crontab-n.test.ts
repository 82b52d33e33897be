import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCrontab } from '../src/schedule/index.js';
import { tempDir } from './helpers/index.js';
import { seededRandom } from '../src/testing/seeded-random.js';

/**
 * hearth's crontab reader against the real `crontab -n` from Debian's cron
 * package (a dry run: it checks a file's syntax and installs nothing), on
 * the same files. crontab writes its temporary copy into the spool directory
 * even for -n, so each run gets a private mount namespace with an empty
 * tmpfs over /var/spool/cron: the machine's spool is never written.
 */

const CRONTAB = '/usr/bin/crontab';
const SPOOL = '/var/spool/cron/crontabs';
const canRun = existsSync(CRONTAB) && process.getuid?.() === 0 && spawnSync('unshare', ['--version']).status === 0;
const skip = canRun ? false : 'needs /usr/bin/crontab (apt-get install cron), root and unshare (util-linux): CI has all three';

/** Lines written for the rules crontab(1) checks; each is one file. */
const HANDWRITTEN: readonly string[] = [
  '* * * * * true', '0 5 * * * * true', '5/15 * * * * true', '*/15 * * * * true', '5-59/15 * * * * true', '*5 * * * * true',
  '*-5 * * * * true', '** * * * * true', '5#3 * * * * true', '5-10/2-3 * * * * true', '5-1 * * * * true', '60 * * * * true',
  '0 24 * * * true', '0 0 0 * * true', '0 0 32 * * true', '0 0 * 0 * true', '0 0 * 13 * true', '0 0 * * 8 true', '0 0 * * 7 true',
  '*/0 * * * * true', '1- * * * * true', '-1 * * * * true', ',5 * * * * true', '5, * * * * true', '5,,6 * * * * true',
  'L * * * * true', '? * * * * true', '0 0 * * Mon true', '0 0 * * MONDAY true', '0 0 * JAN-mar * true', '0 0 * * sun-sat true',
  '0 0 * * 1-7/2 true', '*/mon * * * * true', '0 0 * * */mon true', '0 0 * jan/2 * true', '0 0 * 1-12/jan * true', '007 0 * * * true',
  '0 0 * *', '0 0 * * *', '0 0 * * * ', '0 0 * * *\t', '0 0 * * * *true', '0 0 * * *\t* true', '@daily', '@daily true',
  '@Daily true', '@DAILY true', '@reboot true', '@hourly * true', '@weekly\ttrue', '@annually true', '@midnight true', '@often true',
  '@ daily true', '0\t0\t*\t*\t*\ttrue', '  0 0 * * * true', 'MAILTO=', 'MAILTO=""', "MAILTO=''", 'MAILTO=root', 'MAILTO = root',
  'MAILTO =', 'A="b" c', 'A="b"   ', "A='x=y'", '"A"=b', '"A=b"=c', 'A B=c', '=b', 'A=b=c', 'A', '# a comment', '   # indented comment',
  '\t', '', 'PATH=/usr/bin:/bin', '0 0 * * * echo 100% sure', '0 0 * * * echo a\\%b', `0 0 * * * ${'x'.repeat(998)}`,
  `0 0 * * * ${'x'.repeat(990)}`, '0 0 1,15 * 1-5 true', '0 0 */2 * 1 true', '0-59 0-23 1-31 1-12 0-7 true', '0 0 31 2 * true',
];

/** Valid in every one of the five fields. */
const PLAIN_TOKENS = ['*', '*', '*/5', '*/2', '5', '1', '1-5', '1-5/2', '1,2,3', '*,5', '2-3/1', '3-6', '07'];
/** Valid in some fields only, or accepted with an odd meaning, or refused. */
const EDGE_TOKENS = [
  'mon', 'jan', '7', '0', '5/15', '*5', '**', '5-1', '60', '24', '32', '13', '8', '*/0', '1-', '-1', ',5', '5,', '5,,6', 'L',
  '?', 'Mon', 'MONDAY', 'jan-mar', 'sun-sat', '1-7/2', '*/mon', '5#3', '00', 'x', '59', '23', '31', '12', '0-59', '1-31', '*/60',
];
const COMMANDS = ['true', 'echo hi', '', '* true', 'a%b', 'run --flag=1', '\ttrue', 'true ', '*'];
const ENV_LINES = ['A=b', 'A =b', 'A= ', 'A=', '"A"=b', 'A="b" c', "A='b'", 'A B=c', '=b', 'A = "b c"', "A='b", 'A=\'b\'"c"'];
const KEYWORDS = ['@reboot', '@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly', '@Hourly', '@week', '@'];

function randomLine(rand: () => number): string {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
  const r = rand();
  if (r < 0.12) return pick(ENV_LINES);
  const blank = () => (rand() < 0.15 ? '\t' : rand() < 0.1 ? '  ' : ' ');
  if (r < 0.22) return `${pick(KEYWORDS)}${blank()}${pick(COMMANDS)}`;
  const fields = rand() < 0.8 ? 5 : Math.floor(rand() * 5) + 3;
  const words = Array.from({ length: fields }, () => pick(rand() < 0.12 ? EDGE_TOKENS : PLAIN_TOKENS));
  return `${rand() < 0.05 ? ' ' : ''}${words.join(blank())}${blank()}${pick(COMMANDS)}`;
}

interface Verdict {
  ok: boolean;
  /** Lines the first error may be on. */
  lines?: number[];
  text: string;
}

/** Runs crontab -n on every file in one private namespace; returns its verdict per file. */
function crontabDryRun(files: string[]): Verdict[] {
  const script = [
    'set -e',
    'mount -t tmpfs -o mode=0755 tmpfs /var/spool/cron',
    'mkdir -m 1730 /var/spool/cron/crontabs',
    'set +e',
    'for f; do crontab -n "$f" >/dev/null 2>"$f.err"; echo $? >"$f.rc"; done',
  ].join('\n');
  const r = spawnSync('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', script, 'sh', ...files], { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } });
  assert.equal(r.status, 0, `unshare/crontab: ${r.stderr}`);
  return files.map((f) => {
    const text = readFileSync(`${f}.err`, 'utf8');
    // crontab prints its line counter minus one, and the counter has moved past the line only when
    // the error was seen at its newline ("A" alone) — so ":N:" is line N or line N+1.
    const at = /^"[^"]*":(-?\d+): /.exec(text);
    return { ok: readFileSync(`${f}.rc`, 'utf8').trim() === '0', ...(at ? { lines: [Number(at[1]), Number(at[1]) + 1] } : {}), text: text.trim() };
  });
}

function hearthVerdict(text: string): Verdict {
  const r = parseCrontab('crontab', text, 'root', { userExists: (name) => name === 'root' });
  return { ok: r.errors.length === 0, ...(r.errors[0]?.line ? { lines: [r.errors[0].line] } : {}), text: r.errors.map(String).join('; ') };
}

describe('crontab files: hearth against the real crontab -n', { skip }, () => {
  const dir = tempDir('hearth-crontab-n-');
  let spoolBefore: string[] = [];
  before(() => {
    spoolBefore = readdirSync(SPOOL);
  });
  after(() => dir.cleanup());

  function compare(texts: string[]): { compared: number; differences: string[] } {
    const files = texts.map((text, i) => {
      const f = join(dir.path, `case-${i}`);
      writeFileSync(f, text);
      return f;
    });
    const real = crontabDryRun(files);
    const differences: string[] = [];
    texts.forEach((text, i) => {
      const mine = hearthVerdict(text);
      const theirs = real[i]!;
      const sameLine = !theirs.ok && theirs.lines ? theirs.lines.includes(mine.lines?.[0] ?? -1) : true;
      if (mine.ok !== theirs.ok || !sameLine) differences.push(`${JSON.stringify(text)}\n  crontab -n: ${theirs.ok ? 'accepted' : theirs.text}\n  hearth: ${mine.ok ? 'accepted' : mine.text}`);
    });
    return { compared: texts.length, differences };
  }

  test(`${HANDWRITTEN.length} lines written for the rules: accepted or refused alike`, () => {
    const { compared, differences } = compare(HANDWRITTEN.map((l) => `${l}\n`));
    assert.equal(differences.length, 0, `${differences.length} of ${compared} differ:\n${differences.slice(0, 8).join('\n')}`);
  });

  test('400 random lines (seed 20): accepted or refused alike', () => {
    const rand = seededRandom(20);
    const lines = Array.from({ length: 400 }, () => randomLine(rand));
    const { compared, differences } = compare(lines.map((l) => `${l}\n`));
    assert.equal(differences.length, 0, `${differences.length} of ${compared} differ:\n${differences.slice(0, 8).join('\n')}`);
    // Both verdicts occur, so neither reader can pass by always saying the same.
    const verdicts = new Set(lines.map((l) => hearthVerdict(`${l}\n`).ok));
    assert.deepEqual([...verdicts].sort(), [false, true]);
  });

  test('files of several lines: the same first bad line, and a missing final newline refused', () => {
    const files = [
      'SHELL=/bin/sh\n# comment\n0 5 * * * ok\n61 * * * * bad\n* * * * * ok\n',
      'A=b\n\n@daily x\n0 0 * * 1-5 y\n5/15 * * * * z\n',
      '* * * * * a\nMAILTO=\n',
      '* * * * * a\n0 0 * * * b',
      '* * * * * a\n# only a comment after the last newline',
      '* * * * * a\n   ',
    ];
    const { compared, differences } = compare(files);
    assert.equal(differences.length, 0, `${differences.length} of ${compared} differ:\n${differences.join('\n')}`);
  });

  test("the machine's spool directory was never written", () => {
    assert.deepEqual(readdirSync(SPOOL), spoolBefore);
  });
});
