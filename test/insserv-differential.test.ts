/**
 * hearth against Debian's real insserv, on Debian 12's real init scripts
 * (downloaded and unpacked at test time, never committed). Each script keeps
 * its LSB header verbatim; its body becomes a stub that logs when it begins
 * and ends. insserv orders the scripts in a private tree; hearthd boots the
 * same scripts (S, then runlevel 2) and then switches to 1. Every edge
 * insserv writes for startpar (.depend.boot/.start/.stop) must be honoured:
 * the first script's action ended before the second one's began.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { eventually, tempDir } from './helpers/index.js';
import { startDaemon, type RunningDaemon } from './helpers/daemon.js';
import { lsbBlock, unpackDebianPackages } from './helpers/debian-packages.js';
import { runInsserv, type InsservResult } from './helpers/insserv.js';

/** Debian 12 packages whose init scripts the issue lists, and more that exercise every facility. */
export const DEBIAN_INIT_PACKAGES = [
  'insserv', 'cron', 'dbus', 'openssh-server', 'nginx-common', 'redis-server', 'memcached', 'dnsmasq',
  'postgresql-common', 'exim4-base', 'inetutils-syslogd', 'ifupdown', 'initscripts', 'util-linux-extra',
  'procps', 'udev', 'x11-common', 'rpcbind', 'nfs-common', 'bind9', 'sudo', 'kmod', 'console-setup-linux',
  'keyboard-configuration', 'anacron', 'at', 'apache2', 'openbsd-inetd', 'lightdm', 'sysstat', 'smartmontools', 'ntpsec',
];

function stub(header: string, name: string, logFile: string, stateDir: string): string {
  const state = path.join(stateDir, name);
  return `#!/bin/sh
${header}
# Stub body for a differential test: logs when an action begins and ends.
case "$1" in
  start|stop)
    echo "begin $1 ${name}" >> '${logFile}'
    sleep 0.03
    if [ "$1" = start ]; then : > '${state}'; else rm -f '${state}'; fi
    echo "end $1 ${name}" >> '${logFile}' ;;
  status) [ -e '${state}' ] && exit 0; exit 3 ;;
  *) echo "Usage: ${name} {start|stop|status}" >&2; exit 3 ;;
esac
exit 0
`;
}

interface EdgeCount {
  compared: number;
  honouredByInsserv: number;
  honouredByHearth: number;
  broken: string[];
}

/** For each [first, then] edge whose scripts both ran `action` in this part of the log: first ended before then began. */
function checkEdges(log: string[], action: 'start' | 'stop', edges: Array<[string, string]>, insservOk: (a: string, b: string) => boolean): EdgeCount {
  const pos = (what: string) => log.indexOf(what);
  const count: EdgeCount = { compared: 0, honouredByInsserv: 0, honouredByHearth: 0, broken: [] };
  for (const [a, b] of edges) {
    const endA = pos(`end ${action} ${a}`);
    const beginB = pos(`begin ${action} ${b}`);
    if (endA < 0 || beginB < 0) continue;
    count.compared++;
    if (insservOk(a, b)) count.honouredByInsserv++;
    if (endA < beginB) count.honouredByHearth++;
    else count.broken.push(`${a} -> ${b}`);
  }
  return count;
}

