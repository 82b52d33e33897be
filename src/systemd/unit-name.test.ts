import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  classifyUnitName, escapeUnitName, escapeUnitPath, instantiate, parseUnitName, templateOf, unescapeUnitName, unescapeUnitPath,
} from './unit-name.js';
import { expandSpecifiers, SYSTEM_HOST_DEFAULTS, type SpecifierContext } from './specifiers.js';
import { parseOsRelease } from './host-facts.js';

test('unit names are plain, templates or instances; anything else is refused', () => {
  assert.equal(classifyUnitName('nginx.service'), 'plain');
  assert.equal(classifyUnitName('getty@.service'), 'template');
  assert.equal(classifyUnitName('getty@tty1.service'), 'instance');
  assert.equal(classifyUnitName('a@b@c.service'), 'instance');
  for (const bad of ['nginx', '.service', '@x.service', 'x.bogus', 'a b.service', 'a/b.service', `${'x'.repeat(250)}.service`]) {
    assert.equal(classifyUnitName(bad), null, bad);
  }
  assert.deepEqual(parseUnitName('postgresql@15-main.service'), { prefix: 'postgresql', instance: '15-main', type: 'service', kind: 'instance' });
  assert.equal(templateOf('postgresql@15-main.service'), 'postgresql@.service');
  assert.equal(templateOf('nginx.service'), null);
  assert.equal(instantiate('postgresql@.service', '15-main'), 'postgresql@15-main.service');
  assert.equal(instantiate('postgresql@.service', 'a b'), null);
});

test('escaping follows systemd-escape: - for /, \\xNN for the rest, a leading dot escaped', () => {
  assert.equal(escapeUnitName('foo/bar-baz'), 'foo-bar\\x2dbaz');
  assert.equal(escapeUnitName('.hidden é'), '\\x2ehidden\\x20\\xc3\\xa9');
  assert.equal(unescapeUnitName('foo-bar\\x2dbaz'), 'foo/bar-baz');
  assert.equal(unescapeUnitName('bad\\y'), null);
  assert.equal(escapeUnitPath('/var//lib/./x/'), 'var-lib-x');
  assert.equal(escapeUnitPath('/'), '-');
  assert.equal(escapeUnitPath('/a/../b'), null);
  assert.equal(unescapeUnitPath('var-lib-x'), '/var/lib/x');
  assert.equal(unescapeUnitPath('-'), '/');
  assert.equal(unescapeUnitPath('a--b'), null);
});

const host = { ...SYSTEM_HOST_DEFAULTS, hostname: 'box.example.org', machineId: 'a'.repeat(32), osRelease: { ID: 'debian', VERSION_ID: '12' } };

function expand(text: string, ctx: Partial<SpecifierContext> = {}, table: 'name' | 'full' | 'install' = 'full') {
  const r = expandSpecifiers(text, { unitName: 'postgresql@15-main.service', host, ...ctx }, table);
  return r.ok ? r.value : `ERR ${r.message}`;
}

test('instance and name specifiers, escaped and unescaped', () => {
  assert.equal(expand('%n|%N|%p|%P|%i|%I|%j|%J'), 'postgresql@15-main.service|postgresql@15-main|postgresql|postgresql|15-main|15/main|postgresql|postgresql');
  assert.equal(expand('%i %I %f', { unitName: 'e2scrub@dev-sda1.service' }), 'dev-sda1 dev/sda1 /dev/sda1');
  assert.equal(expand('%j|%J', { unitName: 'foo-bar\\x2dbaz.service' }), 'bar\\x2dbaz|bar-baz');
  assert.equal(expand('[%i]', { unitName: 'nginx.service' }), '[]');
});

test('system, user and directory specifiers; a system manager resolves the user ones to root', () => {
  assert.equal(expand('%H %l %m %o %w'), `box.example.org box ${'a'.repeat(32)} debian 12`);
  assert.equal(expand('%u %U %g %G %h %s'), 'root 0 root 0 /root /bin/sh');
  assert.equal(expand('%t %S %C %L %E %T %V'), '/run /var/lib /var/cache /var/log /etc /tmp /var/tmp');
  assert.equal(expand('%y %Y', { fragmentPath: '/lib/systemd/system/x.service' }), '/lib/systemd/system/x.service /lib/systemd/system');
});

test('%% is a percent sign, an unknown letter is an error, other characters after % stay', () => {
  assert.equal(expand('100%% %- 5%'), '100% %- 5%');
  assert.equal(expand('%Z'), 'ERR Invalid slot');
  assert.equal(expand('%t', {}, 'name'), 'ERR Invalid slot', 'directories are not allowed in unit names');
});

test('[Install] specifiers fill in DefaultInstance= for templates', () => {
  const ctx = { unitName: 'getty@.service', defaultInstance: 'tty1' };
  assert.equal(expand('%n %N %i %p', ctx, 'install'), 'getty@tty1.service getty@tty1 tty1 getty');
});

test('os-release values may be quoted', () => {
  assert.deepEqual(parseOsRelease('ID=debian\nPRETTY_NAME="Debian GNU/Linux 12"\n# c\nX=\'a\'\n'), { ID: 'debian', PRETTY_NAME: 'Debian GNU/Linux 12', X: 'a' });
});
