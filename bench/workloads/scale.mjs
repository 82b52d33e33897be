// A big fleet (SCALE services, the 10,000): cold start, memory, descriptors,
// `hearth list`, `hearth status NAME`, reload-config with one file changed, idle CPU;
// the same operations at 100 services so growth shows (an O(n²) path would make the
// reload row grow 100× faster than the fleet). Peers: supervisord and s6 where they
// can hold that many; then SCALE inetd ports against xinetd.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { availableParallelism } from 'node:os';
import { HEARTH, HEARTHD, QUICK, SCALE, have, own, scratchDir, sleep, waitFor, wanted } from '../lib/env.mjs';
import { privateNodeDir, startHearth, startS6, startSupervisord, withNofile } from '../lib/peers.mjs';

// Every subject of the big fleet runs with this descriptor limit (the machine's hard limit may be lower):
// hearthd holds several descriptors per service, supervisord a few per program.
const NOFILE = 65536;
/** How long a subject may take to start the big fleet before it counts as unable to. */
const BUDGET_MS = 180000;
import { MARK, cpuTicks, descendants, memory, openFds, ourSleeps } from '../lib/procfs.mjs';
import { note, record, unavailable } from '../lib/stats.mjs';
import { killLeftovers, timeCommand } from './supervisor.mjs';

const REPEAT = QUICK ? 2 : 3;
/** Cold starts of each subject whose ratio is a target (hearth and s6), alternating: one start each is a photo, not a figure. */
const COLD_ROUNDS = QUICK ? 1 : 3;
const IDLE_SECONDS = QUICK ? 5 : 20;

function timed(label, subject, what, cmd, argv, env) {
  const runs = Array.from({ length: REPEAT }, () => timeCommand(cmd, argv, env));
  const bad = runs.find((r) => r.status !== 0 && r.status !== 3);
  if (bad) return unavailable(label, subject, `${what} exited ${bad.status}`);
  record(label, subject, what, 'ms', runs.map((r) => r.ms), 'lower');
}

function treeMemory(pid, exclude) {
  let pss = memory(pid).pss;
  for (const d of descendants(pid)) if (!exclude.has(d)) pss += memory(d).pss || 0;
  return pss;
}

async function idleCpu(label, subject, pid) {
  const a = cpuTicks(pid);
  await sleep(IDLE_SECONDS * 1000);
  // ticks are 1/100 s: ticks per second is the percentage of one core.
  record(label, subject, `idle CPU over ${IDLE_SECONDS} s`, '% of a core', [(cpuTicks(pid) - a) / IDLE_SECONDS], 'lower');
}

function startHearthFleet(n) {
  return startHearth(n, { prefix: withNofile(NOFILE), nodeDir: privateNodeDir(), budgetMs: BUDGET_MS });
}

function startS6Fleet(n) {
  return startS6(n, { prefix: withNofile(NOFILE), budgetMs: BUDGET_MS });
}

/** The fleet's other rows; returns its cold start, recorded with the later rounds' (coldStarts). */
async function hearthFleet(n) {
  const label = `${n} native services`;
  const h = await startHearthFleet(n);
  try {
    await sleep(2000);
    const sleeps = new Set(ourSleeps());
    record(label, 'hearth', 'RSS of the manager', 'MiB', [memory(h.pid).rss], 'lower');
    record(label, 'hearth', 'PSS of the manager and its helpers', 'MiB', [treeMemory(h.pid, sleeps)], 'lower');
    record(label, 'hearth', 'open descriptors of the manager', 'fds', [openFds(h.pid)], 'lower');
    const cli = ['--socket', h.socket];
    timed(label, 'hearth', 'list every service', HEARTH, [...cli, 'list']);
    timed(label, 'hearth', 'status of one service', HEARTH, [...cli, 'status', `s${n >> 1}`]);
    // One file changed: the service restarts with the new command line; every other one is untouched.
    const times = [];
    for (let r = 0; r < REPEAT; r++) {
      writeFileSync(join(h.dir, 'config', 'services', `s${n - 1}.toml`), `exec = ["/bin/sleep", "${MARK}${r}"]\nrestart = "always"\n`);
      const t = timeCommand(HEARTH, [...cli, 'reload-config']);
      if (t.status !== 0) throw new Error(`reload-config exited ${t.status}`);
      times.push(t.ms);
    }
    record(label, 'hearth', 'reload-config, one file changed', 'ms', times, 'lower');
    await idleCpu(label, 'hearth', h.pid);
    return h.coldStartMs;
  } finally {
    await h.stop();
    killLeftovers();
  }
}

