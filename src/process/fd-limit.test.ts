import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseNofileRecord, readNofileLimit } from './fd-limit.js';

const MODULE = fileURLToPath(new URL('./fd-limit.ts', import.meta.url));

/** Runs code in a fresh node (under prlimit when given) with the module as `m`; returns its JSON output. */
function inChild(code: string, options: { prlimit?: string; env?: Record<string, string> } = {}): unknown {
  const node = [process.execPath, '--import', 'tsx', '--input-type=module', '-e', `const m = await import(${JSON.stringify(MODULE)}); ${code}`];
  const argv = options.prlimit ? ['prlimit', `--nofile=${options.prlimit}`, '--', ...node] : node;
  const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', env: { ...process.env, ...options.env } });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

describe('descriptor limit', () => {
  test('reads /proc/self/limits', () => {
    const { soft, hard } = readNofileLimit();
    assert.ok(soft === 'unlimited' || soft > 0);
    assert.ok(hard === 'unlimited' || (soft !== 'unlimited' && hard >= soft));
  });

  test('parses what bin/hearthd records', () => {
    assert.deepEqual(parseNofileRecord('1024:524288'), { soft: 1024, hard: 524288 });
    assert.deepEqual(parseNofileRecord('unlimited:unlimited'), { soft: 'unlimited', hard: 'unlimited' });
    assert.equal(parseNofileRecord('1024'), undefined);
    assert.equal(parseNofileRecord(undefined), undefined);
  });

  test('a soft limit below the hard one is raised to it, on our own pid', () => {
    const out = inChild(
      `const { spawnSync } = await import('node:child_process');
       spawnSync('prlimit', ['--pid=' + process.pid, '--nofile=200:300']);
       const lowered = m.readNofileLimit();
       const raised = m.raiseNofileLimit({});
       console.log(JSON.stringify({ lowered, raised }));`,
      { prlimit: '300:300' },
    ) as { lowered: { soft: number }; raised: { now: { soft: number; hard: number } } };
    assert.equal(out.lowered.soft, 200);
    assert.deepEqual(out.raised.now, { soft: 300, hard: 300 });
  });

  test('services get the limit hearthd was started with, and the variable is gone from the environment', () => {
    const out = inChild(
      `const env = { HEARTH_NOFILE_AT_START: '256:4096' };
       const raised = m.raiseNofileLimit(env);
       console.log(JSON.stringify({ raised, service: m.serviceNofileLimit(), left: env.HEARTH_NOFILE_AT_START ?? null }));`,
      { prlimit: '4096:4096' },
    ) as { raised: { atStart: unknown }; service: unknown; left: unknown };
    assert.deepEqual(out.raised.atStart, { soft: 256, hard: 4096 });
    assert.deepEqual(out.service, { soft: 256, hard: 4096 });
    assert.equal(out.left, null);
  });

  test('without a record, services get a soft limit of 1024 under the hard one', () => {
    assert.deepEqual(inChild(`m.raiseNofileLimit({}); console.log(JSON.stringify(m.serviceNofileLimit()));`, { prlimit: '4096:4096' }), { soft: 1024, hard: 4096 });
    assert.deepEqual(inChild(`m.raiseNofileLimit({}); console.log(JSON.stringify(m.serviceNofileLimit()));`, { prlimit: '512:512' }), { soft: 512, hard: 512 });
  });
});
