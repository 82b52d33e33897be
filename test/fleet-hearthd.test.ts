/**
 * The fleet end to end: a real 3-member etcd cluster (Debian's etcd-server)
 * and five real hearthd processes, each with its own dirs, driven with the
 * `hearth fleet` CLI exactly as an admin would: hosts, apply/diff/rollback,
 * label selection, xinetd services and timers from the fleet, local units
 * winning, fleet.toml enablement, rolling
 * restart order and stop-on-failure.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { EtcdCluster } from './helpers/etcd-cluster.js';
import { connect } from 'node:net';
import { eventually, freePort, tempDir } from './helpers/index.js';
import { breakOn, bundleDir, readyService, startFleetHost, type FleetHost } from './helpers/fleet-hosts.js';

const sleeper = (n: number) => `exec = ["/bin/sleep", "${n}"]\n`;

describe('a fleet of five hearthd on a real etcd cluster', () => {
  let cluster: EtcdCluster;
  const root = tempDir('hearth-fleet-e2e-');
  const mark = `${root.path}/broken`;
  const hosts: Record<string, FleetHost> = {};
  const all = () => Object.values(hosts);
  const web = () => [hosts.web1!, hosts.web2!, hosts.web3!];
  /** The CLI of one host (db1: a host the web bundles do not reach, so the admin's view is not its own). */
  const admin = (...args: string[]) => hosts.db1!.cli('fleet', ...args);
  const adminJson = <T>(...args: string[]): T => {
    const r = admin(...args, '--json');
    assert.ok(r.stdout.trim().startsWith('[') || r.stdout.trim().startsWith('{'), `hearth fleet ${args.join(' ')}: ${r.stdout}${r.stderr}`);
    return JSON.parse(r.stdout) as T;
  };
  let bundles = 0;
  let firstWeb = '';
  const apply = (selector: string, files: Record<string, string>) => {
    const dir = bundleDir(root.path, `b${++bundles}`, files);
    const r = admin('apply', dir, '--selector', selector);
    assert.equal(r.code, 0, `apply to ${selector}: ${r.stdout}${r.stderr}`);
    return dir;
  };
  const waitState = (h: FleetHost, unit: string, state: string | undefined) =>
    eventually(() => h.stateOf(unit) === state, 20_000, `${unit} ${state ?? 'absent'} on ${h.name} (now ${h.stateOf(unit) ?? 'absent'})`);

  before(async () => {
    cluster = await EtcdCluster.start();
    const endpoints = cluster.endpoints;
    const specs: Array<[string, Record<string, string>, Record<string, string>]> = [
      ['web1', { role: 'web', dc: 'fra1' }, {}],
      // web2 defines "api" itself: the local unit must win over the fleet's.
      ['web2', { role: 'web', dc: 'fra1' }, { 'services/api.toml': readyService(mark, 1001) }],
      ['web3', { role: 'web', dc: 'ams1' }, {}],
      ['db1', { role: 'db', dc: 'fra1' }, {}],
      ['db2', { role: 'db', dc: 'ams1' }, {}],
    ];
    const started = await Promise.all(specs.map(([name, labels, files]) => startFleetHost({ endpoints, name, labels, files })));
    for (const h of started) hosts[h.name] = h;
  });
  after(async () => {
    await Promise.all(all().map((h) => h.stop()));
    await cluster?.stop();
    root.cleanup();
  });

  test('five hosts join: fleet hosts --json gives each with name, labels and up', () => {
    const list = adminJson<Array<{ name: string; labels: Record<string, string>; up: boolean }>>('hosts');
    assert.deepEqual(
      list.map((h) => [h.name, h.labels, h.up]),
      [
        ['db1', { role: 'db', dc: 'fra1' }, true],
        ['db2', { role: 'db', dc: 'ams1' }, true],
        ['web1', { role: 'web', dc: 'fra1' }, true],
        ['web2', { role: 'web', dc: 'fra1' }, true],
        ['web3', { role: 'web', dc: 'ams1' }, true],
      ],
    );
    assert.match(admin('hosts').stdout, /^HOST\s+UP\s+LABELS/);
  });

  test('apply to role=web: the units appear in hearth list of each web host under their own names; a local unit of the same name wins and the fleet hears of it', async () => {
    firstWeb = apply('role=web', { 'services/api.toml': readyService(mark), 'services/worker.toml': sleeper(1000), 'fleet.toml': '[enable]\nworker = [3]\n' });
    for (const h of web()) {
      await waitState(h, 'api', 'running');
      await waitState(h, 'worker', 'running');
    }
    for (const h of [hosts.db1!, hosts.db2!]) assert.equal(h.stateOf('api'), undefined, `${h.name} is not role=web`);
    const source = (h: FleetHost) => h.units().find((u) => u.name === 'api')!.source;
    assert.match(source(hosts.web1!), /\/fleet\/current\/services\/api\.toml$/);
    assert.equal(source(hosts.web2!), 'services/api.toml', 'web2 runs its own api');
    assert.equal(hosts.web2!.processes('api').length, 1, 'one api on web2, not two');

    const rows = await eventually(() => {
      const r = adminJson<Array<{ host: string; name: string; state: string }>>('status', 'api');
      return r.filter((x) => x.state === 'running').length === 3 ? r : undefined;
    }, 10_000, 'fleet status api to show the three web hosts running');
    assert.deepEqual(rows.map((r) => [r.host, r.name, r.state]), [
      ['db1', 'api', 'absent'],
      ['db2', 'api', 'absent'],
      ['web1', 'api', 'running'],
      ['web2', 'api', 'running'],
      ['web3', 'api', 'running'],
    ]);
    const conflictsOf = (name: string) => adminJson<Array<{ name: string; conflicts: unknown[] }>>('hosts').find((h) => h.name === name)!.conflicts;
    const conflicts = await eventually(() => (conflictsOf('web2').length > 0 ? conflictsOf('web2') : undefined), 10_000, 'web2 to report its conflict');
    assert.deepEqual(conflicts, [{ unit: 'api', bundle: 'role=web', winner: 'local' }]);
    assert.deepEqual(hosts.web2!.fleet().shadowed, ['api']);
    assert.match(hosts.web2!.cli('check').stdout, /fleet unit "api" is not used: a local unit of that name wins/);
    assert.match(hosts.web2!.cli('status').stdout, /shadowed by local units \(local wins\): api/);
  });

  test('apply checks DIR with the same checker as local files: an error writes nothing and names file and line', () => {
    const dir = bundleDir(root.path, 'broken', { 'services/api.toml': readyService(mark), 'services/bad.toml': 'exec = ["/bin/true"]\nrestrat = "always"\n' });
    const r = admin('apply', dir, '--selector', 'role=web');
    assert.equal(r.code, 1);
    assert.match(r.stdout, /services\/bad\.toml:2: unknown key "restrat" \(did you mean "restart"\?\)/);
    assert.match(r.stdout, /nothing written/);
    const stray = bundleDir(root.path, 'stray', { 'services/api.toml': readyService(mark), 'hearth.toml': 'runlevel = 2\n' });
    const s = admin('apply', stray, '--selector', 'role=web');
    assert.equal(s.code, 1);
    assert.match(s.stdout, /"hearth\.toml" has no place in a fleet dir/);
    // What etcd holds is still the first version: its own dir diffs as unchanged.
    assert.deepEqual(adminJson<{ files: unknown[] }>('diff', firstWeb, '--selector', 'role=web').files, []);
  });

  test('label selection: role=web,dc=fra1 reaches web1 and web2 only, host=db1 reaches db1 only', async () => {
    apply('role=web,dc=fra1', { 'services/cache.toml': sleeper(1003) });
    apply('host=db1', { 'services/backup.toml': sleeper(1004) });
    await waitState(hosts.web1!, 'cache', 'running');
    await waitState(hosts.web2!, 'cache', 'running');
    await waitState(hosts.db1!, 'backup', 'running');
    await eventually(() => adminJson<Array<{ name: string; applied?: { bundles: Record<string, number> } }>>('hosts').every((h) => h.applied !== undefined && Object.keys(h.applied.bundles).length > 0 || h.name === 'db2'), 10_000, 'every host to report its set');
    for (const h of [hosts.web3!, hosts.db2!]) assert.equal(h.stateOf('cache'), undefined, `${h.name} has no cache`);
    for (const h of [...web(), hosts.db2!]) assert.equal(h.stateOf('backup'), undefined, `${h.name} has no backup`);
  });

  test("fleet.toml's enablement: a unit off in the fleet is listed but stopped; switched on it starts, switched off it stops", async () => {
    const files = { 'services/api.toml': readyService(mark), 'services/worker.toml': sleeper(1000), 'services/queue.toml': sleeper(1005) };
    apply('role=web', { ...files, 'fleet.toml': '[enable]\nworker = [3]\nqueue = []\n' });
    await waitState(hosts.web1!, 'queue', 'stopped');
    assert.equal(hosts.web1!.stateOf('worker'), 'running');
    apply('role=web', { ...files, 'fleet.toml': '[enable]\nworker = []\nqueue = [2, 3, 4, 5]\n' });
    for (const h of web()) {
      await waitState(h, 'queue', 'running');
      await waitState(h, 'worker', 'stopped');
    }
  });

  test("fleet.toml's runlevel moves the host there, and a unit enabled only in that level starts", async () => {
    const db2 = hosts.db2!;
    assert.equal(db2.cli('runlevel').stdout.trim(), 'N 3');
    apply('host=db2', { 'services/report.toml': `${sleeper(1006)}runlevels = [5]\n`, 'fleet.toml': 'runlevel = 5\n' });
    await eventually(() => db2.cli('runlevel').stdout.trim() === '3 5', 20_000, 'db2 in runlevel 5');
    await waitState(db2, 'report', 'running');
    await eventually(() => /fleet: switching to runlevel 5, as the fleet set says/.test(db2.cli('logs', 'hearthd', '-n', '100').stdout), 10_000, "hearthd's log to say why it switched");
  });

  test('xinetd services and timers come from the fleet too: an echo service answers on its port, a timer runs', async () => {
    const db1 = hosts.db1!;
    const port = await freePort();
    const xinetd = ['service echo', '{', '  type = INTERNAL UNLISTED', '  id = echo-stream', '  socket_type = stream', '  protocol = tcp', `  port = ${port}`, '  wait = no', '}', ''].join('\n');
    apply('host=db1', { 'xinetd.d/echo': xinetd, 'services/tick.toml': 'exec = ["/bin/echo", "fleet-tick"]\nevery = "1s"\n' });
    await eventually(() => db1.units().some((u) => u.name === 'echo-stream' && /fleet\/current\/xinetd\.d\/echo:1$/.test(u.source)) && db1.stateOf('tick') !== undefined, 20_000, "the fleet's echo-stream and tick listed on db1");
    const echoed = await eventually(() => echoOnce(port, 'hello fleet\n').catch(() => undefined), 20_000, 'the fleet echo service to answer');
    assert.equal(echoed, 'hello fleet\n');
    await eventually(() => /fleet-tick/.test(db1.cli('logs', 'tick', '-n', '5').stdout), 20_000, 'the fleet timer to run');
    for (const h of [hosts.db2!, ...web()]) assert.equal(h.stateOf('tick'), undefined, `${h.name} has no tick`);
  });

  test('a unit failing on one host shows in fleet status (with why) and fleet hosts, and fleet status exits 1', async () => {
    apply('host=web3', { 'services/ghost.toml': 'exec = ["/nonexistent/ghost-daemon"]\n' });
    await waitState(hosts.web3!, 'ghost', 'failed');
    const row = await eventually(() => adminJson<Array<{ host: string; state: string; lastFailure?: { reason: string } }>>('status', 'ghost').find((x) => x.host === 'web3' && x.state === 'failed'), 15_000, "web3's failed ghost in fleet status");
    assert.match(row.lastFailure?.reason ?? '', /ghost-daemon/, JSON.stringify(row));
    const text = admin('status', 'ghost');
    assert.equal(text.code, 1, 'fleet status exits 1 while a host has the unit failed');
    assert.match(text.stdout, /web3\s+.*failed/);
    const failing = adminJson<Array<{ name: string; unitsFailing: number }>>('hosts').map((h) => [h.name, h.unitsFailing]);
    assert.deepEqual(failing, [['db1', 0], ['db2', 0], ['web1', 0], ['web2', 0], ['web3', 1]]);
  });

  test('fleet audit --json rolls up every host', () => {
    const rows = adminJson<Array<{ host: string; up: boolean; findings: number; units: unknown[] }>>('audit');
    assert.deepEqual(rows.map((r) => [r.host, r.up]), [['db1', true], ['db2', true], ['web1', true], ['web2', true], ['web3', true]]);
    assert.ok(rows.every((r) => Number.isInteger(r.findings) && Array.isArray(r.units)));
  });

  test('diff says what apply would change and whom it reaches; rollback brings the previous version back as a new one', async () => {
    const dir = bundleDir(root.path, 'v-next', { 'services/api.toml': readyService(mark), 'services/worker.toml': sleeper(1000), 'fleet.toml': '[enable]\nworker = []\n' });
    const d = admin('diff', dir, '--selector', 'role=web');
    assert.equal(d.code, 0, d.stderr);
    assert.match(d.stdout, /--- services\/queue\.toml \(removed\)/);
    assert.match(d.stdout, /-queue = \[2, 3, 4, 5\]/);
    assert.match(d.stdout, /hosts after: {2}web1, web2, web3/);
    const json = adminJson<{ files: Array<{ path: string; change: string }>; hostsAfter: string[] }>('diff', dir, '--selector', 'role=web');
    assert.deepEqual(json.files.map((f) => [f.path, f.change]), [['fleet.toml', 'changed'], ['services/queue.toml', 'removed']]);

    assert.equal(admin('apply', dir, '--selector', 'role=web').code, 0);
    for (const h of web()) await waitState(h, 'queue', undefined);
    const r = admin('rollback', 'role=web');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /bundle role=web: rolled back as version 5/);
    for (const h of web()) await waitState(h, 'queue', 'running');
    await eventually(() => adminJson<Array<{ name: string; applied?: { bundles: Record<string, number> } }>>('hosts').filter((h) => h.applied?.bundles['role=web'] === 5).length === 3, 10_000, 'the web hosts to report version 5');
  });

  test('rolling restart: one host at a time, in order, each started only after the one before is ready again', async () => {
    const before = Object.fromEntries(web().map((h) => [h.name, h.processes('api')[0]]));
    const r = adminJson<{ ok: boolean; done: string[] }>('restart', 'api', '--selector', 'role=web', '--rolling', '--max-unavailable', '1');
    assert.deepEqual(r, { ok: true, done: ['web1', 'web2', 'web3'] });
    const api = web().map((h) => h.units().find((u) => u.name === 'api')!);
    for (const [i, h] of web().entries()) {
      assert.notEqual(h.processes('api')[0], before[h.name], `${h.name}'s api was restarted`);
      assert.equal(api[i]!.state, 'running');
    }
    for (let i = 1; i < api.length; i++) {
      assert.ok(api[i]!.startedAt! >= api[i - 1]!.readyAt!, `${web()[i]!.name} started before ${web()[i - 1]!.name} was ready`);
    }
  });

  test('rolling restart stops at the first failure, waits for nothing more, and says which host failed', async () => {
    breakOn(hosts.web2!, mark, true);
    const web3Pid = hosts.web3!.processes('api')[0];
    try {
      const r = admin('restart', 'api', '--selector', 'role=web', '--rolling');
      assert.equal(r.code, 1);
      assert.match(r.stdout, /web1: ready/);
      assert.match(r.stdout, /stopped: web2: host "web2" could not restart "api"/);
      assert.match(r.stdout, /done: web1; not started: web3/);
      assert.equal(hosts.web3!.processes('api')[0], web3Pid, 'web3 was not touched');
    } finally {
      breakOn(hosts.web2!, mark, false);
      assert.equal(hosts.web2!.cli('start', 'api').code, 0);
    }
  });
});

/** Sends text to 127.0.0.1:port and resolves with what comes back once as much has arrived. */
function echoOnce(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(text));
    let got = '';
    socket.setTimeout(5000, () => socket.destroy(new Error('no answer')));
    socket.on('data', (d) => {
      got += d;
      if (got.length >= text.length) {
        socket.end();
        resolve(got);
      }
    });
    socket.on('error', reject);
    socket.on('close', () => reject(new Error(`closed after ${JSON.stringify(got)}`)));
  });
}
