import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { FakeDaemonApi, fakeService, startControlServer, type ClassicResult, type ControlServer } from '../control/index.js';
import { formatTimestamp } from '../model/index.js';
import { runCli } from './run-cli.js';
import { testTempDir } from '../testing/temp-dir.js';

/**
 * What the CLI prints: tables fitted to the terminal, one time format, stderr
 * marks, and the classic commands' corners (telinit q, at --help, chkconfig).
 */

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(argv: string[], tty: { columns?: number; env?: Record<string, string> } = {}, argv0?: string): Promise<Ran> {
  let stdout = '';
  let stderr = '';
  const io = {
    stdout: (t: string) => (stdout += t),
    stderr: (t: string) => (stderr += t),
    env: { NO_COLOR: '1', ...(tty.env ?? {}) },
    isTTY: tty.columns !== undefined,
    ...(tty.columns !== undefined ? { columns: tty.columns } : {}),
    cwd: '/',
  };
  const code = await runCli(argv, io, argv0 ? { argv0 } : {});
  return { code, stdout, stderr };
}

const LONG = 'A description long enough that no narrow terminal can show all of it on one line';

class Fake extends FakeDaemonApi {
  chkconfigArgs: string[][] = [];
  async chkconfig(argv: string[]): Promise<ClassicResult> {
    this.chkconfigArgs.push(argv);
    const bad = argv.some((a, i) => /^--levels?$/.test(a) && !/^[0-6]+$/.test(argv[i + 1] ?? ''));
    return bad ? { stdout: '', stderr: 'usage:   chkconfig [--list] [--type <type>] [name]\n', exitCode: 1 } : { stdout: '', stderr: '', exitCode: 0 };
  }
  async atList() {
    return [{ id: 7, at: Date.UTC(2026, 11, 4, 19, 7, 0), batch: false, command: 'make -C /srv', cwd: '/', queuedAt: 0, user: 'me' }] as never;
  }
  /** An init script's action as service(8) passes it through: the script's own words and status. */
  async passThrough(name: string, action: string): Promise<ClassicResult | null> {
    return name === 'sleeperd' && action === 'start' ? { stdout: 'Starting sleeperd: ok\n', stderr: '', exitCode: 0 } : null;
  }
}

