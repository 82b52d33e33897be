/**
 * A boot and runlevel switches end to end: real init scripts in a temp
 * config dir, enablement persisted in a temp state dir, scripts run by the
 * SysV runner in dependency order, then `analyze plot` writes an SVG.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadSysvScripts } from '../src/config/sysv-script.js';
import {
  JsonEnablementStore,
  blame,
  criticalChain,
  parseChkconfigArgs,
  planTransition,
  renderPlotSvg,
  runChkconfig,
  runTransition,
  sysvEnablementUnit,
  sysvOrderUnit,
  type Enablement,
} from '../src/runlevels/index.js';
import { runScript } from '../src/sysv/index.js';
import type { SysvScript } from '../src/model/index.js';
import { xmlProblems } from './fixtures/sysv/xml-well-formed.js';
import { testTempDir } from '../src/testing/temp-dir.js';

/** An init script that logs begin/ready/stop; `rendezvous` makes start wait until that service has begun. */
function script(header: string, name: string, rendezvous?: string): string {
  return `#!/bin/sh
${header}
log="$STATE_DIR/log"
case "$1" in
  start)
    echo "begin ${name}" >> "$log"
    touch "$STATE_DIR/${name}.begun"
    ${rendezvous ? `i=0; while [ ! -e "$STATE_DIR/${rendezvous}.begun" ]; do i=$((i+1)); [ $i -gt 200 ] && { echo "${rendezvous} never began" >&2; exit 1; }; sleep 0.05; done` : ':'}
    sleep 0.05
    echo "ready ${name}" >> "$log"
    exit 0 ;;
  stop) echo "stop ${name}" >> "$log"; exit 0 ;;
  status) exit 3 ;;
  *) echo "Usage: $0 {start|stop|status}"; exit 2 ;;
esac
`;
}

const lsb = (provides: string, requires: string, levels: string) =>
  `### BEGIN INIT INFO\n# Provides: ${provides}\n# Required-Start: ${requires}\n# Default-Start: ${levels}\n# Short-Description: ${provides}\n### END INIT INFO`;

