/**
 * What the supervisor says about a crash loop reads like the rest of hearth:
 * durations as "1.5s" and "10s", never "1500ms".
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Supervisor } from '../src/supervisor/index.js';
import { EventBus } from '../src/events/index.js';
import { nativeHelperPath } from '../src/native/index.js';
import { openTracking } from '../src/boundary/index.js';
import { makeDef, tempDir, waitForEvent } from './helpers/index.js';

test('the backoff and failed details give their durations in the one duration format', async () => {
  const dir = tempDir();
  const bus = new EventBus();
  const tracking = openTracking({ runtimeDir: dir.path, mode: 'auto', cgexec: nativeHelperPath('hearth-cgexec') });
  const sup = new Supervisor({ tracking, emit: (e) => bus.emit(e), logSink: () => ({ write: () => undefined, end: () => undefined }), configDir: dir.path });
  try {
    const backoff = { initialDelayMs: 1500, maxDelayMs: 1500, multiplier: 2, stableAfterMs: 60_000, burst: 3, burstIntervalMs: 10_000, coolDownMs: 90_000 };
    await sup.define(makeDef('crashy', { exec: ['/bin/sh', '-c', 'exit 1'], restart: 'always', backoff }));
    const details: string[] = [];
    bus.subscribe((e) => {
      if (e.type === 'service.state' && e.name === 'crashy' && e.detail) details.push(`${e.to}: ${e.detail}`);
    });
    const failed = waitForEvent((l) => bus.subscribe(l), (e) => e.type === 'service.state' && e.name === 'crashy' && e.to === 'failed', 15_000, 'the crash loop to fail');
    await sup.start('crashy').catch(() => undefined);
    await failed;
    assert.ok(details.includes('backoff: exited with code 1; restart in 1.5s'), details.join('\n'));
    assert.ok(details.includes('failed: exited with code 1; crashed 3 times within 10s, retrying in 1min 30s'), details.join('\n'));
  } finally {
    await sup.stopAll();
    sup.close();
    tracking.close();
    dir.cleanup();
  }
});
