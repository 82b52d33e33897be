import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Latch } from './latch.js';

test('a latch releases those who waited before it opened, and answers at once after', async () => {
  const latch = new Latch();
  let early = false;
  const before = latch.wait().then(() => (early = true));
  await Promise.resolve();
  assert.equal(early, false, 'not open yet');
  latch.open();
  latch.open();
  await before;
  assert.equal(early, true);
  assert.equal(await Promise.race([latch.wait().then(() => 'open'), new Promise((r) => setTimeout(() => r('waiting'), 50))]), 'open');
});
