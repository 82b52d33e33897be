import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadTransition, saveTransition } from './report-store.js';
import { blame, criticalChain, formatBlame, formatCriticalChain, formatMeasured as formatDuration } from './analyze.js';
import { escapeXml, renderPlotSvg } from './plot-svg.js';
import type { RunReport } from './scheduler.js';
import { testTempDir } from '../testing/temp-dir.js';

/**
 * Well-formedness by a real XML parser (Python's expat) when one is around,
 * else a tag-balance check. test/fixtures/sysv/xml-well-formed.ts does the
 * full check in the integration tests.
 */
function xmlProblems(xml: string): string[] {
  const py = spawnSync('python3', ['-c', 'import sys, xml.dom.minidom as m; m.parseString(sys.stdin.buffer.read())'], { input: xml });
  if (!py.error) return py.status === 0 ? [] : [py.stderr.toString().trim().split('\n').pop() ?? 'parse error'];
  const stack: string[] = [];
  for (const m of xml.replace(/<\?xml[^>]*\?>/, '').matchAll(/<(\/?)([A-Za-z][\w:-]*)[^>]*?(\/?)>/g)) {
    if (m[3]) continue;
    if (!m[1]) stack.push(m[2]!);
    else if (stack.pop() !== m[2]) return [`mismatched </${m[2]}>`];
  }
  if (/&(?!(amp|lt|gt|quot|apos|#\d+);)/.test(xml)) return ['bare "&"'];
  return stack.length ? [`unclosed <${stack.pop()}>`] : [];
}

const T = 1_700_000_000_000;
const report: RunReport = {
  kind: 'start',
  startedAt: T,
  finishedAt: T + 2500,
  cycles: [],
  units: [
    { name: 'syslog', outcome: 'done', startedAt: T, finishedAt: T + 200, after: [] },
    { name: 'net', outcome: 'done', startedAt: T, finishedAt: T + 900, after: [] },
    { name: 'db', outcome: 'done', startedAt: T + 900, finishedAt: T + 2000, after: ['net', 'syslog'] },
    { name: 'web<&"x">', outcome: 'failed', startedAt: T + 2000, finishedAt: T + 2500, error: 'exit 1 & "oops"', after: ['db'] },
    { name: 'api', outcome: 'skipped', error: 'dependency "web" failed', after: ['web<&"x">'] },
  ],
};

describe('analyze', () => {
  test('blame lists units slowest first, skipping those that never ran', () => {
    assert.deepEqual(
      blame(report).map((b) => [b.name, b.durationMs]),
      [
        ['db', 1100],
        ['net', 900],
        ['web<&"x">', 500],
        ['syslog', 200],
      ],
    );
    assert.equal(formatBlame(blame(report)), ' 1.1s db\n900ms net\n500ms web<&"x"> (failed)\n200ms syslog\n');
  });

  test('the critical chain follows the latest-ready dependency back from the last unit', () => {
    const chain = criticalChain(report);
    assert.deepEqual(chain.map((c) => c.name), ['web<&"x">', 'db', 'net']);
    assert.deepEqual(chain[1], { name: 'db', readyAtMs: 2000, durationMs: 1100 });
    assert.deepEqual(criticalChain(report, 'db').map((c) => c.name), ['db', 'net']);
    const text = formatCriticalChain(chain);
    assert.match(text, /\nweb<&"x"> @2\.5s \+500ms\n└─db @2s \+1\.1s\n  └─net @900ms \+900ms\n$/);
  });

  test('durations read like systemd-analyze', () => {
    assert.equal(formatDuration(12), '12ms');
    assert.equal(formatDuration(1500), '1.5s');
    assert.equal(formatDuration(61_000), '1min 1s');
  });
});

describe('renderPlotSvg', () => {
  test('produces well-formed SVG with one bar per unit and escaped names', () => {
    const svg = renderPlotSvg(report);
    assert.deepEqual(xmlProblems(svg), []);
    assert.match(svg, /<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    assert.equal((svg.match(/<g><title>/g) ?? []).length, 5);
    assert.ok(svg.includes('web&lt;&amp;&quot;x&quot;&gt;'));
    assert.ok(!svg.includes('web<&'));
  });

  test('the well-formedness check itself catches broken markup', () => {
    assert.notDeepEqual(xmlProblems('<svg><g></svg>'), []);
    assert.notDeepEqual(xmlProblems('<svg><text>a & b</text></svg>'), []);
    assert.notDeepEqual(xmlProblems('<svg a="1" a="2"/>'), []);
    assert.deepEqual(xmlProblems('<svg><text>a &amp; b</text></svg>'), []);
  });

  test('escapeXml replaces markup characters and control characters', () => {
    assert.equal(escapeXml(`<a href='x'>&"\u0001`), '&lt;a href=&apos;x&apos;&gt;&amp;&quot;?');
  });

  test('an empty run still renders a valid document', () => {
    assert.deepEqual(xmlProblems(renderPlotSvg({ kind: 'stop', startedAt: T, finishedAt: T, units: [], cycles: [] })), []);
  });
});

describe('transition store', () => {
  const stop: RunReport = { kind: 'stop', startedAt: T, finishedAt: T, units: [], cycles: [] };

  test('a saved transition reads back after a restart; a missing or corrupt file reads as nothing', () => {
    const dir = testTempDir('hearth-last-');
    const dirs = { stateDir: dir, runtimeDir: dir };
    assert.equal(loadTransition(dirs, 'last'), undefined);
    const t = { level: 3, previous: null, at: T, boot: true, stop, start: report };
    saveTransition(dirs, 'last', t);
    assert.deepEqual(loadTransition(dirs, 'last'), t);
    fs.writeFileSync(path.join(dir, 'last-transition.json'), '{');
    assert.equal(loadTransition(dirs, 'last'), undefined);
  });

  test('the boot is kept in the runtime dir, the last switch in the state dir', () => {
    const stateDir = testTempDir('hearth-state-');
    const runtimeDir = testTempDir('hearth-run-');
    const dirs = { stateDir, runtimeDir };
    saveTransition(dirs, 'boot', { level: 3, previous: null, at: T, boot: true, stop, start: report });
    saveTransition(dirs, 'last', { level: 5, previous: 3, at: T + 1000, boot: false, stop, start: report });
    assert.deepEqual(fs.readdirSync(runtimeDir), ['boot-transition.json']);
    assert.deepEqual(fs.readdirSync(stateDir), ['last-transition.json']);
    assert.equal(loadTransition(dirs, 'boot')?.level, 3);
    assert.equal(loadTransition(dirs, 'last')?.level, 5);
  });

  test('a record from before boot and switch were told apart reads as a switch that began with its first phase', () => {
    const dir = testTempDir('hearth-old-');
    fs.writeFileSync(path.join(dir, 'last-transition.json'), JSON.stringify({ level: 3, stop, start: report }));
    assert.deepEqual(loadTransition({ stateDir: dir, runtimeDir: dir }, 'last'), { level: 3, previous: null, at: Math.min(T, report.startedAt), boot: false, stop, start: report });
  });
});