test('boot to 3, switch to 5, persist a change across a restart, analyze, then halt', async () => {
  const configDir = testTempDir('hearth-boot-cfg-');
  const stateDir = testTempDir('hearth-boot-state-');
  const runDir = testTempDir('hearth-boot-run-');
  const initDir = path.join(configDir, 'init.d');
  fs.mkdirSync(initDir);
  const write = (name: string, text: string) => fs.writeFileSync(path.join(initDir, name), text, { mode: 0o755 });
  // syslog and net wait for each other: they only both finish if run in parallel.
  write('syslog', script(lsb('syslog $syslog', '', '2 3 4 5'), 'syslog', 'net'));
  write('net', script(lsb('net $network', '', '2 3 4 5'), 'net', 'syslog'));
  write('sshd', script(lsb('sshd', '$network $syslog', '2 3 4 5'), 'sshd'));
  write('xdm', script(lsb('xdm', 'sshd', '5'), 'xdm'));
  write('web', script('# chkconfig: 345 80 20\n# description: legacy web server', 'web'));
  write('batch', script('# chkconfig: 345 90 10\n# description: legacy batch', 'batch'));

  const { scripts, errors } = loadSysvScripts(initDir);
  assert.deepEqual(errors, []);
  const byName = new Map<string, SysvScript>(scripts.map((s) => [s.name, s]));
  const units = scripts.map(sysvOrderUnit);
  const env = { STATE_DIR: runDir };
  const running = new Set<string>();
  const actions = {
    start: async (name: string) => {
      const r = await runScript(byName.get(name)!.file, 'start', { env, timeoutMs: 30_000 });
      if (!r.ok) throw new Error(`${name} start failed: ${r.output}`);
      running.add(name);
    },
    stop: async (name: string) => {
      const r = await runScript(byName.get(name)!.file, 'stop', { env, timeoutMs: 30_000 });
      if (!r.ok) throw new Error(`${name} stop failed`);
      running.delete(name);
    },
  };
  const isEnabled = (store: Enablement) => (name: string, level: number) => store.get(sysvEnablementUnit(byName.get(name)!))?.[level] === true;
  const readLog = () => fs.readFileSync(path.join(runDir, 'log'), 'utf8').trim().split('\n');
  const before = (log: string[], a: string, b: string) => {
    assert.ok(log.includes(a) && log.includes(b), `${a} and ${b} both logged`);
    assert.ok(log.indexOf(a) < log.indexOf(b), `"${a}" before "${b}" in ${JSON.stringify(log)}`);
  };

  // Boot into 3.
  let store = new JsonEnablementStore(stateDir);
  const boot = await runTransition(planTransition({ units, running, target: 3, isEnabled: isEnabled(store), defaultLevel: 3 }), actions);
  assert.deepEqual(boot.start.units.filter((u) => u.outcome !== 'done'), []);
  assert.deepEqual([...running].sort(), ['batch', 'net', 'sshd', 'syslog', 'web']);
  let log = readLog();
  before(log, 'ready net', 'begin sshd');
  before(log, 'ready syslog', 'begin sshd');
  before(log, 'ready web', 'begin batch');
  assert.ok(!log.includes('begin xdm'));

  // 3 → 5 adds xdm after sshd.
  fs.writeFileSync(path.join(runDir, 'log'), '');
  const up = await runTransition(planTransition({ units, running, target: 5, isEnabled: isEnabled(store), defaultLevel: 3 }), actions);
  assert.deepEqual(up.start.units.map((u) => u.name), ['xdm']);
  assert.deepEqual(up.stop.units, []);

  // `chkconfig --level 5 web off`, then "restart hearthd": a fresh store reads the same state dir.
  const p = parseChkconfigArgs(['--level', '5', 'web', 'off']);
  assert.ok(p.ok);
  const r = await runChkconfig(p.action, {
    services: scripts.map((s) => ({ unit: sysvEnablementUnit(s) })),
    xinetd: [],
    xinetdEnabled: false,
    currentRunlevel: 5,
    enablement: store,
    setXinetd: async () => assert.fail('no xinetd here'),
  });
  assert.equal(r.exitCode, 0);
  store = new JsonEnablementStore(stateDir);
  const again = await runTransition(planTransition({ units, running, target: 5, isEnabled: isEnabled(store), defaultLevel: 3 }), actions);
  assert.deepEqual(again.stop.units.map((u) => u.name), ['web']);
  assert.deepEqual(again.start.units, []);

  // analyze: blame, critical chain and a plot of the boot.
  assert.deepEqual(blame(boot.start).map((b) => b.name).sort(), ['batch', 'net', 'sshd', 'syslog', 'web']);
  const chain = criticalChain(boot.start, 'sshd').map((c) => c.name);
  assert.equal(chain[0], 'sshd');
  assert.ok(chain[1] === 'net' || chain[1] === 'syslog');
  const svgFile = path.join(runDir, 'boot.svg');
  fs.writeFileSync(svgFile, renderPlotSvg(boot.start));
  assert.deepEqual(xmlProblems(fs.readFileSync(svgFile, 'utf8')), []);

  // Halt: everything stops, dependents first.
  fs.writeFileSync(path.join(runDir, 'log'), '');
  const halt = await runTransition(planTransition({ units, running, target: 0, isEnabled: isEnabled(store), defaultLevel: 3 }), actions);
  assert.equal(halt.transition.finalLevel, 0);
  assert.deepEqual([...running], []);
  log = readLog();
  before(log, 'stop xdm', 'stop sshd');
  before(log, 'stop sshd', 'stop net');
  before(log, 'stop sshd', 'stop syslog');
  assert.ok(log.includes('stop batch') && !log.includes('stop web'), 'web was already stopped');
});
