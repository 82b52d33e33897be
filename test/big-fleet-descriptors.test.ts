/**
 * A fleet bigger than one process's descriptor limit allows still runs, and
 * every service's output reaches the journal. hearthd has 512 descriptors
 * here and 300 services: two FIFOs each would take 600 in hearthd and 1,200
 * (FIFO and spool file per stream) in one spool helper. hearthd holds the
 * pipes of as many services as half its limit allows and says so; the spool
 * helper spreads the streams over workers of its own. A reload reads every
 * service file again without running out either.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDaemon } from './helpers/daemon.js';
import { eventually, uniqueSleep } from './helpers/index.js';

const SERVICES = 300;
const NOFILE = 512;

test(`${SERVICES} services under a limit of ${NOFILE} descriptors all run, and their output is journaled`, { timeout: 180_000 }, async () => {
  const sleep = uniqueSleep();
  const files: Record<string, string> = {};
  for (let i = 0; i < SERVICES; i++) files[`services/s${i}.toml`] = `exec = ["/bin/sh", "-c", "echo hello from s${i}; exec /bin/sleep ${sleep}"]\n`;
  const d = await startDaemon(files, [], { nofile: NOFILE });
  try {
    const running = () => (JSON.parse(d.cli('list', '--json').stdout) as Array<{ state: string }>).filter((s) => s.state === 'running').length;
    await eventually(() => running() === SERVICES, 120_000, `all ${SERVICES} services running`);
    for (const i of [0, SERVICES >> 1, SERVICES - 1]) {
      await eventually(() => d.cli('logs', `s${i}`, '-n', '5').stdout.includes(`hello from s${i}`), 20_000, `the output of s${i} journaled`);
    }
    // A reload reads every service file again: all at once, that ran out of descriptors.
    writeFileSync(join(d.configDir, 'services', `s${SERVICES - 1}.toml`), `exec = ["/bin/sh", "-c", "echo changed; exec /bin/sleep ${sleep}"]\n`);
    const reload = d.cli('reload-config');
    assert.equal(reload.code, 0, reload.stdout + reload.stderr);
    await eventually(() => d.cli('logs', `s${SERVICES - 1}`, '-n', '5').stdout.includes('changed'), 20_000, 'the changed service restarted');
    const log = d.cli('logs', 'hearthd', '-n', '1000').stdout;
    assert.match(log, new RegExp(`descriptor limit ${NOFILE}: hearthd holds the output pipes of ${NOFILE / 4} services and no more`));
    assert.doesNotMatch(log, /EMFILE|too many open files/i);
    const open = readdirSync(`/proc/${d.child.pid}/fd`).length;
    assert.ok(open < NOFILE - 32, `hearthd holds ${open} of its ${NOFILE} descriptors`);
    // The spool helper: one router and its workers, each under the limit.
    const spool = readdirSync('/proc')
      .filter((p) => /^\d+$/.test(p))
      .filter((p) => {
        try {
          return readFileSync(`/proc/${p}/cmdline`, 'latin1').includes(`${d.runtimeDir}/spool.sock`);
        } catch {
          return false;
        }
      });
    assert.ok(spool.length >= 3, `a router and at least two workers (${spool.length} processes)`);
  } finally {
    await d.stop();
  }
});
