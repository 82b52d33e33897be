import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDaemon, runCli, writeTree, type RunningDaemon } from './helpers/daemon.js';
import { eventually, pidAlive, REPO, tempDir, FIXTURE_BIN } from './helpers/index.js';

interface Row {
  name: string;
  state: string;
  pid: number | null;
  enabled?: boolean;
  levels?: boolean[];
  errors?: string[];
}

function list(d: RunningDaemon): Row[] {
  const r = d.cli('list', '--json');
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as Row[];
}

function row(d: RunningDaemon, name: string): Row | undefined {
  return list(d).find((s) => s.name === name);
}

describe('hearthd end to end', () => {
  let d: RunningDaemon;
  before(async () => {
    d = await startDaemon({
      'services/sleeper.toml': 'description = "sleeps"\nexec = ["/bin/sleep", "1000"]\nrestart = "always"\n',
      'services/keeper.toml': 'exec = "/bin/sleep 1001"\n',
      'services/talker.toml': `exec = ["/bin/sh", "-c", "echo hello from talker; echo oops >&2; exec sleep 1000"]\nready = "log:hello"\n`,
      'services/broken.toml': 'exec = ["/bin/true"]\nrestrat = "always"\n',
      'services/offlevel.toml': 'exec = ["/bin/sleep", "1000"]\nrunlevels = [5]\n',
    });
  });
  after(async () => {
    await d?.stop();
  });

  test('list --json carries name, state and pid, and shows a broken file as broken with file:line', () => {
    const rows = list(d);
    const sleeper = rows.find((r) => r.name === 'sleeper')!;
    assert.equal(sleeper.state, 'running');
    assert.ok(typeof sleeper.pid === 'number' && pidAlive(sleeper.pid));
    const broken = rows.find((r) => r.name === 'broken')!;
    assert.equal(broken.state, 'broken');
    assert.match(broken.errors!.join('\n'), /services\/broken\.toml:2: unknown key "restrat" \(did you mean "restart"\?\)/);
  });

  test('a service not enabled in the current runlevel is not started', () => {
    assert.equal(row(d, 'offlevel')!.state, 'stopped');
  });

  test('list --json carries each unit\'s on/off matrix for runlevels 0..6', () => {
    assert.deepEqual(row(d, 'offlevel')!.levels, [false, false, false, false, false, true, false]);
    assert.equal(row(d, 'offlevel')!.enabled, false);
  });

  test('status exits 0 running, 3 stopped, 4 unknown with a did-you-mean', async () => {
    assert.equal(d.cli('status', 'sleeper').code, 0);
    assert.equal(d.cli('status', 'offlevel').code, 3);
    const unknown = d.cli('status', 'sleeepr');
    assert.equal(unknown.code, 4);
    assert.match(unknown.stderr + unknown.stdout, /did you mean "sleeper"/);
  });

  test('stop and start act on the real process', async () => {
    const pid = row(d, 'keeper')!.pid!;
    assert.equal(d.cli('stop', 'keeper').code, 0);
    assert.equal(pidAlive(pid), false);
    assert.equal(row(d, 'keeper')!.state, 'stopped');
    assert.equal(d.cli('start', 'keeper').code, 0);
    assert.equal(row(d, 'keeper')!.state, 'running');
  });

  test('kill -9 of a service brings it back with a new pid', async () => {
    const pid = row(d, 'sleeper')!.pid!;
    process.kill(pid, 'SIGKILL');
    await eventually(() => {
      const r = row(d, 'sleeper')!;
      return r.state === 'running' && r.pid !== pid;
    }, 5000, 'sleeper back');
  });

  test('logs shows a service output, stdout and stderr', () => {
    const r = d.cli('logs', 'talker', '-n', '5');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /hello from talker/);
    assert.match(r.stdout, /oops/);
  });

  test('logs --json gives records with service and text', () => {
    const r = d.cli('logs', 'talker', '--json');
    const records = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { service: string; text: string });
    assert.ok(records.some((x) => x.service === 'talker' && x.text === 'hello from talker'));
  });

  test('reload-config: unchanged untouched, changed restarted, removed stopped, new started', async () => {
    const sleeperPid = row(d, 'sleeper')!.pid!;
    const talkerPid = row(d, 'talker')!.pid!;
    const keeperPid = row(d, 'keeper')!.pid!;
    writeFileSync(join(d.configDir, 'services/talker.toml'), 'exec = ["/bin/sleep", "1002"]\n');
    rmSync(join(d.configDir, 'services/keeper.toml'));
    writeFileSync(join(d.configDir, 'services/newbie.toml'), 'exec = ["/bin/sleep", "1003"]\n');
    const r = d.cli('reload-config', '--json');
    const report = JSON.parse(r.stdout) as { added: string[]; changed: string[]; removed: string[] };
    assert.deepEqual(report.added, ['newbie']);
    assert.deepEqual(report.changed, ['talker']);
    assert.deepEqual(report.removed, ['keeper']);
    assert.equal(row(d, 'sleeper')!.pid, sleeperPid, 'unchanged service untouched');
    assert.notEqual(row(d, 'talker')!.pid, talkerPid);
    assert.equal(pidAlive(talkerPid), false);
    assert.equal(row(d, 'keeper'), undefined);
    assert.equal(pidAlive(keeperPid), false);
    assert.equal(row(d, 'newbie')!.state, 'running');
  });

  test('a service file that turns bad keeps its running definition and the error is reported', () => {
    const pid = row(d, 'sleeper')!.pid!;
    writeFileSync(join(d.configDir, 'services/sleeper.toml'), 'exec = ["/bin/sleep", "1000"]\nnice = "high"\n');
    const r = d.cli('reload-config');
    assert.notEqual(r.code, 0);
    assert.match(r.stdout + r.stderr, /services\/sleeper\.toml:2: .*nice/);
    assert.equal(row(d, 'sleeper')!.pid, pid);
    assert.equal(row(d, 'sleeper')!.state, 'running');
  });

  test('SIGHUP reloads the config', async () => {
    writeFileSync(join(d.configDir, 'services/viahup.toml'), 'exec = ["/bin/sleep", "1004"]\n');
    d.child.kill('SIGHUP');
    await eventually(() => row(d, 'viahup')?.state === 'running', 5000, 'viahup started');
  });

  test('check validates a config dir offline and names file:line:key', () => {
    const dir = tempDir();
    writeTree(dir.path, { 'services/a.toml': 'exec = ["/bin/true"]\nrestart = "sometimes"\n', 'services/b.toml': 'exec = ["/bin/true"]\n' });
    const r = runCli(join(dir.path, 'no.sock'), ['check', '--config-dir', dir.path]);
    dir.cleanup();
    assert.equal(r.code, 1);
    assert.match(r.stdout + r.stderr, /services\/a\.toml:2: .*restart/);
  });
});

