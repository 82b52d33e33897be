/**
 * Attack: a unit named "../something" in a file the attacker can write
 * (an xinetd.d entry, an inetd.conf line, an init script's file name) would
 * make root's hearthd write its log, or make its cgroup, outside its own
 * directories. Every name from every source is checked with one rule at the
 * edge and refused with its file and line.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { startDaemon } from '../helpers/daemon.js';
import { freePortBase } from '../helpers/index.js';

test('a name that could leave its directory is refused everywhere, with file and line, and nothing is written outside', async () => {
  const offset = await freePortBase([7, 9]);
  const d = await startDaemon({
    'hearth.toml': `[inetd]\nport_offset = ${offset}\n`,
    'xinetd.d/evil': 'service echo\n{\n\ttype = INTERNAL\n\tid = ../../escaped-xinetd\n\tsocket_type = stream\n\tprotocol = tcp\n\twait = no\n\tdisable = no\n}\n',
    'inetd.conf': 'discard stream tcp nowait root internal\n',
    'init.d/..hidden': '#!/bin/sh\necho hi\n',
  });
  try {
    const check = d.cli('check');
    assert.equal(check.code, 1);
    assert.match(check.stdout + check.stderr, /xinetd\.d\/evil:\d+: invalid service name "\.\.\/\.\.\/escaped-xinetd": this service is ignored/);
    const names = (JSON.parse(d.cli('list', '--json').stdout) as Array<{ name: string }>).map((r) => r.name);
    assert.ok(!names.some((n) => n.includes('..')), names.join(' '));
    assert.ok(names.includes('discard'), 'the sane service next to it still runs');
    // Nothing under the test's root but hearthd's own dirs, and no file escaped the log dir.
    assert.ok(!existsSync(join(d.root, 'escaped-xinetd.log')));
    assert.ok(!existsSync(join(d.root, '..', 'escaped-xinetd.log')));
    assert.deepEqual(readdirSync(join(d.root, 'log')).filter((f) => f.includes('escaped')), []);
  } finally {
    await d.stop();
  }
});
