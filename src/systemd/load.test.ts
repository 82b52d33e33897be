import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { UnitLoader, defaultSearchPath } from './load.js';
import { runlevelsFor, runlevelsOfTarget, targetForRunlevelWord } from './runlevels.js';
import { UTC_ZONE } from './calendar/index.js';

function tree(files: Record<string, string | { link: string }>): { root: string; cleanup(): void } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-sd-load-'));
  for (const [name, v] of Object.entries(files)) {
    const p = path.join(root, name);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    if (typeof v === 'string') fs.writeFileSync(p, v);
    else fs.symlinkSync(v.link, p);
  }
  return { root, cleanup: () => fs.rmSync(root, { recursive: true, force: true }) };
}

const svc = (extra = '') => `[Service]\nExecStart=/bin/true\n${extra}`;

test('the first directory on the search path wins; aliases, masks and linked files resolve as in systemd', () => {
  const t = tree({
    'etc/a.service': `[Unit]\nDescription=from etc\n${svc()}`,
    'lib/a.service': `[Unit]\nDescription=from lib\n${svc()}`,
    'lib/b.service': svc(),
    'lib/b-alias.service': { link: 'b.service' },
    'etc/masked.service': { link: '/dev/null' },
    'lib/masked.service': svc(),
    'lib/empty.service': '',
    'opt/real.service': `[Unit]\nDescription=outside\n${svc()}`,
    'etc/linked.service': { link: '../opt/real.service' },
    'lib/bad-alias.service': { link: 'b.socket' },
  });
  try {
    const loader = new UnitLoader({ searchPath: [path.join(t.root, 'etc'), path.join(t.root, 'lib')], localZone: UTC_ZONE });
    assert.equal(loader.load('a.service').unit.description, 'from etc');
    const viaAlias = loader.load('b-alias.service');
    assert.deepEqual([viaAlias.name, viaAlias.names, viaAlias.loadState], ['b.service', ['b-alias.service', 'b.service'], 'loaded']);
    assert.equal(loader.load('masked.service').loadState, 'masked');
    assert.equal(loader.load('empty.service').loadState, 'masked');
    const linked = loader.load('linked.service');
    assert.deepEqual([linked.name, linked.unit.description], ['linked.service', 'outside']);
    assert.equal(loader.load('nope.service').loadState, 'not-found');
    assert.equal(loader.load('bad-alias.service').loadState, 'not-found');
    assert.match(loader.directory.diagnostics.map((d) => d.message).join('\n'), /has incompatible suffix, rejecting/);
  } finally {
    t.cleanup();
  }
});

test('drop-ins: NAME.d, the template\'s, dash prefixes and TYPE.d, one per file name (earlier directories win), applied in name order', () => {
  const t = tree({
    'lib/foo-bar@x.service': svc('Environment=A=fragment\n'),
    'etc/foo-bar@x.service.d/20-inst.conf': '[Service]\nEnvironment=A=instance\n',
    'lib/foo-bar@.service.d/10-tmpl.conf': '[Service]\nEnvironment=A=template B=template\n',
    'lib/foo-.service.d/05-prefix.conf': '[Service]\nEnvironment=C=prefix\n',
    'lib/service.d/00-top.conf': '[Service]\nEnvironment=D=top\n',
    'etc/service.d/00-top.conf': '[Service]\nEnvironment=D=top-etc\n',
    'lib/foo-bar@x.service.d/20-inst.conf': '[Service]\nEnvironment=A=overridden\n',
    'lib/foo-bar@x.service.d/.hidden.conf': '[Service]\nEnvironment=H=1\n',
    'lib/foo-bar@x.service.d/notes.txt': '[Service]\nEnvironment=T=1\n',
  });
  try {
    const loader = new UnitLoader({ searchPath: [path.join(t.root, 'etc'), path.join(t.root, 'lib')], localZone: UTC_ZONE });
    const u = loader.load('foo-bar@x.service');
    assert.deepEqual(u.dropIns.map((d) => path.relative(t.root, d)), [
      'etc/service.d/00-top.conf', 'lib/foo-.service.d/05-prefix.conf', 'lib/foo-bar@.service.d/10-tmpl.conf', 'etc/foo-bar@x.service.d/20-inst.conf',
    ]);
    const env = new Map(u.service!.exec.environment);
    assert.deepEqual(Object.fromEntries(env), { A: 'instance', B: 'template', C: 'prefix', D: 'top-etc' });
  } finally {
    t.cleanup();
  }
});

test('a fatal setting in a drop-in stops that drop-in only; in the fragment it refuses the unit', () => {
  const t = tree({
    'lib/a.service': svc(),
    'lib/a.service.d/1.conf': '[Service]\nUser=bad:user\nNice=5\n',
    'lib/a.service.d/2.conf': '[Service]\nNice=7\n',
    'lib/b.service': svc('User=bad:user\n'),
  });
  try {
    const loader = new UnitLoader({ searchPath: [path.join(t.root, 'lib')], localZone: UTC_ZONE });
    const a = loader.load('a.service');
    assert.deepEqual([a.loadState, a.service!.exec.nice], ['loaded', 7]);
    assert.equal(loader.load('b.service').loadState, 'bad-setting');
  } finally {
    t.cleanup();
  }
});

test('.wants/ and .requires/ links add dependencies; non-links and masks are skipped with systemd\'s words', () => {
  const t = tree({
    'lib/multi-user.target': '[Unit]\nDescription=Multi-User\n',
    'lib/x.service': svc(),
    'etc/multi-user.target.wants/x.service': { link: '/lib/x.service' },
    'etc/multi-user.target.requires/y.service': { link: '/lib/y.service' },
    'etc/multi-user.target.wants/masked.service': { link: '/dev/null' },
    'etc/multi-user.target.wants/plain.service': '',
    'etc/multi-user.target.wants/file.service': 'x',
  });
  try {
    const loader = new UnitLoader({ searchPath: [path.join(t.root, 'etc'), path.join(t.root, 'lib')], localZone: UTC_ZONE });
    const target = loader.load('multi-user.target');
    assert.deepEqual([target.unit.wants, target.unit.requires], [['x.service'], ['y.service']]);
    assert.match(target.diagnostics.map((d) => d.message).join('\n'), /Wants dependency dropin .*file\.service is not a symlink, ignoring\./);
  } finally {
    t.cleanup();
  }
});

test('the default search path puts CONFIG_DIR/systemd first, then the configured unit paths', () => {
  assert.deepEqual(defaultSearchPath('/etc/hearth', ['/etc/systemd/system', '/lib/systemd/system']), ['/etc/hearth/systemd', '/etc/systemd/system', '/lib/systemd/system']);
});

test('runlevels follow systemd\'s runlevelN.target aliases; graphical includes what multi-user wants', () => {
  assert.deepEqual(runlevelsOfTarget('multi-user.target'), [2, 3, 4]);
  assert.deepEqual(runlevelsOfTarget('runlevel5.target'), [5]);
  assert.equal(targetForRunlevelWord('S'), 'rescue.target');
  const deps: Record<string, string[]> = { 'graphical.target': ['multi-user.target'], 'multi-user.target': ['basic.target'], 'rescue.target': ['sysinit.target'] };
  assert.deepEqual(runlevelsFor(['multi-user.target'], (t) => deps[t] ?? []), [2, 3, 4, 5]);
  assert.deepEqual(runlevelsFor(['sysinit.target'], (t) => deps[t] ?? []), [1]);
  assert.deepEqual(runlevelsFor(['graphical.target'], (t) => deps[t] ?? []), [5]);
});
