import { afterEach, beforeEach, describe, mock, test } from 'node:test';
import assert from 'node:assert/strict';
import { HeapRelease, fullCollection } from './heap-release.js';

describe('HeapRelease', () => {
  beforeEach(() => mock.timers.enable({ apis: ['setTimeout'] }));
  afterEach(() => mock.timers.reset());

  test('collects once, when no burst has ended for the quiet time', () => {
    let collections = 0;
    const heap = new HeapRelease({ collect: () => collections++, quietMs: 1000 });
    heap.afterBurst();
    mock.timers.tick(600);
    heap.afterBurst(); // a second reload right after the first: still one collection, after the last
    mock.timers.tick(999);
    assert.equal(collections, 0);
    mock.timers.tick(1);
    assert.equal(collections, 1);
    mock.timers.tick(10_000);
    assert.equal(collections, 1);
  });

  test('stop cancels a collection that is waiting', () => {
    let collections = 0;
    const heap = new HeapRelease({ collect: () => collections++, quietMs: 1000 });
    heap.afterBurst();
    heap.stop();
    mock.timers.tick(5000);
    assert.equal(collections, 0);
  });

  test('without a collector it does nothing', () => {
    const heap = new HeapRelease({ collect: undefined });
    heap.afterBurst();
    mock.timers.tick(5000);
  });
});

describe('fullCollection', () => {
  test('collects the whole heap without giving the global scope a gc', async () => {
    const collect = fullCollection();
    assert.ok(collect, 'a full collection is available without --expose-gc');
    assert.equal('gc' in globalThis, false);
    // Garbage that has reached the old generation is what a scavenge would leave behind.
    const weak = new WeakRef(Array.from({ length: 2000 }, (_, i) => ({ i })));
    // A WeakRef keeps its target until the job that made it is over.
    await new Promise((resolve) => setImmediate(resolve));
    collect();
    assert.equal(weak.deref(), undefined);
  });
});
