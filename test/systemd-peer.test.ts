/**
 * docker-systemctl-replacement (Debian's package `systemctl`, 1.4), the best
 * known stand-in, on the same Debian units: it conflicts with the systemd
 * package, so it is unpacked privately and run with python3 and --root. This
 * checks the facts docs/systemd.md states about it: it loads the units, and
 * gets instance specifiers wrong where hearth (like systemd) gets them right.
 * (Running units side by side is the runtime's test.)
 */
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { UnitLoader, UTC_ZONE } from '../src/systemd/index.js';
import { debianTree } from './helpers/debian-units.js';

const units = debianTree();
const peer = debianTree(['systemctl']);
const python = spawnSync('python3', ['--version']).status === 0;
const skip = typeof units === 'string' ? units : typeof peer === 'string' ? peer : !python ? 'python3 not installed (CI installs it)' : false;

const UNITS = ['nginx.service', 'redis-server.service', 'memcached.service', 'ssh.service', 'ssh.socket', 'cron.service', 'rsyslog.service', 'syslog.socket', 'dnsmasq.service', 'postgresql@15-main.service', 'e2scrub_all.timer', 'fstrim.timer'];

describe('docker-systemctl-replacement on the same units', { skip }, () => {
  const { unitDir } = units as Exclude<typeof units, string>;
  const script = path.join((peer as Exclude<typeof peer, string>).root, 'usr/bin/systemctl');
  // It may keep state under its root, so it gets a private copy of the unit tree, not the shared cache.
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-peer-root-'));
  fs.cpSync(unitDir, path.join(root, 'lib/systemd/system'), { recursive: true, verbatimSymlinks: true });
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  function show(name: string): Record<string, string> {
    const r = spawnSync('python3', [script, `--root=${root}`, 'show', name], { encoding: 'utf8', env: { PATH: process.env['PATH'], HOME: os.tmpdir() } });
    return Object.fromEntries(r.stdout.split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
  }

  test('it is version 1.4 and loads every unit hearth loads', () => {
    const v = spawnSync('python3', [script, '--version'], { encoding: 'utf8' });
    assert.match(`${v.stdout}${v.stderr}`, /systemctl\.py 1\.4\.\d+/);
    const loader = new UnitLoader({ searchPath: [unitDir], localZone: UTC_ZONE });
    for (const name of UNITS) {
      assert.equal(show(name)['LoadState'], 'loaded', name);
      assert.equal(loader.load(name).loadState, 'loaded', name);
    }
  });

  test('instance specifiers: it shows an empty quoted %i where systemd and hearth show the instance', () => {
    assert.equal(show('postgresql@15-main.service')['Description'], "PostgreSQL Cluster ''");
    const loader = new UnitLoader({ searchPath: [unitDir], localZone: UTC_ZONE });
    assert.equal(loader.load('postgresql@15-main.service').unit.description, 'PostgreSQL Cluster 15-main');
  });
});