async function supervisordFleet(n) {
  const label = `${n} native services`;
  const s = await startSupervisord(n, { prefix: withNofile(NOFILE), budgetMs: BUDGET_MS });
  try {
    record(label, 'supervisord', 'cold start until all run', 'ms', [s.coldStartMs], 'lower');
    await sleep(2000);
    record(label, 'supervisord', 'RSS of the manager', 'MiB', [memory(s.pid).rss], 'lower');
    record(label, 'supervisord', 'PSS of the manager and its helpers', 'MiB', [memory(s.pid).pss], 'lower');
    record(label, 'supervisord', 'open descriptors of the manager', 'fds', [openFds(s.pid)], 'lower');
    timed(label, 'supervisord', 'list every service', 'supervisorctl', ['-c', s.conf, 'status']);
    timed(label, 'supervisord', 'status of one service', 'supervisorctl', ['-c', s.conf, 'status', `s${n >> 1}`]);
    // One program changed (supervisord has one config file): `update` rereads it and restarts that program.
    const times = [];
    for (let r = 0; r < REPEAT; r++) {
      const conf = readFileSync(s.conf, 'utf8');
      const at = conf.lastIndexOf('command=');
      writeFileSync(s.conf, `${conf.slice(0, at)}command=/bin/sleep ${MARK}${r}${conf.slice(conf.indexOf('\n', at))}`);
      times.push(timeCommand('supervisorctl', ['-c', s.conf, 'update']).ms);
    }
    record(label, 'supervisord', 'reload-config, one file changed', 'ms', times, 'lower');
    await idleCpu(label, 'supervisord', s.pid);
  } finally {
    await s.stop();
    killLeftovers();
  }
}

async function s6Fleet(n) {
  const label = `${n} native services`;
  const s = await startS6Fleet(n);
  try {
    await sleep(2000);
    record(label, 's6', 'RSS of the manager', 'MiB', [memory(s.pid).rss], 'lower');
    record(label, 's6', 'PSS of the manager and its helpers', 'MiB', [treeMemory(s.pid, new Set(ourSleeps()))], 'lower');
    return s.coldStartMs;
  } finally {
    await s.stop();
    killLeftovers();
  }
}

/** SCALE internal daytime services, one port each, in one xinetd.d file both read (xinetd knows an internal service by its name; the ids tell them apart). */
function inetdFleetFile(n, base) {
  let text = '';
  for (let i = 0; i < n; i++) text += `service daytime\n{\n\ttype = INTERNAL UNLISTED\n\tid = daytime-d${i}\n\tsocket_type = stream\n\tprotocol = tcp\n\tport = ${base + i}\n\twait = no\n\tuser = root\n\tflags = IPv4\n\tdisable = no\n}\n`;
  return text;
}

