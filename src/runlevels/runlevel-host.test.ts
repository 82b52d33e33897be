import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RunlevelHost, type RunlevelUnit, type UnitCatalog } from './runlevel-host.js';
import { testTempDir } from '../testing/temp-dir.js';

/** Two units: "base" in 3 and 5, "desk" in 5 only; starting and stopping just flips a flag. */
function catalog(): UnitCatalog & { running: Set<string> } {
  const running = new Set<string>();
  const units: RunlevelUnit[] = [
    { order: { name: 'base' }, enable: { name: 'base', defaultLevels: [3, 5] } },
    { order: { name: 'desk' }, enable: { name: 'desk', defaultLevels: [5] } },
  ];
  return {
    running,
    units: () => units,
    unit: (name) => units.find((u) => u.order.name === name),
    isRunning: (name) => running.has(name),
    start: async (name) => void running.add(name),
    stop: async (name) => void running.delete(name),
  };
}

function dirs() {
  const root = testTempDir('hearth-rlhost-');
  const d = { stateDir: path.join(root, 'state'), runtimeDir: path.join(root, 'run'), configDir: path.join(root, 'config') };
  for (const dir of Object.values(d)) fs.mkdirSync(dir);
  return d;
}

describe('RunlevelHost', () => {
  test('enablementOf says at once what levelsOf, bootOf and isEnabled say, looking the unit up once', async () => {
    const d = dirs();
    const units = catalog();
    let lookups = 0;
    const host = new RunlevelHost(d, { ...units, unit: (name) => (lookups++, units.unit(name)) }, () => undefined);
    await host.enter(3, 3);
    for (const name of ['base', 'desk']) {
      const before = lookups;
      const e = host.enablementOf(name);
      assert.equal(lookups, before + 1);
      assert.deepEqual(e, { levels: host.levelsOf(name), levelS: host.bootOf(name), enabledNow: host.isEnabled(name) });
    }
    assert.deepEqual(host.enablementOf('base')?.enabledNow, true);
    assert.deepEqual(host.enablementOf('desk')?.enabledNow, false);
    assert.equal(host.enablementOf('nothing'), undefined);
  });

  test('after a clean stop the next hearthd recovers no level and finishes no switch', async () => {
    const d = dirs();
    const units = catalog();
    const first = new RunlevelHost(d, units, () => undefined);
    await first.enter(3, 3);
    assert.equal(first.recoveredLevel(), 3);
    await first.stopAll(3);
    assert.equal(first.current, 0);
    assert.deepEqual([...units.running], []);
    const next = new RunlevelHost(d, catalog(), () => undefined);
    assert.equal(next.recoveredLevel(), undefined);
    assert.equal(next.interruptedSwitch(), undefined);
  });

  test('a stop that comes in while a switch is under way still leaves no level behind', async () => {
    const d = dirs();
    const units = catalog();
    let release!: () => void;
    const slow = new Promise<void>((resolve) => (release = resolve));
    const host = new RunlevelHost(d, { ...units, start: async (name) => (name === 'desk' ? slow : Promise.resolve()).then(() => void units.running.add(name)) }, () => undefined);
    await host.enter(3, 3);
    assert.deepEqual([...units.running], ['base']);
    const switching = host.switchTo(5, 3);
    const stopping = host.stopAll(3);
    release();
    await Promise.all([switching, stopping]);
    assert.deepEqual([...units.running], []);
    assert.equal(host.recoveredLevel(), undefined);
  });

  test('a level file that is empty or holds anything but one digit 0-6 is no level', () => {
    const d = dirs();
    const host = new RunlevelHost(d, catalog(), () => undefined);
    for (const text of ['', '\n', '7\n', '3x\n', '-1\n', '1e0\n']) {
      fs.writeFileSync(path.join(d.runtimeDir, 'runlevel'), text);
      assert.equal(host.recoveredLevel(), undefined, JSON.stringify(text));
    }
    fs.writeFileSync(path.join(d.runtimeDir, 'runlevel'), '0\n');
    assert.equal(host.recoveredLevel(), 0);
  });

  test('the boot is the entry into the default level; a later switch is only the last one', async () => {
    const d = dirs();
    const host = new RunlevelHost(d, catalog(), () => undefined);
    await host.enter(3, 3);
    await host.switchTo(5, 3);
    const boot = host.transition('boot')!;
    const last = host.transition('last')!;
    assert.deepEqual([boot.boot, boot.level, boot.previous], [true, 3, null]);
    assert.deepEqual(boot.start.units.map((u) => u.name), ['base']);
    assert.deepEqual([last.boot, last.level, last.previous], [false, 5, 3]);
    assert.deepEqual(last.start.units.map((u) => u.name), ['desk']);
    assert.ok(last.at >= boot.at);
    // Back to the default level: a switch, not a second boot.
    await host.switchTo(3, 3);
    assert.equal(host.transition('boot')!.at, boot.at);
    assert.equal(host.transition('last')!.boot, false);
  });

  test('a hearthd started in another level records the boot at its first switch into the default level', async () => {
    const d = dirs();
    const host = new RunlevelHost(d, catalog(), () => undefined);
    await host.enter(1, 3);
    assert.equal(host.transition('boot'), undefined);
    assert.equal(host.transition('last')!.level, 1);
    await host.switchTo(3, 3);
    assert.deepEqual([host.transition('boot')!.level, host.transition('boot')!.previous], [3, 1]);
  });

  test('after a crash the boot of the crashed hearthd is kept; after a clean restart the next entry is the boot', async () => {
    const d = dirs();
    const first = new RunlevelHost(d, catalog(), () => undefined);
    await first.enter(3, 3);
    const bootAt = first.transition('boot')!.at;
    // kill -9: the level file stays, the new hearthd adopts what runs and enters the level again.
    const recovered = new RunlevelHost(d, catalog(), () => undefined);
    await new Promise((r) => setTimeout(r, 5));
    await recovered.enter(3, 3);
    assert.equal(recovered.transition('boot')!.at, bootAt);
    await recovered.stopAll(3);
    const fresh = new RunlevelHost(d, catalog(), () => undefined);
    await fresh.enter(3, 3);
    assert.ok(fresh.transition('boot')!.at > bootAt);
  });

  test("hearthd's own stop is not recorded as a switch", async () => {
    const d = dirs();
    const host = new RunlevelHost(d, catalog(), () => undefined);
    await host.enter(3, 3);
    await host.switchTo(5, 3);
    await host.stopAll(3);
    assert.equal(host.transition('last')!.level, 5);
  });
});
