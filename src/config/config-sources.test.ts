/** loadConfigSources: the config dir plus lower sources (the fleet's set), the config dir winning every name. */
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfigSources } from './config-sources.js';
import { configReport } from './check-report.js';

const root = mkdtempSync(join(tmpdir(), 'hearth-sources-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

function tree(files: Record<string, string>): string {
  const dir = join(root, `d${++n}`);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** A set reached through a `current` symlink, as the fleet agent writes it. */
function fleetSet(files: Record<string, string>): string {
  const set = tree(files);
  const link = join(root, `current${n}`);
  symlinkSync(set, link);
  return link;
}

const svc = (cmd: string, levels = '[2, 3, 4, 5]') => `exec = ["/bin/sleep", "${cmd}"]\nrunlevels = ${levels}\n`;

describe('loadConfigSources', () => {
  test('fleet units join the local ones under their own names; a local unit of the same name wins and is reported', async () => {
    const local = tree({ 'services/web.toml': svc('1'), 'init.d/cron': '#!/bin/sh\n# chkconfig: 2345 90 10\n' });
    const fleet = fleetSet({ 'services/web.toml': svc('2'), 'services/api.toml': svc('3'), 'services/cron.toml': svc('4') });
    const c = await loadConfigSources(local, { lower: [{ dir: fleet, name: 'fleet' }] });
    assert.deepEqual([...c.services.keys()], ['api', 'web']);
    assert.deepEqual(c.services.get('web')!.exec, ['/bin/sleep', '1'], 'the local web runs');
    assert.equal(c.services.get('api')!.origin.file, join(fleet, 'services/api.toml'), 'named by the stable path, not the set folder');
    assert.deepEqual(c.sources?.map(({ realDir: _r, ...s }) => s), [{ name: 'fleet', dir: fleet, units: ['api'], shadowed: ['cron', 'web'] }]);
    const report = configReport(c);
    assert.ok(report.ok);
    assert.ok(report.warnings.some((w) => w.text === `${join(fleet, 'services/web.toml')}: fleet unit "web" is not used: a local unit of that name wins`), JSON.stringify(report.warnings));
    assert.ok(report.warnings.some((w) => w.text.includes('fleet unit "cron" is not used')), 'an init script shadows a fleet service file too');
  });

  test("fleet.toml sets the runlevel unless hearth.toml does, and its own units' levels but not local ones", async () => {
    const fleetFiles = { 'services/api.toml': svc('3'), 'fleet.toml': 'runlevel = 5\n[enable]\napi = [5]\nweb = []\n' };
    const plain = await loadConfigSources(tree({ 'services/web.toml': svc('1') }), { lower: [{ dir: fleetSet(fleetFiles), name: 'fleet' }] });
    assert.equal(plain.settings.runlevel, 5);
    assert.deepEqual(plain.services.get('api')!.runlevels, [5]);
    assert.deepEqual(plain.services.get('web')!.runlevels, [2, 3, 4, 5], 'the local unit keeps its levels');
    assert.ok(configReport(plain).warnings.some((w) => w.text.includes('enable.web is not applied: "web" is a local unit')));

    const pinned = await loadConfigSources(tree({ 'hearth.toml': 'runlevel = 2\n' }), { lower: [{ dir: fleetSet(fleetFiles), name: 'fleet' }] });
    assert.equal(pinned.settings.runlevel, 2);
    assert.ok(configReport(pinned).warnings.some((w) => w.text.includes('runlevel 5 is not used: hearth.toml sets runlevel 2')));
  });

  test('a broken fleet file is a broken unit and a missing fleet set is nothing: neither fails the local config', async () => {
    const c = await loadConfigSources(tree({ 'services/web.toml': svc('1') }), {
      lower: [{ dir: fleetSet({ 'services/bad.toml': 'exec = ["/bin/true"]\nrestrat = "always"\n' }), name: 'fleet' }],
    });
    assert.deepEqual(c.errors, []);
    assert.deepEqual(c.broken.map((b) => b.name), ['bad']);
    assert.match(c.broken[0]!.errors[0]!.toString(), /current\d+\/services\/bad\.toml:2: unknown key "restrat"/);

    const none = await loadConfigSources(tree({ 'services/web.toml': svc('1') }), { lower: [{ dir: join(root, 'no-such-set'), name: 'fleet' }] });
    assert.deepEqual(none.errors, []);
    assert.deepEqual([...none.services.keys()], ['web']);
  });

  test('inetd-style fleet services share the one super-server; a port the local config uses disables the fleet one', async () => {
    const xinetd = (id: string, port: number) => `service ${id}\n{\n\tsocket_type = stream\n\tprotocol = tcp\n\twait = no\n\tuser = nobody\n\tserver = /bin/cat\n\tport = ${port}\n\ttype = UNLISTED\n}\n`;
    const local = tree({ 'xinetd.d/one': xinetd('one', 41001) });
    const fleet = fleetSet({ 'xinetd.d/two': xinetd('two', 41002), 'xinetd.d/three': xinetd('three', 41001) });
    const c = await loadConfigSources(local, { lower: [{ dir: fleet, name: 'fleet' }] });
    const byId = Object.fromEntries(c.inetd.services.map((d) => [d.id, d.disabled]));
    assert.deepEqual(byId, { one: false, two: false, three: true });
    assert.deepEqual(c.sources?.[0]?.shadowed, []);
  });

  test('a set swapped while it is read gives one whole set, and the next load sees the new one', async () => {
    const a = tree({ 'services/a.toml': svc('1') });
    const b = tree({ 'services/b.toml': svc('2') });
    const link = join(root, 'swapping');
    symlinkSync(a, link);
    // Swap the link as soon as the first read has begun: the loader must notice and read b whole.
    const swap = new Promise<void>((resolve) =>
      setImmediate(() => {
        symlinkSync(b, `${link}.new`);
        renameSync(`${link}.new`, link);
        resolve();
      }),
    );
    const c = await loadConfigSources(tree({}), { lower: [{ dir: link, name: 'fleet' }] });
    await swap;
    const names = [...c.services.keys()];
    assert.ok(names.join() === 'a' || names.join() === 'b', `one set, not a mix: ${names.join()}`);
    const again = await loadConfigSources(tree({}), { lower: [{ dir: link, name: 'fleet' }] });
    assert.deepEqual([...again.services.keys()], ['b']);
  });
});
