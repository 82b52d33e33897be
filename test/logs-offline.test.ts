import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { Journal } from '../src/journal/index.js';
import { REPO, eventually, tempDir } from './helpers/index.js';
import { runCli, startDaemon, type RunningDaemon } from './helpers/daemon.js';

/**
 * `hearth logs` reads the journal files itself when hearthd is down, and
 * `--dir` reads any log dir (a copy): the same filters give the same output
 * as asking hearthd.
 */
describe('hearth logs without hearthd', () => {
  let d: RunningDaemon;
  let logDir: string;
  let copy: string;
  const socketDir = tempDir('hearth-logs-sock-');
  const copyDir = tempDir('hearth-logs-copy-');
  const syslogSocket = join(socketDir.path, 'syslog.sock');

  before(async () => {
    const script = [
      'echo out one',
      'echo err one >&2',
      'echo "<4>warned by prefix" >&2',
      'echo "<2>critical on stdout"',
      `logger -u ${syslogSocket} -t talk --rfc5424 --msgid CKPT --sd-id origin@32473 --sd-param 'ip="10.0.0.1"' -p local3.err "from syslog"`,
      `logger -u ${syslogSocket} -t talk -p daemon.info "bsd style"`,
      'exec sleep 1000',
    ].join('; ');
    d = await startDaemon({
      'hearth.toml': `[syslog]\nsocket = "${syslogSocket}"\n`,
      'services/talk.toml': `exec = ["/bin/sh", "-c", ${JSON.stringify(script)}]\n`,
    });
    logDir = join(d.root, 'log');
    assert.equal(d.cli('start', 'talk').code, 0);
    await eventually(() => d.cli('logs', 'talk', '--json').stdout.split('\n').filter(Boolean).length >= 6, 10_000, 'talk to log six records');
    copy = join(copyDir.path, 'log');
    assert.equal(spawnSync('cp', ['-a', logDir, copy]).status, 0);
  });

  after(async () => {
    // Also when a test ended hearthd itself: stop() removes its temp dir either way.
    await d?.stop();
    socketDir.cleanup();
    copyDir.cleanup();
  });

  const FILTERS = [
    [],
    ['-p', 'err'],
    ['-p', 'warning'],
    ['--grep', 'one'],
    ['-n', '2'],
    ['--json'],
    ['-o', 'verbose'],
    ['--facility', 'local3'],
    ['--facility', 'daemon,local3', '-o', 'json'],
    ['--utc', '--since', '1h ago'],
  ];

  test('--dir on the live log dir and on a copy prints what hearthd prints, for every filter', () => {
    for (const f of FILTERS) {
      const viaDaemon = d.cli('logs', 'talk', ...f);
      assert.equal(viaDaemon.code, 0, viaDaemon.stderr);
      for (const dir of [logDir, copy]) {
        const direct = runCli(undefined, ['logs', '--dir', dir, 'talk', ...f]);
        assert.equal(direct.code, 0, direct.stderr);
        assert.equal(direct.stdout, viaDaemon.stdout, `logs ${f.join(' ')} from ${dir}`);
      }
    }
  });

  test('the filters select what they say: -p err takes stderr and <N> lines, --facility syslog records', () => {
    const text = (args: string[]): string[] =>
      runCli(undefined, ['logs', '--dir', copy, 'talk', '--json', ...args]).stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l).text as string);
    // stdout and stderr are two pipes: their lines may interleave either way.
    assert.deepEqual(text(['-p', 'err']).sort(), ['critical on stdout', 'err one', 'talk: from syslog']);
    assert.deepEqual(text(['--facility', 'local3']), ['talk: from syslog']);
    const verbose = runCli(undefined, ['logs', '--dir', copy, 'talk', '-o', 'verbose', '--facility', 'local3']).stdout;
    assert.match(verbose, /SYSLOG_FACILITY=19 \(local3\)/);
    assert.match(verbose, /SYSLOG_MSGID=CKPT/);
    assert.match(verbose, /SYSLOG_STRUCTURED_DATA=.*\[origin@32473 ip="10\.0\.0\.1"\]/);
    assert.match(verbose, /PRIORITY=3 \(err\)/);
  });

  test('with hearthd stopped, logs reads the files itself and says so once on stderr', async () => {
    const before = d.cli('logs', 'talk', '-p', 'warning');
    d.child.kill('SIGTERM');
    await new Promise((r) => d.child.once('exit', r));
    const r = runCli(d.socket, ['logs', 'talk', '-p', 'warning'], { ...process.env, HEARTH_LOG_DIR: logDir });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, before.stdout);
    assert.equal(r.stderr, `hearth: hearthd is not running; reading the log files in "${logDir}"\n`);
    const unknown = runCli(d.socket, ['logs', 'tlak'], { ...process.env, HEARTH_LOG_DIR: logDir });
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /no logs for unknown service "tlak" \(did you mean "talk"\?\)/);
  });

  test('--dir that does not exist is a usage error naming it', () => {
    const r = runCli(undefined, ['logs', '--dir', join(copyDir.path, 'nope')]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /cannot read --dir ".*nope": ENOENT/);
  });

  test('-f on a log dir prints the last lines, then what is appended, across several rotations', async () => {
    const dir = tempDir('hearth-logs-follow-');
    const j = new Journal({ dir: dir.path, rotation: { maxBytes: 300, keep: 20 } });
    const w = j.writer('job');
    w.write('out', 'before one\nbefore two\n');
    j.flush();
    const child = spawn(process.execPath, [join(REPO, 'bin', 'hearth'), 'logs', '-f', '--dir', dir.path, 'job', '-n', '1', '-p', 'info'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (b) => (out += b));
    try {
      await eventually(() => out.includes('before two'), 10_000, 'the backlog');
      for (let i = 0; i < 20; i++) w.write(i % 2 ? 'err' : 'out', `line ${i} ${'x'.repeat(40)}\n`);
      w.write('out', '<7>debug is filtered out\n');
      w.write('out', 'last\n');
      j.flush();
      await eventually(() => out.includes('last'), 10_000, 'the appended lines');
      const lines = out.trimEnd().split('\n').map((l) => l.replace(/^\S+ \S+ /, ''));
      assert.deepEqual(lines, ['before two', ...Array.from({ length: 20 }, (_, i) => `${i % 2 ? '[err]: ' : ''}line ${i} ${'x'.repeat(40)}`), 'last']);
    } finally {
      child.kill('SIGINT');
      await new Promise((r) => child.once('exit', r));
      j.close();
      dir.cleanup();
    }
  });
});
