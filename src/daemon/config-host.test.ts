import { afterEach, test, mock } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RACY_MS, ServiceFileCache } from '../config/index.js';
import { ConfigHost } from './config-host.js';

afterEach(() => mock.timers.reset());

/** Whether the cache trusts every file within `ms` of real time (setImmediate and performance.now are not mocked). */
async function settledWithin(cache: ServiceFileCache, ms: number): Promise<boolean> {
  const end = performance.now() + ms;
  while (cache.unsettled && performance.now() < end) await new Promise((resolve) => setImmediate(resolve));
  return !cache.unsettled;
}

test('files written just before a load are checked in the background once their change is old enough', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hearth-confighost-'));
  try {
    mkdirSync(join(dir, 'services'));
    writeFileSync(join(dir, 'services', 'a.toml'), 'exec = ["/bin/sleep", "1"]\n');
    mock.timers.enable({ apis: ['setTimeout', 'Date'], now: Date.now() });
    const cache = new ServiceFileCache();
    const host = new ConfigHost(dir, () => undefined, () => [], () => undefined, cache);
    await host.load();
    assert.equal(cache.unsettled, true, 'read within the racy window: not trusted by its times');
    mock.timers.tick(RACY_MS);
    assert.equal(await settledWithin(cache, 200), false, 'the check waits until the change is old enough');
    mock.timers.tick(1000);
    assert.equal(await settledWithin(cache, 10_000), true, 'then the file is trusted without another load');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