test('hearth honours every edge Debian insserv honours on Debian 12 init scripts: boot (S then 2) and init 1', { timeout: 600_000 }, async (t) => {
  const debian = unpackDebianPackages(DEBIAN_INIT_PACKAGES);
  const realInit = path.join(debian, 'etc', 'init.d');
  const work = tempDir('hearth-insserv-');
  const logFile = path.join(work.path, 'actions.log');
  const stateDir = path.join(work.path, 'state');
  fs.mkdirSync(stateDir);
  fs.writeFileSync(logFile, '');

  // The same stubs for insserv's private tree and for hearth's config dir.
  const files: Record<string, string> = { 'hearth.toml': 'runlevel = 2\n' };
  const names = fs.readdirSync(realInit).filter((n) => lsbBlock(fs.readFileSync(path.join(realInit, n), 'utf8')) !== '').sort();
  assert.ok(names.length >= 34, `expected at least 34 scripts, got ${names.length}: ${names.join(' ')}`);
  for (const n of names) files[`init.d/${n}`] = stub(lsbBlock(fs.readFileSync(path.join(realInit, n), 'utf8')), n, logFile, stateDir);
  files['insserv.conf'] = fs.readFileSync(path.join(debian, 'etc', 'insserv.conf'), 'utf8');
  for (const f of fs.readdirSync(path.join(debian, 'etc', 'insserv.conf.d'))) {
    files[`insserv.conf.d/${f}`] = fs.readFileSync(path.join(debian, 'etc', 'insserv.conf.d', f), 'utf8');
  }
  const oracleRoot = path.join(work.path, 'insserv-root');
  for (const [rel, text] of Object.entries(files)) {
    if (rel === 'hearth.toml') continue;
    const file = path.join(oracleRoot, 'etc', rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text, { mode: 0o755 });
  }
  const insserv: InsservResult = runInsserv(oracleRoot);
  const num = (level: string, n: string) => insserv.links[level]!.get(n)?.number;
  const sBefore = (level: string) => (a: string, b: string) => (num(level, a) ?? 0) < (num(level, b) ?? 0);

  let d: RunningDaemon | undefined;
  try {
    d = await startDaemon(files, [], { executable: names.map((n) => `init.d/${n}`) });
    const bootSet = [...insserv.links.S!.keys()];
    const level2 = [...insserv.links['2']!].filter(([, l]) => l.kind === 'S').map(([n]) => n);
    const readLog = () => fs.readFileSync(logFile, 'utf8').split('\n').filter(Boolean);
    // The boot is over once every script insserv links into rcS.d and rc2.d has ended its start.
    const daemon = d;
    await eventually(() => [...bootSet, ...level2].every((n) => readLog().includes(`end start ${n}`)), 120_000, 'the boot to finish').catch((e: Error) => {
      const missing = [...bootSet, ...level2].filter((n) => !readLog().includes(`end start ${n}`));
      throw new Error(`${e.message}: not started ${missing.join(' ')}\n${daemon.output().slice(-3000)}`);
    });
    const boot = readLog();
    const started = boot.filter((l) => l.startsWith('begin start ')).map((l) => l.slice('begin start '.length)).sort();
    assert.deepEqual(started, [...bootSet, ...level2].sort(), 'hearth starts exactly the scripts insserv links into rcS.d and rc2.d');

    // S before 2: every boot-level script has ended before the first runlevel-2 script begins.
    const lastS = Math.max(...bootSet.map((n) => boot.indexOf(`end start ${n}`)));
    const first2 = Math.min(...level2.map((n) => boot.indexOf(`begin start ${n}`)));
    assert.ok(lastS < first2, 'the boot level S completes before runlevel 2 begins');

    const bootEdges = checkEdges(boot, 'start', insserv.depend.boot, sBefore('S'));
    const startEdges = checkEdges(boot, 'start', insserv.depend.start, sBefore('2'));
    assert.deepEqual(bootEdges.broken, [], 'rcS.d edges');
    assert.deepEqual(startEdges.broken, [], 'rc2.d edges');

    fs.writeFileSync(logFile, '');
    const r = d.cli('init', '1');
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const single = readLog();
    // Everything insserv gives a K link in rc1.d was stopped, and rc1.d's own scripts started.
    const k1 = [...insserv.links['1']!].filter(([, l]) => l.kind === 'K').map(([n]) => n);
    for (const n of k1) assert.ok(single.includes(`end stop ${n}`), `${n} stopped on init 1`);
    const kBefore = (a: string, b: string) => (insserv.links['1']!.get(a)?.number ?? 0) < (insserv.links['1']!.get(b)?.number ?? 0);
    const stopEdges = checkEdges(single, 'stop', insserv.depend.stop.filter(([a, b]) => k1.includes(a) && k1.includes(b)), kBefore);
    const rc1Start = [...insserv.links['1']!].filter(([, l]) => l.kind === 'S').map(([n]) => n);
    const single1 = checkEdges(single, 'start', insserv.depend.start.filter(([a, b]) => rc1Start.includes(a) && rc1Start.includes(b)), sBefore('1'));
    assert.deepEqual(stopEdges.broken, [], 'rc1.d stop edges');
    assert.deepEqual(single1.broken, [], 'rc1.d start edges');
    assert.ok(single.includes('end start single') && single.includes('end start killprocs'), 'rc1.d scripts run');

    const figures = { scripts: names.length, boot: bootEdges, start: startEdges, stop1: stopEdges, start1: single1 };
    for (const [k, v] of Object.entries(figures)) {
      if (typeof v === 'number') t.diagnostic(`${k}: ${v}`);
      else t.diagnostic(`${k}: ${v.compared} edges compared, insserv honours ${v.honouredByInsserv}, hearth honours ${v.honouredByHearth}`);
    }
    assert.ok(bootEdges.compared > 20 && startEdges.compared > 20 && stopEdges.compared > 5, 'the comparison covers real edges');
  } finally {
    await d?.stop();
    work.cleanup();
  }
});