describe('hearthd lifecycle', () => {
  test('SIGTERM stops every service, including a stubborn one, then exits 0', async () => {
    const d = await startDaemon({
      'services/a.toml': 'exec = ["/bin/sleep", "1000"]\n',
      'services/stubborn.toml': `exec = ["${join(FIXTURE_BIN, 'ignore-term')}", "/dev/null"]\nstop_timeout = "300ms"\n`,
    });
    await eventually(() => list(d).every((r) => r.state === 'running'), 5000, 'all running');
    const pids = list(d).map((r) => r.pid!);
    const code = await d.stop('SIGTERM');
    assert.equal(code, 0);
    for (const pid of pids) assert.equal(pidAlive(pid), false, `pid ${pid} survived hearthd`);
  });

  test('the CLI says clearly when hearthd is not running', () => {
    const r = runCli('/nonexistent/hearth.sock', ['list']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /cannot reach hearthd at "\/nonexistent\/hearth\.sock"/);
  });

  test("the README's demo command starts hearthd and answers hearth list", async () => {
    const dir = tempDir('hearth-demo-');
    const child = spawn(process.execPath, [join(REPO, 'scripts', 'demo.mjs')], {
      env: { ...process.env, HEARTH_DEMO_DIR: dir.path },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout!.on('data', (x) => (out += x));
    child.stderr!.on('data', (x) => (out += x));
    const socket = join(dir.path, 'run', 'hearth.sock');
    try {
      // The hint comes in its own write, after the line naming the socket: wait for the hint itself.
      await eventually(() => /try "bin\/hearth --socket .* list"/.test(out), 20_000, 'demo to print how to reach it');
      assert.match(out, /control socket/);
      // The control socket answers before the config is loaded: wait for the demo's services.
      const names = await eventually(() => {
        const r = runCli(socket, ['list', '--json']);
        const listed = r.code === 0 ? (JSON.parse(r.stdout) as Row[]).map((x) => x.name) : [];
        return listed.includes('hello-web') ? listed : undefined;
      }, 20_000, 'demo list');
      for (const n of ['hello-web', 'flaky', 'stubborn', 'clock']) assert.ok(names.includes(n), `demo has ${n}`);
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      dir.cleanup();
    }
  });
});

describe('hearth logs and terminal escapes', () => {
  test('escape sequences are shown escaped unless --raw asks for them', async () => {
    const d = await startDaemon({ 'services/colorful.toml': 'exec = ["/bin/sh", "-c", "printf \'\\\\033[31mred\\\\033[0m\\\\n\'; exec sleep 1000"]\n' });
    try {
      await eventually(() => d.cli('logs', 'colorful').stdout.includes('red'), 5000, 'colorful output');
      const shown = d.cli('logs', 'colorful').stdout;
      assert.ok(!shown.includes('\x1b['), 'no raw escape by default');
      assert.ok(d.cli('logs', 'colorful', '--raw').stdout.includes('\x1b[31mred'), '--raw passes it through');
    } finally {
      await d.stop();
    }
  });
});
