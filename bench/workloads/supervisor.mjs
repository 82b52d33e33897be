// Supervising sleep services: cold start against s6 (and runit at 1,000), restart
// after kill -9 against every peer, the CLI round trip and idle CPU at 1,000 services.
import { spawnSync } from 'node:child_process';
import { HEARTH, QUICK, ROUNDS, have, killQuietly, sleep, wanted, waitFor } from '../lib/env.mjs';
import { startHearth, startPm2, startRunit, startS6, startSupervisord } from '../lib/peers.mjs';
import { children, cpuTicks, isOurSleep, ourSleeps, ppid } from '../lib/procfs.mjs';
import { percentile, record } from '../lib/stats.mjs';

/** Kills whatever tagged sleeps a peer left behind (s6-svscan's TERM leaves supervised processes). */
export function killLeftovers() {
  for (const pid of ourSleeps()) killQuietly(pid);
}

export function timeCommand(cmd, argv, env = process.env) {
  const t0 = performance.now();
  const r = spawnSync(cmd, argv, { env, stdio: 'ignore', timeout: 120000 });
  const ms = performance.now() - t0;
  return { ms, status: r.status };
}

async function coldStart(n, peers) {
  const label = `cold start until ${n} services run`;
  const times = { hearth: [] };
  const rounds = n > 100 ? Math.min(ROUNDS, 3) : ROUNDS;
  for (let r = 0; r < rounds; r++) {
    const a = await startHearth(n);
    times.hearth.push(a.coldStartMs);
    await a.stop();
    for (const [name, start] of peers) {
      const b = await start(n);
      (times[name] ??= []).push(b.coldStartMs);
      await b.stop();
      killLeftovers();
    }
  }
  for (const [subject, values] of Object.entries(times)) record(label, subject, 'time', 'ms', values, 'lower');
}

/** kill -9 one supervised sleep; time until its supervisor has a new one (polling the supervisor's children). */
async function restartLatency(samples) {
  const times = [];
  for (let i = 0; i < samples; i++) {
    await waitFor(() => ourSleeps().length > 0, 10000, 'a supervised process to kill');
    const before = new Set(ourSleeps());
    const victim = [...before][0];
    const parent = ppid(victim);
    if (!Number.isFinite(parent)) continue; // it went away on its own between listing and reading: take another
    const t0 = performance.now();
    killQuietly(victim);
    for (;;) {
      if (children(parent).some((k) => !before.has(k) && k !== victim && isOurSleep(k))) break;
      if (performance.now() - t0 > 10000) break;
    }
    times.push(performance.now() - t0);
    await sleep(1200); // past runit/s6/supervisord's 1 s throttles (and hearth's stable time), so each sample is a first restart
  }
  return times;
}

async function restarts(tools) {
  const label = 'restart after kill -9';
  const samples = QUICK ? 5 : 20;
  const subjects = [
    ['hearth', () => startHearth(1)],
    ['runit', () => startRunit(1), 'runsvdir'],
    ['s6', () => startS6(1), 's6-svscan'],
    ['supervisord', () => startSupervisord(1), 'supervisord'],
  ];
  if (tools.pm2) subjects.push(['PM2', () => startPm2(tools.pm2, 1)]);
  for (const [name, start, binary] of subjects) {
    if (binary && !have(binary)) continue;
    const sub = await start();
    try {
      await sleep(500);
      const times = await restartLatency(samples);
      record(label, name, 'median', 'ms', times, 'lower');
      record(label, name, 'p95', 'ms', [percentile(times, 95)], 'lower');
    } finally {
      await sub.stop();
      killLeftovers();
    }
  }
}

async function cliAndIdle(tools) {
  const n = QUICK ? 100 : 1000;
  const h = await startHearth(n);
  try {
    await sleep(1000);
    if (wanted('idle')) {
      const secs = QUICK ? 5 : 30;
      const a = cpuTicks(h.pid);
      await sleep(secs * 1000);
      record(`idle CPU, ${n} services, ${secs} s`, 'hearth', 'CPU', '% of a core', [((cpuTicks(h.pid) - a) / 100 / secs) * 100], 'lower');
    }
    if (wanted('cli')) {
      const times = Array.from({ length: ROUNDS }, () => timeCommand(HEARTH, ['--socket', h.socket, 'list']).ms);
      record(`CLI round trip, ${n} services`, 'hearth', 'time', 'ms', times, 'lower');
    }
  } finally {
    await h.stop();
  }
  if (wanted('cli') && have('supervisord')) {
    const s = await startSupervisord(n);
    // supervisorctl status exits 3 when any program is not RUNNING: timed anyway, it did the work.
    const times = Array.from({ length: ROUNDS }, () => timeCommand('supervisorctl', ['-c', s.conf, 'status']).ms);
    record(`CLI round trip, ${n} services`, 'supervisorctl status', 'time', 'ms', times, 'lower');
    await s.stop();
  }
  if (wanted('cli') && tools.pm2 && n <= 100) {
    const p = await startPm2(tools.pm2, n);
    const times = Array.from({ length: ROUNDS }, () => timeCommand(tools.pm2, ['jlist'], p.env).ms);
    record(`CLI round trip, ${n} services`, 'pm2 jlist', 'time', 'ms', times, 'lower');
    await p.stop();
  }
}

export async function supervisorWorkloads(tools) {
  if (wanted('cli') || wanted('idle')) await cliAndIdle(tools);
  if (wanted('coldstart')) {
    const s6 = have('s6-svscan') ? [['s6', startS6]] : [];
    await coldStart(100, s6);
    if (!QUICK) await coldStart(1000, [...s6, ...(have('runsvdir') ? [['runit', startRunit]] : [])]);
  }
  if (wanted('restart')) await restarts(tools);
}