describe('CLI output', () => {
  let api: Fake;
  let server: ControlServer;
  let sock: string[];
  const now = Date.now();

  before(async () => {
    api = new Fake([
      fakeService('web', { state: 'running', pid: 4321, startedAt: now - 65_000, restarts: 2, description: LONG }),
      fakeService('a-service-with-a-long-name', { state: 'backoff', restarts: 12, description: 'crash-loops' }),
      fakeService('sleeperd', { kind: 'sysv', description: 'an init script' }),
      fakeService('beat', { kind: 'timer', state: 'waiting', schedule: '*/5 * * * *', nextRun: now + 120_000, lastRun: { at: now - 180_000, durationMs: 20, code: 1, signal: null }, failures: 1, description: 'heartbeat' }),
    ]);
    api.log({ ts: Date.UTC(2026, 0, 1, 12, 0, 0, 5), service: 'web', stream: 'out', text: 'GET / 200' });
    api.log({ ts: Date.UTC(2026, 0, 1, 12, 0, 1), service: 'web', stream: 'err', text: 'disk full' });
    const socketPath = join(testTempDir('hearth-cli-out-'), 'hearth.sock');
    server = await startControlServer({ api, socketPath });
    sock = ['--socket', socketPath];
  });
  after(() => server.close());

  test('list on an 80-column terminal fits: the description is cut with "…", nothing wraps', async () => {
    const r = await run([...sock, 'list'], { columns: 80 });
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    for (const l of lines) assert.ok([...l].length <= 80, `${[...l].length} columns: ${l}`);
    // With a 28-character name in the list, restarts and tasks make room first.
    assert.match(lines[0]!, /^NAME +STATE +PID +MEMORY +UPTIME +DESCRIPTION$/);
    assert.match(r.stdout, /web +running +4321 +- +1min 5s +A description.*…\n/);
  });

  test('list on narrower terminals drops restarts, tasks, uptime and memory, then pid; name and state stay', async () => {
    const at60 = (await run([...sock, 'list'], { columns: 60 })).stdout.split('\n');
    assert.match(at60[0]!, /^NAME +STATE +PID +DESCRIPTION$/);
    const at40 = (await run([...sock, 'list'], { columns: 40 })).stdout.split('\n');
    assert.match(at40[0]!, /^NAME +STATE( +DESCRIPTION)?$/);
    const at24 = (await run([...sock, 'list'], { columns: 24 })).stdout.split('\n');
    assert.match(at24[0]!, /^NAME +STATE$/);
    assert.match(at24.find((l) => l.startsWith('a-'))!, /^a-se.*… +backoff$/, 'a long name is cut last');
    for (const l of [...at60, ...at40, ...at24]) assert.ok([...l].length <= 60);
    for (const l of at24) assert.ok([...l].length <= 24, l);
  });

  test('list piped keeps every cell whole; $COLUMNS is honoured like systemctl does', async () => {
    const piped = await run([...sock, 'list']);
    assert.ok(piped.stdout.includes(LONG));
    const cols = await run([...sock, 'list'], { env: { COLUMNS: '50' } });
    for (const l of cols.stdout.trimEnd().split('\n')) assert.ok([...l].length <= 50, l);
  });

  test('timers get their own table: schedule, next, last and the result in columns', async () => {
    const r = await run([...sock, 'list']);
    const lines = r.stdout.trimEnd().split('\n');
    const header = lines.findIndex((l) => l.startsWith('TIMER'));
    assert.ok(header > 0, r.stdout);
    assert.match(lines[header]!, /^TIMER +STATE +SCHEDULE +NEXT +LAST +RESULT +DESCRIPTION$/);
    const next = formatTimestamp(now + 120_000, { today: now });
    const last = formatTimestamp(now - 180_000, { today: now });
    assert.ok(lines[header + 1]!.includes(`beat   waiting  */5 * * * *  ${next}  ${last}  exit code 1, 1 failed  heartbeat`), lines[header + 1]);
    assert.ok(!lines.slice(0, header).some((l) => l.startsWith('beat')), 'timers are not in the services table');
  });

  test('status writes "since" in the one time format, with the zone', async () => {
    const r = await run([...sock, 'status', 'web']);
    assert.match(r.stdout, /State: running since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \S+; 1min 5s ago\n/);
    assert.match(r.stdout, /CPU: 1\.25s\n/);
    assert.match(r.stdout, /Memory: 3\.0 MiB\n/);
  });

  test('logs --utc writes UTC times with the zone; stderr lines carry "[err]"', async () => {
    const r = await run([...sock, 'logs', 'web', '--utc']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '2026-01-01 12:00:00.005 UTC GET / 200\n2026-01-01 12:00:01.000 UTC [err]: disk full\n');
    const local = await run([...sock, 'logs', 'web']);
    assert.match(local.stdout.split('\n')[0]!, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.005 GET \/ 200$/);
  });

  test('atq and at write times in the one format, with the zone', async () => {
    const r = await run([...sock, 'atq']);
    assert.equal(r.stdout, `7\t${formatTimestamp(Date.UTC(2026, 11, 4, 19, 7, 0), { zone: true })}\tmake -C /srv\n`);
    assert.match(r.stdout, /^7\t2026-12-0[45] \d\d:07:00 \S+\tmake/);
  });

  test('at --help and batch --help print help and exit 0; after "--" it belongs to the job', async () => {
    for (const cmd of ['at', 'batch']) {
      const r = await run([...sock, cmd, '--help']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`^usage: hearth ${cmd} `));
    }
  });

  test('telinit q and hearth init Q re-read the configuration', async () => {
    const before = api.calls.filter((c) => c.method === 'reloadConfig').length;
    const r = await run([...sock.map((s) => s), 'init', 'Q']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /\/fake\/config: 0 added/);
    const t = await run(['q'], { env: { HEARTH_SOCKET: sock[1]! } }, '/usr/sbin/telinit');
    assert.equal(t.code, 0, t.stderr);
    assert.equal(api.calls.filter((c) => c.method === 'reloadConfig').length, before + 2);
  });

  test('chkconfig --level 9 says the level is invalid before the usage', async () => {
    const r = await run([...sock, 'chkconfig', '--level', '9', 'web', 'on']);
    assert.equal(r.code, 1);
    const [first, ...rest] = r.stderr.split('\n');
    assert.equal(first, 'hearth: invalid runlevel "9": runlevels are the digits 0 to 6, as in --level 35');
    assert.match(rest.join('\n'), /^usage: +chkconfig /m);
    const ok = await run([...sock, 'chkconfig', '--level', '35', 'web', 'on']);
    assert.equal(ok.stderr, '');
  });

  test('a chkconfig line that cannot parse is answered without hearthd, as hearthd would answer it', async () => {
    const down = ['--socket', '/nonexistent/hearth.sock'];
    const bad = await run([...down, 'chkconfig', '--level', '9', 'web', 'on']);
    const viaDaemon = await run([...sock, 'chkconfig', '--level', '9', 'web', 'on']);
    assert.equal(bad.code, 1);
    assert.doesNotMatch(bad.stderr, /cannot reach hearthd/);
    assert.equal(bad.stderr, viaDaemon.stderr);
    // A valid line still needs hearthd, and says so.
    const good = await run([...down, 'chkconfig', '--level', '35', 'web', 'on']);
    assert.match(good.stderr, /cannot reach hearthd/);
  });

  test('service NAME start prints what the init script printed', async () => {
    const r = await run([...sock, 'service', 'sleeperd', 'start']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'Starting sleeperd: ok\n');
  });
});

describe('hearth analyze asks for the boot unless --last', () => {
  let server: Server;
  let socketPath = '';
  const asked: string[] = [];
  const T = Date.UTC(2026, 11, 4, 19, 0, 0);
  const report = (ms: number) => ({ kind: 'start', startedAt: T, finishedAt: T + ms, cycles: [], units: [{ name: 'web', outcome: 'done', startedAt: T, finishedAt: T + ms, after: [] }] });

  before(async () => {
    socketPath = join(testTempDir('hearth-analyze-'), 'hearth.sock');
    server = createServer((req, res) => {
      asked.push(req.url ?? '');
      const last = req.url?.includes('which=last');
      const body = { level: 3, boot: !last, at: T, previous: last ? 5 : null, stop: { ...report(0), kind: 'stop', units: [] }, start: report(last ? 2500 : 1234) };
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(body));
    });
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  });
  after(() => server.close());

  test('blame shows the boot by default and the last switch with --last, durations as systemd-analyze writes them', async () => {
    const boot = await run(['--socket', socketPath, 'analyze', 'blame']);
    assert.equal(boot.stdout, '1.234s web\n');
    assert.match(asked.at(-1)!, /\/v1\/analyze\?which=boot$/);
    const last = await run(['--socket', socketPath, 'analyze', 'blame', '--last']);
    assert.equal(last.stdout, '2.5s web\n');
    assert.match(asked.at(-1)!, /which=last$/);
  });
});