/** How many of the ports base … base+n−1 have a listening TCP socket (whoever holds it: hearthd or a helper). */
function listeningIn(base, n) {
  const r = spawnSync('ss', ['-Htln'], { encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
  const ports = new Set([...r.stdout.matchAll(/:(\d+)\s/g)].map((m) => Number(m[1])).filter((p) => p >= base && p < base + n));
  return ports.size;
}

async function portsFree(base, n) {
  const r = spawnSync('ss', ['-Htan'], { encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
  const used = new Set([...r.stdout.matchAll(/:(\d+)\s/g)].map((m) => Number(m[1])));
  for (let p = base; p < base + n; p++) if (used.has(p)) return false;
  return true;
}

async function inetdFleet(n) {
  const label = `${n} inetd ports`;
  let base = 0;
  for (let tries = 0; tries < 20 && !base; tries++) {
    const b = 11000 + Math.floor(Math.random() * (32000 - 11000 - n));
    if (await portsFree(b, n)) base = b;
  }
  if (!base) return unavailable(label, 'hearth', `no ${n} consecutive free ports below 32000`);
  for (const subject of ['hearth', 'xinetd']) {
    if (subject === 'xinetd' && !have('xinetd')) continue;
    const dir = scratchDir(`inetd-${subject}`);
    mkdirSync(join(dir, 'config', 'xinetd.d'), { recursive: true });
    writeFileSync(join(dir, 'config', 'xinetd.d', 'fleet'), inetdFleetFile(n, base));
    writeFileSync(join(dir, 'xinetd.conf'), `defaults\n{\n\tinstances = UNLIMITED\n}\nincludedir ${join(dir, 'config', 'xinetd.d')}\n`);
    const t0 = performance.now();
    const [cmd, ...pre] = [...withNofile(NOFILE), subject === 'hearth' ? HEARTHD : 'xinetd'];
    const p =
      subject === 'hearth'
        ? own(cmd, [...pre, '--config-dir', join(dir, 'config'), '--state-dir', join(dir, 's'), '--runtime-dir', join(dir, 'r'), '--log-dir', join(dir, 'l'), '--quiet'])
        : own(cmd, [...pre, '-dontfork', '-f', join(dir, 'xinetd.conf'), '-pidfile', join(dir, 'pid')]);
    try {
      await waitFor(() => p.child.exitCode !== null || listeningIn(base, n) >= n, 120000, `${subject} to listen on ${n} ports (${listeningIn(base, n)} listening)`, 250);
      if (p.child.exitCode !== null) {
        unavailable(label, subject, `exited ${p.child.exitCode}: ${p.stderr().trim().split('\n').slice(-2).join(' / ')}`);
        continue;
      }
      record(label, subject, 'start until every port listens', 'ms', [performance.now() - t0], 'lower');
      await sleep(2000);
      record(label, subject, 'RSS', 'MiB', [memory(p.pid).rss], 'lower');
      const a = cpuTicks(p.pid);
      await sleep(IDLE_SECONDS * 1000);
      record(label, subject, `idle CPU over ${IDLE_SECONDS} s`, '% of a core', [(cpuTicks(p.pid) - a) / IDLE_SECONDS], 'lower');
    } catch (e) {
      unavailable(label, subject, e.message);
    } finally {
      await p.stop();
    }
  }
}

/** Waits (at most two minutes) until no more processes are runnable than there are cores, two seconds in a row. */
async function quietMachine() {
  const cores = availableParallelism();
  let calm = 0;
  for (let waited = 0; waited < 120 && calm < 2; waited++) {
    const running = Number(/\s(\d+)\//.exec(readFileSync('/proc/loadavg', 'utf8'))?.[1] ?? 0);
    calm = running <= cores ? calm + 1 : 0;
    await sleep(1000);
  }
}

/** More cold starts of hearth and s6 (each after the machine settled), until each has COLD_ROUNDS. */
async function coldStarts(n, cold) {
  const subjects = [['hearth', startHearthFleet], ['s6', startS6Fleet]].filter(([name]) => cold[name].length > 0);
  if (subjects.length < 2) return;
  for (let r = 1; r < COLD_ROUNDS; r++) {
    for (const [name, start] of subjects) {
      // The fleet before leaves thousands of processes exiting, under the next start's measurement.
      if (n > 1000) await quietMachine();
      let p;
      try {
        p = await start(n);
      } catch (e) {
        note(`${n} native services`, `${name}'s cold start round ${r + 1} failed (${e.message}): the row holds ${cold[name].length}`);
        return;
      }
      cold[name].push(p.coldStartMs);
      await p.stop();
      killLeftovers();
    }
  }
}

export async function scaleWorkload() {
  if (!wanted('scale')) return;
  const step = (label, subject, f) => f().catch((e) => unavailable(label, subject, e.message));
  for (const n of [100, SCALE]) {
    const label = `${n} native services`;
    const cold = { hearth: [], s6: [] };
    const took = (list) => (ms) => typeof ms === 'number' && list.push(ms);
    took(cold.hearth)(await step(label, 'hearth', () => hearthFleet(n)));
    if (have('supervisord')) await step(label, 'supervisord', () => supervisordFleet(n));
    if (have('s6-svscan')) took(cold.s6)(await step(label, 's6', () => s6Fleet(n)));
    await coldStarts(n, cold);
    for (const [subject, times] of Object.entries(cold)) if (times.length) record(label, subject, 'cold start until all run', 'ms', times, 'lower');
  }
  // The fleets before leave thousands of processes exiting: measured at once, the inetd rows saw a load of 1,000+.
  await quietMachine();
  await inetdFleet(SCALE);
  note(`${SCALE} native services`, `the open-descriptor limit here is ${spawnSync('sh', ['-c', 'ulimit -Sn; ulimit -Hn'], { encoding: 'utf8' }).stdout.trim().replace('\n', ' soft, ')} hard`);
}
