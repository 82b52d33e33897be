/**
 * hearthd in a fleet whose etcd has auth enabled, with exactly the roles
 * `hearth fleet print-roles` prints (run with the real etcdctl): each hearthd
 * joins as its own host user and does its whole job; the admin user applies
 * and restarts; a host's own credentials cannot change the fleet or read the
 * other hosts, and the GUI's fleet view says so when a hearthd has no admin user.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HearthClient } from '../src/client/index.js';
import { EtcdCluster } from './helpers/etcd-cluster.js';
import { eventually, tempDir } from './helpers/index.js';
import { runCli } from './helpers/daemon.js';
import { bundleDir, startFleetHost, type FleetHost } from './helpers/fleet-hosts.js';

const PASSWORDS: Record<string, string> = { root: 'root-secret', 'hearth-admin': 'admin-secret', 'hearth-host-web1': 'web1-secret', 'hearth-host-web2': 'web2-secret' };

describe('hearthd in a fleet on an etcd with auth and the printed roles', () => {
  let cluster: EtcdCluster;
  const root = tempDir('hearth-fleet-rbac-e2e-');
  let web1: FleetHost;
  let web2: FleetHost;
  const secret = (user: string) => {
    const path = join(root.path, `${user}.password`);
    writeFileSync(path, `${PASSWORDS[user]}\n`, { mode: 0o600 });
    return path;
  };
  const overview = (h: FleetHost) => new HearthClient({ socketPath: h.socket, timeoutMs: 5000 }).fleet();

  before(async () => {
    cluster = await EtcdCluster.start();
    const printed = runCli(undefined, ['fleet', 'print-roles', '--hosts', 'web1,web2', '--enable-auth', '--json']);
    assert.equal(printed.code, 0, printed.stderr);
    for (const cmd of JSON.parse(printed.stdout) as Array<{ argv: string[]; readsPassword?: boolean }>) {
      const user = cmd.argv[0] === 'user' && cmd.argv[1] === 'add' ? cmd.argv[2]! : undefined;
      const r = await cluster.etcdctl(cmd.argv, cmd.readsPassword && user ? { stdin: `${PASSWORDS[user]}\n` } : {});
      assert.equal(r.code, 0, `etcdctl ${cmd.argv.join(' ')}: ${r.stderr}`);
    }
    const endpoints = cluster.endpoints;
    const hostLines = (h: string) => [`user = "hearth-host-${h}"`, `password_file = "${secret(`hearth-host-${h}`)}"`];
    [web1, web2] = await Promise.all([
      startFleetHost({ endpoints, name: 'web1', labels: { role: 'web' }, fleetLines: [...hostLines('web1'), 'admin_user = "hearth-admin"', `admin_password_file = "${secret('hearth-admin')}"`] }),
      startFleetHost({ endpoints, name: 'web2', labels: { role: 'web' }, fleetLines: hostLines('web2') }),
    ]);
  });
  after(async () => {
    await Promise.all([web1, web2].map((h) => h?.stop()));
    await cluster?.stop();
    root.cleanup();
  });

  test('each hearthd joins as its own host user and reports', async () => {
    await eventually(() => {
      const r = web1.cli('fleet', 'hosts', '--json');
      return r.code === 0 && (JSON.parse(r.stdout) as Array<{ name: string; up: boolean; lastSeen?: number }>).filter((h) => h.up && h.lastSeen).length === 2;
    }, 15_000, 'both hosts up and reporting');
  });

  test("the admin's apply and rolling restart go through; each host carries them out with its own role", async () => {
    const dir = bundleDir(root.path, 'v1', { 'services/api.toml': 'exec = ["/bin/sh", "-c", "echo ready; exec sleep 1000"]\nready = "log:^ready$"\n' });
    const r = web1.cli('fleet', 'apply', dir, '--selector', 'role=web');
    assert.equal(r.code, 0, r.stdout + r.stderr);
    for (const h of [web1, web2]) await eventually(() => h.stateOf('api') === 'running', 20_000, `api on ${h.name}`);
    const restart = web1.cli('fleet', 'restart', 'api', '--selector', 'role=web', '--rolling', '--json');
    assert.equal(restart.code, 0, restart.stdout + restart.stderr);
    assert.deepEqual(JSON.parse(restart.stdout), { ok: true, done: ['web1', 'web2'] });
  });

  test("a host's own credentials cannot change the fleet or read the other hosts", () => {
    const dir = bundleDir(root.path, 'evil', { 'services/evil.toml': 'exec = ["/bin/sleep", "1"]\n' });
    const r = web2.cli('fleet', 'apply', dir, '--selector', '*');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /cannot write bundle "all": .*permission denied/i);
    const hosts = web2.cli('fleet', 'hosts');
    assert.equal(hosts.code, 1);
    assert.match(hosts.stderr, /cannot list the fleet's hosts: .*permission denied/i);
    const asAdmin = web2.cli('fleet', 'hosts', '--user', 'hearth-admin', '--password-file', secret('hearth-admin'));
    assert.equal(asAdmin.code, 0, 'the same CLI with the admin user given on the command line reads the fleet');
    assert.equal(web2.stateOf('evil'), undefined);
  });

  test("the GUI's fleet view: live through a hearthd with an admin user; a hearthd without one says why", async () => {
    await eventually(async () => {
      const o = await overview(web1);
      return o.view.state === 'live' && o.view.hosts.map((h) => h.name).join() === 'web1,web2';
    }, 15_000, "web1's fleet view to be live");
    const o = await eventually(async () => {
      const v = await overview(web2);
      return v.view.state === 'stale' ? v : undefined;
    }, 15_000, "web2's fleet view to give up");
    assert.match(o.view.error ?? '', /permission denied/i);
    assert.equal(o.self.link.state, 'connected', 'web2 itself is in the fleet all the same');
  });
});
