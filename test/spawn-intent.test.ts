/**
 * hearthd writes a service's runtime record ("spawning") before it asks
 * hearth-spawner for the main process, so that a hearthd dying before the pid
 * comes back leaves its successor a way to find the process. The record must
 * keep saying so until the pid is known: the state change that follows the
 * request rewrites the record in the same tick, and once that rewrite dropped
 * the intent, a successor took the new process for leftovers of the old run.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ServerSpawner, nativeHelperPath } from '../src/native/index.js';
import { Supervisor } from '../src/supervisor/index.js';
import type { RuntimeRecord } from '../src/supervisor/runtime-state.js';
import { makeDef, pidAlive, uniqueSleep } from './helpers/index.js';
import { MemorySink, supervisorHarness } from './helpers/supervisor-harness.js';

const skip = nativeHelperPath('hearth-spawner') ? false : 'native/build/hearth-spawner is not built (no C compiler?)';

/** Runs `then` after every microtask queued so far (and the ones those queue, a few deep): before any I/O can be read. */
function afterThisTick(then: () => void): void {
  queueMicrotask(() => queueMicrotask(() => queueMicrotask(then)));
}

describe('the intent to spawn, in the runtime record', { skip }, () => {
  test('says "spawning" until the pid comes, and a successor reading the record of that moment adopts the process', async () => {
    const spawner = new ServerSpawner();
    const h = supervisorHarness({ prefix: 'hearth-spawn-intent-', spawner, runtimeState: true });
    const file = join(h.dir, 'services', 'svc.json');
    const def = makeDef('svc', { exec: ['/bin/sleep', uniqueSleep()], restart: 'always' });
    let successor: Supervisor | undefined;
    try {
      await h.sup.define(def);
      // The request has gone to the helper when the service turns "starting"; its pid can only
      // come through the event loop, so the record read at the end of this tick is the one a
      // hearthd killed in this window leaves behind.
      let inWindow: string | undefined;
      const off = h.sub((e) => {
        if (e.type === 'service.state' && e.name === 'svc' && e.to === 'starting') afterThisTick(() => (inWindow = readFileSync(file, 'utf8')));
      });
      await h.sup.start('svc');
      off();
      assert.ok(inWindow, 'the record was read while the helper was starting the process');
      const windowRecord = JSON.parse(inWindow) as RuntimeRecord;
      assert.equal(windowRecord.pid, null, 'no pid yet in the window');
      assert.equal(windowRecord.spawning, true, `the record written after the request keeps the intent: ${inWindow}`);
      const pid = h.sup.get('svc').pid!;
      const settled = JSON.parse(readFileSync(file, 'utf8')) as RuntimeRecord;
      assert.equal(settled.pid, pid);
      assert.equal(settled.spawning, undefined, 'the intent is gone once the pid is recorded');

      // hearthd died in the window: its successor finds the record of that moment and the process running.
      writeFileSync(file, inWindow);
      successor = new Supervisor({
        tracking: h.tracking,
        emit: () => undefined,
        logSink: () => new MemorySink(),
        configDir: h.dir,
        runtimeStateDir: join(h.dir, 'services'),
      });
      await successor.define(def);
      const report = successor.recover();
      assert.deepEqual(report.adopted, ['svc'], `adopted, not taken for leftovers: ${JSON.stringify(report)}`);
      assert.equal(successor.get('svc').pid, pid, 'the same process');
      assert.ok(pidAlive(pid), 'and it still runs');
    } finally {
      await successor?.stopAll();
      successor?.close();
      await h.cleanup();
    }
  });
});
