/**
 * `hearth reload-config` on the demo: a change the running process never
 * sees (its description, its stop settings) applies in place, anything else
 * restarts it, and the summary counts the same units `hearth list` shows,
 * broken files and moved super-server ports included.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, realpathSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { startDaemon, type RunningDaemon } from './helpers/daemon.js';
import { REPO, eventually, freePortBase, freePortBlock } from './helpers/index.js';

const DEMO = join(REPO, 'demo');

function demoFiles(dir = DEMO, out: Record<string, string> = {}): Record<string, string> {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) demoFiles(path, out);
    else out[relative(DEMO, path)] = readFileSync(path, 'utf8');
  }
  return out;
}

interface Row {
  name: string;
  state: string;
  pid: number | null;
  description: string;
  restarts: number;
}

interface Report {
  added: string[];
  changed: string[];
  removed: string[];
  unchanged: string[];
}

describe('reload-config on the demo', () => {
  let d: RunningDaemon;

  before(async () => {
    const offset = await freePortBase([7, 13]);
    const [catPort, webPort] = [await freePortBlock(1), await freePortBlock(1)];
    const files = demoFiles();
    files['hearth.toml'] = files['hearth.toml']!.replace(/port_offset = \d+/, `port_offset = ${offset}`);
    files['xinetd.d/cat'] = files['xinetd.d/cat']!.replace(/12323/g, String(catPort));
    files['services/hello-web.toml'] = files['services/hello-web.toml']!.replace(/18080/g, String(webPort));
    d = await startDaemon(files, [], { executable: ['bin/hello-web.mjs', 'init.d/sleeperd'] });
    await eventually(() => ['clock', 'hello-web', 'stubborn', 'sleeperd', 'cat'].every((n) => row(n)?.state === 'running'), 15_000, 'the demo up');
  });
  after(async () => {
    await d?.stop();
  });

  const rows = (): Row[] => JSON.parse(d.cli('list', '--json').stdout) as Row[];
  const row = (name: string) => rows().find((r) => r.name === name);
  const file = (rel: string) => join(d.configDir, rel);
  const edit = (rel: string, from: RegExp, to: string) => writeFileSync(file(rel), readFileSync(file(rel), 'utf8').replace(from, to));

  /** Reloads, and checks that the summary speaks of exactly the units list shows, each once. */
  function reload(): Report {
    const before = rows().map((r) => r.name);
    const r = d.cli('reload-config', '--json');
    const report = JSON.parse(r.stdout) as Report;
    const listed = rows().map((r) => r.name).sort();
    const spoken = [...report.added, ...report.changed, ...report.unchanged].sort();
    assert.deepEqual(spoken, listed, 'added + changed + unchanged are the units hearth list shows');
    assert.deepEqual([...report.removed].sort(), before.filter((n) => !listed.includes(n)).sort(), 'removed are the units that left the list');
    const text = d.cli('reload-config').stdout.split('\n')[0]!;
    assert.match(text, new RegExp(`: 0 added, 0 changed, 0 removed, ${listed.length} unchanged$`), 'a second reload finds nothing to do');
    return report;
  }

  test('nothing changed: every unit of the list is unchanged', () => {
    const report = reload();
    assert.deepEqual([report.added, report.changed, report.removed], [[], [], []]);
  });

  test('a new description applies in place: same pid, no restart, the list shows it', () => {
    const { pid, restarts } = row('clock')!;
    edit('services/clock.toml', /^description = .*$/m, 'description = "a clock with a new description"');
    const report = reload();
    assert.deepEqual(report.changed, ['clock']);
    const now = row('clock')!;
    assert.deepEqual([now.pid, now.restarts, now.state, now.description], [pid, restarts, 'running', 'a clock with a new description']);
    assert.match(d.cli('logs', 'hearthd', '-n', '50').stdout, /"clock": description changed; applied without a restart/);
  });

  test('a new stop signal applies in place and is the one the next stop sends', () => {
    const { pid } = row('stubborn')!;
    // stubborn ignores SIGTERM (then waits out stop_timeout for SIGKILL); SIGINT ends it at once.
    edit('services/stubborn.toml', /^stop_timeout = .*$/m, 'stop_timeout = "60s"\nstop_signal = "SIGINT"');
    assert.deepEqual(reload().changed, ['stubborn']);
    assert.equal(row('stubborn')!.pid, pid);
    const r = d.cli('stop', 'stubborn');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(row('stubborn')!.state, 'stopped');
    assert.doesNotMatch(d.cli('logs', 'hearthd', '-n', '50').stdout, /stubborn.*SIGKILL/, 'stopped by SIGINT, no escalation');
  });

  test('a new environment restarts the service', async () => {
    const { pid } = row('hello-web')!;
    edit('services/hello-web.toml', /^environment = \{ PORT = "(\d+)" \}$/m, 'environment = { PORT = "$1", GREETING = "hi" }');
    assert.deepEqual(reload().changed, ['hello-web']);
    await eventually(() => row('hello-web')!.state === 'running' && row('hello-web')!.pid !== pid, 10_000, 'hello-web restarted');
  });

  test('a broken file is counted as list shows it: added when it appears, removed when it goes', () => {
    writeFileSync(file('services/broken.toml'), 'exec = 5\n');
    const added = reload();
    assert.deepEqual(added.added, ['broken']);
    assert.equal(row('broken')!.state, 'broken');
    rmSync(file('services/broken.toml'));
    assert.deepEqual(reload().removed, ['broken']);
  });

  /** The pid of the hearth-watch helper watching this daemon's services dir, if one runs. */
  const watchHelper = (): number | undefined => {
    const dir = realpathSync(file('services'));
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      let argv: string[];
      try {
        argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      } catch {
        continue;
      }
      if (argv[0]?.endsWith('/hearth-watch') && argv[1] === dir) return Number(entry);
    }
    return undefined;
  };

  test('with its watch killed, a reload still finds a rewrite that kept the size and times, and the watch comes back', async () => {
    const pid = watchHelper();
    assert.ok(pid, 'hearthd watches its services dir');
    process.kill(pid, 'SIGKILL');
    await eventually(() => watchHelper() === undefined, 5000, 'the helper gone');
    const path = file('services/clock.toml');
    const old = statSync(path);
    edit('services/clock.toml', /^description = .*$/m, (readFileSync(path, 'utf8').match(/^description = .*$/m)![0]).replace(/.(?="$)/, 'X'));
    utimesSync(path, old.atime, old.mtime);
    assert.equal(statSync(path).size, old.size);
    assert.deepEqual(reload().changed, ['clock']);
    const back = watchHelper();
    assert.ok(back !== undefined && back !== pid, 'a new helper watches the dir');
  });

  test('moving the super-server ports counts every inetd service as changed', async () => {
    const offset = await freePortBase([7, 13]);
    edit('hearth.toml', /port_offset = \d+/, `port_offset = ${offset}`);
    const report = reload();
    assert.deepEqual(report.changed, ['cat', 'daytime-stream', 'echo-stream']);
  });
});
