import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lineSplitter } from './line-splitter.js';

test('lines come out whole however the text is cut, and an unfinished one waits', () => {
  const text = 'watch a 1:0\nstate b 2 30 a e\n\nlast without end';
  for (let cut = 0; cut <= text.length; cut++) {
    const lines: string[] = [];
    const feed = lineSplitter((l) => lines.push(l));
    feed(text.slice(0, cut));
    feed(text.slice(cut));
    assert.deepEqual(lines, ['watch a 1:0', 'state b 2 30 a e', ''], `cut at ${cut}`);
    feed('\n');
    assert.deepEqual(lines.at(-1), 'last without end');
  }
});
