import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfigDir } from './config-dir.js';

function configWith(defaultTarget: string, hearthToml?: string): { dir: string; done(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'hearth-default-target-'));
  mkdirSync(join(dir, 'systemd'));
  for (const t of ['graphical.target', 'multi-user.target', 'rescue.target']) writeFileSync(join(dir, 'systemd', t), `[Unit]\nDescription=${t}\n`);
  symlinkSync(defaultTarget, join(dir, 'systemd', 'default.target'));
  if (hearthToml !== undefined) writeFileSync(join(dir, 'hearth.toml'), hearthToml);
  return { dir, done: () => rmSync(dir, { recursive: true, force: true }) };
}

test('default.target picks the default runlevel when hearth.toml names none, as systemd boots into it', async () => {
  for (const [target, level] of [['graphical.target', 5], ['multi-user.target', 3], ['rescue.target', 1]] as const) {
    const c = configWith(target);
    try {
      const config = await loadConfigDir(c.dir);
      assert.equal(config.settings.runlevel, level, target);
    } finally {
      c.done();
    }
  }
});

test('a runlevel in hearth.toml wins over default.target', async () => {
  const c = configWith('graphical.target', 'runlevel = 2\n');
  try {
    const config = await loadConfigDir(c.dir);
    assert.equal(config.settings.runlevel, 2);
  } finally {
    c.done();
  }
});
