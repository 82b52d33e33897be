#!/usr/bin/env node
// hearth's benchmarks against the real peers, side by side in one run.
//
//   npm run bench                 full run (about 15 minutes)
//   npm run bench -- --quick      smoke run (under two minutes)
//   npm run bench -- --only daytime,echo   (workloads: daytime echo cat throughput footprint
//                                            cli idle coldstart restart journal zombies pool)
//
// Everything runs on 127.0.0.1 with bounded loops. Each peer gets its own
// private config in a temp dir, and only the processes this script started
// are stopped. Results: a table on stdout, bench/results/latest.json, and the
// generated part of docs/performance.md.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CACHE = join(ROOT, 'bench', '.cache');
const args = process.argv.slice(2);
const QUICK = args.includes('--quick');
const ONLY = (args[args.indexOf('--only') + 1] ?? '').split(',').filter((x) => args.includes('--only') && x);
const ROUNDS = QUICK ? 2 : 5;
const SECONDS = QUICK ? 1.5 : 4;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
// Every subject's config and state lives on tmpfs when there is one, as /run does on a
// real system (hearth's runtime dir, s6's and runit's scan dirs): disk latency is not
// what is measured.
const SCRATCH = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
const results = [];
const cleanups = [];

function log(msg) {
  process.stderr.write(`bench: ${msg}\n`);
}

function wanted(name) {
  return ONLY.length === 0 || ONLY.includes(name);
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function percentile(xs, p) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}

function record(workload, subject, metric, unit, values, better = 'higher') {
  const m = median(values);
  const spread = values.length > 1 ? (Math.max(...values) - Math.min(...values)) / (m || 1) : 0;
  results.push({ workload, subject, metric, unit, better, values, median: m, spread });
  log(`${workload} ${subject} ${metric}: ${m.toFixed(2)} ${unit} (n=${values.length})`);
}

function unavailable(workload, subject, reason) {
  results.push({ workload, subject, unavailable: reason });
  log(`${workload} ${subject}: not available (${reason})`);
}

// --- machine and tools ------------------------------------------------------

function machine() {
  return {
    cores: cpus().length,
    cpu: cpus()[0]?.model ?? 'unknown',
    kernel: spawnSync('uname', ['-r'], { encoding: 'utf8' }).stdout.trim(),
    node: process.version,
    date: new Date().toISOString(),
  };
}

function have(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
}

function ensurePeers() {
  mkdirSync(CACHE, { recursive: true });
  const missing = [['xinetd', 'xinetd'], ['supervisord', 'supervisor'], ['runsv', 'runit'], ['s6-svscan', 's6']].filter(([c]) => !have(c)).map(([, p]) => p);
  if (missing.length && process.getuid?.() === 0) {
    log(`installing ${missing.join(' ')} with apt-get`);
    spawnSync('apt-get', ['install', '-y', '-qq', ...missing], { stdio: 'ignore', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  }
  // openbsd-inetd conflicts with xinetd as a package: unpack its binary privately.
  const inetd = join(CACHE, 'openbsd-inetd', 'usr', 'sbin', 'inetd');
  if (!existsSync(inetd)) {
    const dir = mkdtempSync(join(SCRATCH, 'bench-deb-'));
    spawnSync('apt-get', ['download', 'openbsd-inetd'], { cwd: dir, stdio: 'ignore' });
    const deb = readdirSync(dir).find((f) => f.endsWith('.deb'));
    if (deb) spawnSync('dpkg', ['-x', join(dir, deb), join(CACHE, 'openbsd-inetd')], { stdio: 'ignore' });
    rmSync(dir, { recursive: true, force: true });
  }
  const pm2 = join(CACHE, 'pm2', 'node_modules', '.bin', 'pm2');
  if (!existsSync(pm2) && !QUICK) {
    log('installing pm2 into bench/.cache/pm2');
    spawnSync('npm', ['install', '--prefix', join(CACHE, 'pm2'), 'pm2@6', '--no-audit', '--no-fund'], { stdio: 'ignore' });
  }
  const loadgen = join(CACHE, 'loadgen');
  spawnSync('cc', ['-O2', '-o', loadgen, join(ROOT, 'bench', 'client', 'loadgen.c')], { stdio: 'inherit' });
  return { inetd: existsSync(inetd) ? inetd : null, pm2: existsSync(pm2) ? pm2 : null, loadgen };
}

function freePort() {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function waitPort(port, ms = 10000) {
  const { connect } = await import('node:net');
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const ok = await new Promise((r) => {
      const c = connect(port, '127.0.0.1');
      c.once('connect', () => (c.destroy(), r(true)));
      c.once('error', () => r(false));
    });
    if (ok) return;
    await sleep(50);
  }
  throw new Error(`port ${port} never opened`);
}

/** Starts a process we own; registered for cleanup; stops exactly it. */
function own(cmd, argv, opts = {}) {
  const child = spawn(cmd, argv, { stdio: ['ignore', 'ignore', 'pipe'], ...opts });
  let err = '';
  child.stderr?.on('data', (d) => (err += d));
  const stop = async (signal = 'SIGTERM') => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill(signal);
    await Promise.race([new Promise((r) => child.once('exit', r)), sleep(15000)]);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  cleanups.push(stop);
  return { child, stop, stderr: () => err };
}

// --- subjects -----------------------------------------------------------------

function xinetdServices(ports) {
  const block = (name, type, port, extra = '') =>
    `service ${name}\n{\n\ttype = ${type}\n\tid = ${name}-bench\n\tsocket_type = stream\n\tprotocol = tcp\n\tport = ${port}\n\twait = no\n\tuser = root\n\tdisable = no\n\tinstances = UNLIMITED\n\tcps = 100000 1\n\tflags = IPv4\n${extra}}\n`;
  return (
    block('daytime', 'INTERNAL UNLISTED', ports.daytime) +
    block('echo', 'INTERNAL UNLISTED', ports.echo) +
    block('catsrv', 'UNLISTED', ports.cat, '\tserver = /bin/cat\n')
  );
}

async function startHearthInetd(ports) {
  const dir = mkdtempSync(join(SCRATCH, 'bench-hearth-'));
  mkdirSync(join(dir, 'config', 'xinetd.d'), { recursive: true });
  writeFileSync(join(dir, 'config', 'xinetd.d', 'bench'), xinetdServices(ports));
  const p = own(join(ROOT, 'bin', 'hearthd'), ['--config-dir', join(dir, 'config'), '--state-dir', join(dir, 's'), '--runtime-dir', join(dir, 'r'), '--log-dir', join(dir, 'l'), '--quiet']);
  await waitPort(ports.cat);
  return { ...p, pid: p.child.pid, dir };
}

async function startXinetd(ports) {
  const dir = mkdtempSync(join(SCRATCH, 'bench-xinetd-'));
  writeFileSync(join(dir, 'xinetd.conf'), `defaults\n{\n\tinstances = UNLIMITED\n}\n${xinetdServices(ports)}`);
  const p = own('xinetd', ['-dontfork', '-f', join(dir, 'xinetd.conf'), '-pidfile', join(dir, 'pid')]);
  await waitPort(ports.cat);
  return { ...p, pid: p.child.pid, dir };
}

/** openbsd-inetd reads service names from /etc/services: give it a private one in a mount namespace. */
async function startOpenbsdInetd(inetd, port) {
  const dir = mkdtempSync(join(SCRATCH, 'bench-inetd-'));
  writeFileSync(join(dir, 'services'), `echo\t\t${port}/tcp\n`);
  writeFileSync(join(dir, 'inetd.conf'), 'echo\tstream\ttcp\tnowait\troot\tinternal\n');
  const script = 'mount --bind "$1/services" /etc/services && exec "$2" -i "$1/inetd.conf"';
  const p = own('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', script, 'sh', dir, inetd]);
  await waitPort(port);
  return { ...p, pid: p.child.pid, dir };
}

// --- load --------------------------------------------------------------------

/** `clients` loadgen processes in parallel; conn/s summed; the clients' CPU share is reported too. */
async function connRate(loadgen, port, clients, sendBytes = 0) {
  const runs = await Promise.all(
    Array.from({ length: clients }, () =>
      new Promise((resolve) => {
        const c = spawn(loadgen, ['conn', String(port), String(SECONDS), String(sendBytes)], { stdio: ['ignore', 'pipe', 'ignore'] });
        let out = '';
        c.stdout.on('data', (d) => (out += d));
        c.on('exit', () => resolve(JSON.parse(out || '{"ok":0,"failed":0,"seconds":1,"cpu":0}')));
      }),
    ),
  );
  const ok = runs.reduce((a, r) => a + r.ok, 0);
  const failed = runs.reduce((a, r) => a + r.failed, 0);
  const seconds = Math.max(...runs.map((r) => r.seconds));
  const clientCpu = runs.reduce((a, r) => a + r.cpu, 0) / seconds;
  return { rate: ok / seconds, failed, clientCpu };
}

async function throughput(loadgen, port, bytes) {
  const out = execFileSync(loadgen, ['thru', String(port), String(bytes)], { encoding: 'utf8', timeout: 300000 });
  const r = JSON.parse(out);
  return r.ok ? r.bytes / r.seconds / 1e6 : NaN;
}

// --- super-server workloads --------------------------------------------------------

async function superServer(tools) {
  if (!['daytime', 'echo', 'cat', 'throughput'].some(wanted)) return;
  if (!have('xinetd')) return unavailable('super-server', 'xinetd', 'not installed');
  const hp = { daytime: await freePort(), echo: await freePort(), cat: await freePort() };
  const xp = { daytime: await freePort(), echo: await freePort(), cat: await freePort() };
  const hearth = await startHearthInetd(hp);
  const xinetd = await startXinetd(xp);
  const cases = [
    ['daytime', 'internal daytime, 1 client', 'daytime', 1, 0],
    ['daytime', 'internal daytime, 2 clients', 'daytime', 2, 0],
    ['echo', 'internal echo, 2 clients', 'echo', 2, 64],
    ['cat', '/bin/cat per connection, 2 clients', 'cat', 2, 64],
  ];
  for (const [key, label, svc, clients, send] of cases) {
    if (!wanted(key)) continue;
    const h = [];
    const x = [];
    let clientCpu = 0;
    for (let r = 0; r < ROUNDS; r++) {
      // Interleaved, and the order alternates between rounds.
      for (const which of r % 2 ? ['x', 'h'] : ['h', 'x']) {
        const res = await connRate(tools.loadgen, which === 'h' ? hp[svc] : xp[svc], clients, send);
        (which === 'h' ? h : x).push(res.rate);
        clientCpu = Math.max(clientCpu, res.clientCpu / clients);
      }
    }
    record(label, 'hearth', 'connections', 'conn/s', h);
    record(label, 'xinetd', 'connections', 'conn/s', x);
    results.push({ workload: label, note: `load client busiest at ${(clientCpu * 100).toFixed(0)}% of one core per client process` });
  }
  await hearth.stop();
  await xinetd.stop();

  if (wanted('throughput')) {
    const bytes = QUICK ? 100e6 : 1e9;
    const label = `echo throughput, one connection, ${bytes / 1e9} GB`;
    if (!tools.inetd) unavailable(label, 'openbsd-inetd', 'could not unpack the package');
    const ep = await freePort();
    const hearth2 = await startHearthInetd({ daytime: await freePort(), echo: ep, cat: await freePort() });
    const ip = await freePort();
    const inetd = tools.inetd ? await startOpenbsdInetd(tools.inetd, ip).catch((e) => (unavailable(label, 'openbsd-inetd', e.message), null)) : null;
    const h = [];
    const o = [];
    for (let r = 0; r < (QUICK ? 1 : 3); r++) {
      h.push(await throughput(tools.loadgen, ep, bytes));
      if (inetd) o.push(await throughput(tools.loadgen, ip, bytes));
    }
    record(label, 'hearth', 'throughput', 'MB/s', h);
    if (inetd) record(label, 'openbsd-inetd', 'throughput', 'MB/s', o);
    await hearth2.stop();
    await inetd?.stop();
  }
}

// --- supervisor subjects -------------------------------------------------------

const MARK = String(424200 + Math.floor(Math.random() * 999)); // sleep argument that tags our processes

function ourSleeps() {
  const pids = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const cmd = readFileSync(`/proc/${e}/cmdline`, 'latin1');
      if (cmd === `sleep\0${MARK}\0` || cmd === `/bin/sleep\0${MARK}\0`) pids.push(Number(e));
    } catch {
      // gone
    }
  }
  return pids;
}

function memory(pid) {
  const rss = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024;
  const pss = Number(/^Pss:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1] ?? NaN) / 1024;
  return { rss, pss };
}

async function waitFor(pred, ms, what) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await pred()) return;
    await sleep(20);
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function startHearth(n) {
  const dir = mkdtempSync(join(SCRATCH, 'bench-hearthd-'));
  mkdirSync(join(dir, 'config', 'services'), { recursive: true });
  // restart_stable_after = 1s: like the peers' 1 s throttles, a service that ran a second is healthy again;
  // no start limit, as runit and PM2 have none, so 20 kills in a row measure restarts, not the crash-loop guard.
  for (let i = 0; i < n; i++) writeFileSync(join(dir, 'config', 'services', `s${i}.toml`), `exec = ["/bin/sleep", "${MARK}"]\nrestart = "always"\nrestart_stable_after = "1s"\nstart_limit_burst = 10000\n`);
  const t0 = performance.now();
  const p = own(join(ROOT, 'bin', 'hearthd'), ['--config-dir', join(dir, 'config'), '--state-dir', join(dir, 's'), '--runtime-dir', join(dir, 'r'), '--log-dir', join(dir, 'l'), '--quiet']);
  await waitFor(() => ourSleeps().length >= n && existsSync(join(dir, 'r', 'hearth.sock')), 120000, `${n} hearth services`);
  const ready = performance.now() - t0;
  return { ...p, pid: p.child.pid, dir, coldStartMs: ready, socket: join(dir, 'r', 'hearth.sock'), cli: ['list'] };
}

async function startSupervisord(n) {
  const dir = mkdtempSync(join(SCRATCH, 'bench-supervisord-'));
  let conf = `[supervisord]\nnodaemon=true\nlogfile=${dir}/supervisord.log\npidfile=${dir}/pid\nchildlogdir=${dir}\n[unix_http_server]\nfile=${dir}/sock\n[rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n[supervisorctl]\nserverurl=unix://${dir}/sock\n`;
  for (let i = 0; i < n; i++) conf += `[program:s${i}]\ncommand=/bin/sleep ${MARK}\nautorestart=true\nstartsecs=0\nstdout_logfile=NONE\nstderr_logfile=NONE\n`;
  writeFileSync(join(dir, 'supervisord.conf'), conf);
  const t0 = performance.now();
  const p = own('supervisord', ['-c', join(dir, 'supervisord.conf')]);
  await waitFor(() => ourSleeps().length >= n, 180000, `${n} supervisord programs`);
  return { ...p, pid: p.child.pid, dir, coldStartMs: performance.now() - t0, conf: join(dir, 'supervisord.conf') };
}

async function startS6(n) {
  const dir = mkdtempSync(join(SCRATCH, 'bench-s6-'));
  for (let i = 0; i < n; i++) {
    mkdirSync(join(dir, `s${i}`));
    writeFileSync(join(dir, `s${i}`, 'run'), `#!/bin/sh\nexec /bin/sleep ${MARK}\n`);
    chmodSync(join(dir, `s${i}`, 'run'), 0o755);
  }
  const t0 = performance.now();
  const p = own('s6-svscan', [dir]);
  await waitFor(() => ourSleeps().length >= n, 120000, `${n} s6 services`);
  return { ...p, pid: p.child.pid, dir, coldStartMs: performance.now() - t0 };
}

async function startRunit(n) {
  const dir = mkdtempSync(join(SCRATCH, 'bench-runit-'));
  for (let i = 0; i < n; i++) {
    mkdirSync(join(dir, `s${i}`));
    writeFileSync(join(dir, `s${i}`, 'run'), `#!/bin/sh\nexec /bin/sleep ${MARK}\n`);
    chmodSync(join(dir, `s${i}`, 'run'), 0o755);
  }
  const t0 = performance.now();
  const p = own('runsvdir', ['-P', dir]);
  await waitFor(() => ourSleeps().length >= n, 120000, `${n} runit services`);
  // runsvdir leaves its runsv children running on TERM; HUP makes it stop them and exit.
  return { ...p, pid: p.child.pid, dir, coldStartMs: performance.now() - t0, stop: () => p.stop('SIGHUP') };
}

async function startPm2(pm2, n) {
  const dir = mkdtempSync(join(SCRATCH, 'bench-pm2-'));
  const env = { ...process.env, PM2_HOME: join(dir, 'home') };
  const apps = Array.from({ length: n }, (_, i) => ({ name: `s${i}`, script: '/bin/sleep', args: MARK, interpreter: 'none', autorestart: true }));
  writeFileSync(join(dir, 'eco.config.js'), `module.exports = ${JSON.stringify({ apps })};\n`);
  const t0 = performance.now();
  execFileSync(pm2, ['start', join(dir, 'eco.config.js')], { env, stdio: 'ignore', timeout: 300000 });
  await waitFor(() => ourSleeps().length >= n, 180000, `${n} pm2 apps`);
  const pid = Number(readFileSync(join(dir, 'home', 'pm2.pid'), 'utf8'));
  const stop = async () => {
    spawnSync(pm2, ['kill'], { env, stdio: 'ignore', timeout: 60000 });
  };
  cleanups.push(stop);
  return { pid, dir, env, stop, coldStartMs: performance.now() - t0 };
}

function children(pid) {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** kill -9 one supervised sleep; time until a new one exists (polling the supervisor's children). */
async function restartLatency(parentOf, samples) {
  const times = [];
  for (let i = 0; i < samples; i++) {
    await waitFor(() => ourSleeps().length > 0, 10000, 'a supervised process to kill');
    const before = new Set(ourSleeps());
    const victim = [...before][0];
    const parent = parentOf(victim);
    const t0 = performance.now();
    killQuietly(victim);
    for (;;) {
      const kids = children(parent);
      if (kids.some((k) => !before.has(k) && k !== victim && isOurSleep(k))) break;
      if (performance.now() - t0 > 10000) break;
    }
    times.push(performance.now() - t0);
    await sleep(1200); // past runit/s6/supervisord's 1 s throttles (and hearth's stable time), so each sample is a first restart
  }
  return times;
}

function isOurSleep(pid) {
  try {
    const cmd = readFileSync(`/proc/${pid}/cmdline`, 'latin1');
    return cmd.endsWith(`${MARK}\0`);
  } catch {
    return false;
  }
}

function ppid(pid) {
  const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(s.slice(s.lastIndexOf(')') + 2).split(' ')[1]);
}

function cpuTicks(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]);
}

function timeCommand(cmd, argv, env) {
  const t0 = performance.now();
  const r = spawnSync(cmd, argv, { env, stdio: 'ignore', timeout: 60000 });
  if (r.status !== 0) throw new Error(`${cmd} ${argv.join(' ')} exited ${r.status}`);
  return performance.now() - t0;
}

// --- supervisor workloads -----------------------------------------------------------

async function supervisorWorkloads(tools) {
  const many = QUICK ? 100 : 1000;
  if (wanted('footprint') || wanted('cli') || wanted('idle')) {
    for (const n of QUICK ? [0, 100] : [0, 100, 1000]) {
      if (!wanted('footprint') && n !== many) continue;
      const h = await startHearth(n);
      await sleep(1000);
      const hm = memory(h.pid);
      record(`footprint, ${n} sleep services`, 'hearth', 'RSS', 'MiB', [hm.rss], 'lower');
      record(`footprint, ${n} sleep services`, 'hearth', 'PSS', 'MiB', [hm.pss], 'lower');
      if (n === many && wanted('idle')) {
        const secs = QUICK ? 5 : 30;
        const a = cpuTicks(h.pid);
        await sleep(secs * 1000);
        record(`idle CPU, ${n} services, ${secs} s`, 'hearth', 'CPU', '% of a core', [((cpuTicks(h.pid) - a) / 100 / secs) * 100], 'lower');
      }
      if (n === many && wanted('cli')) {
        const times = Array.from({ length: ROUNDS }, () => timeCommand(join(ROOT, 'bin', 'hearth'), ['--socket', h.socket, 'list']));
        record(`CLI round trip, ${n} services`, 'hearth', 'time', 'ms', times, 'lower');
      }
      await h.stop();
      if (have('supervisord')) {
        const s = await startSupervisord(n);
        await sleep(1000);
        const sm = memory(s.pid);
        record(`footprint, ${n} sleep services`, 'supervisord', 'RSS', 'MiB', [sm.rss], 'lower');
        record(`footprint, ${n} sleep services`, 'supervisord', 'PSS', 'MiB', [sm.pss], 'lower');
        if (n === many && wanted('cli')) {
          const times = Array.from({ length: ROUNDS }, () => {
            try {
              return timeCommand('supervisorctl', ['-c', s.conf, 'status']);
            } catch {
              return NaN; // supervisorctl status exits 3 when any program is not RUNNING
            }
          }).filter((x) => !Number.isNaN(x));
          if (times.length) record(`CLI round trip, ${n} services`, 'supervisorctl status', 'time', 'ms', times, 'lower');
        }
        await s.stop();
      }
      if (tools.pm2 && n <= 100) {
        const p = await startPm2(tools.pm2, n);
        await sleep(1000);
        const pm = memory(p.pid);
        record(`footprint, ${n} sleep services`, 'PM2', 'RSS', 'MiB', [pm.rss], 'lower');
        record(`footprint, ${n} sleep services`, 'PM2', 'PSS', 'MiB', [pm.pss], 'lower');
        if (n === 100 && wanted('cli')) {
          const times = Array.from({ length: ROUNDS }, () => timeCommand(tools.pm2, ['jlist'], p.env));
          record('CLI round trip, 100 services', 'pm2 jlist', 'time', 'ms', times, 'lower');
        }
        await p.stop();
      } else if (!tools.pm2 && n === 100) {
        unavailable(`footprint, ${n} sleep services`, 'PM2', QUICK ? 'skipped in --quick (npm install)' : 'pm2 could not be installed');
      }
    }
  }

  if (wanted('coldstart')) {
    const label = 'cold start until 100 services run';
    const h = [];
    const s = [];
    for (let r = 0; r < ROUNDS; r++) {
      const a = await startHearth(100);
      h.push(a.coldStartMs);
      await a.stop();
      if (have('s6-svscan')) {
        const b = await startS6(100);
        s.push(b.coldStartMs);
        await b.stop();
        for (const pid of ourSleeps()) killQuietly(pid); // s6-svscan's TERM leaves supervised processes
      }
    }
    record(label, 'hearth', 'time', 'ms', h, 'lower');
    if (s.length) record(label, 's6', 'time', 'ms', s, 'lower');
  }

  if (wanted('restart')) {
    const label = 'restart after kill -9';
    const samples = QUICK ? 5 : 20;
    const subjects = [
      ['hearth', () => startHearth(1), (pid) => ppid(pid)],
      ['runit', () => startRunit(1), (pid) => ppid(pid)],
      ['s6', () => startS6(1), (pid) => ppid(pid)],
      ['supervisord', () => startSupervisord(1), (pid) => ppid(pid)],
    ];
    if (tools.pm2) subjects.push(['PM2', () => startPm2(tools.pm2, 1), (pid) => ppid(pid)]);
    for (const [name, start, parentOf] of subjects) {
      if (name !== 'hearth' && !have(name === 'runit' ? 'runsvdir' : name === 's6' ? 's6-svscan' : name === 'supervisord' ? 'supervisord' : 'node')) continue;
      const sub = await start();
      await sleep(500);
      const times = await restartLatency(parentOf, samples);
      results.push({ workload: label, subject: name, metric: 'p95', unit: 'ms', better: 'lower', values: times, median: percentile(times, 95), spread: 0 });
      record(label, name, 'median', 'ms', times, 'lower');
      await sub.stop();
      for (const pid of ourSleeps()) killQuietly(pid);
    }
  }
}

/** SIGKILL a process that may already be gone (a peer's process can exit between listing and killing). */
function killQuietly(pid) {
  try {
    process.kill(pid, 'SIGKILL');
  } catch (e) {
    if (e.code !== 'ESRCH') throw e;
  }
}

// --- zombies as PID 1 -------------------------------------------------------------------

const ORPHAN_MAKER = "while :; do sh -c 'sleep 0.05 & exit 0'; sleep 0.1; done";

function zombiesUnder(initPid) {
  const rows = spawnSync('ps', ['-e', '-o', 'pid=,ppid=,stat='], { encoding: 'utf8' }).stdout.trim().split('\n').map((l) => l.trim().split(/\s+/));
  const tree = new Set([initPid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [pid, pp] of rows) if (tree.has(Number(pp)) && !tree.has(Number(pid))) (tree.add(Number(pid)), (grew = true));
  }
  return rows.filter(([pid, , stat]) => tree.has(Number(pid)) && stat.startsWith('Z')).length;
}

/** Runs `argv` as PID 1 of a new PID namespace with a service that orphans a child every 100 ms. */
async function zombiesAsPid1(argv, env, seconds) {
  const p = own('unshare', ['--pid', '--fork', '--mount-proc', ...argv], { env });
  await sleep(seconds * 1000);
  const init = Number(spawnSync('pgrep', ['-P', String(p.child.pid)], { encoding: 'utf8' }).stdout.trim().split('\n')[0]);
  const zombies = init ? zombiesUnder(init) : NaN;
  spawnSync('pkill', ['-KILL', '-P', String(p.child.pid)]);
  await p.stop('SIGKILL');
  return zombies;
}

async function zombieWorkload(tools) {
  if (!wanted('zombies')) return;
  if (spawnSync('unshare', ['--pid', '--fork', '--mount-proc', 'true']).status !== 0) return unavailable('zombies as PID 1', 'hearth', 'unshare --pid needs root');
  const secs = QUICK ? 3 : 10;
  const label = `zombies left as PID 1 after ${secs} s of a service orphaning a child every 100 ms`;
  const dir = mkdtempSync(join(SCRATCH, 'bench-zombies-'));
  mkdirSync(join(dir, 'config', 'services'), { recursive: true });
  writeFileSync(join(dir, 'config', 'services', 'orphans.toml'), `exec = ["/bin/sh", "-c", ${JSON.stringify(ORPHAN_MAKER)}]\n`);
  const h = await zombiesAsPid1([join(ROOT, 'bin', 'hearthd'), '--config-dir', join(dir, 'config'), '--state-dir', join(dir, 's'), '--runtime-dir', join(dir, 'r'), '--log-dir', join(dir, 'l'), '--quiet'], process.env, secs);
  record(label, 'hearth', 'zombies', 'processes', [h], 'lower');
  const runtime = tools.pm2 && join(dirnameOf(tools.pm2), 'pm2-runtime');
  if (runtime && existsSync(runtime)) {
    writeFileSync(join(dir, 'eco.config.js'), `module.exports = ${JSON.stringify({ apps: [{ name: 'orphans', script: '/bin/sh', args: ['-c', ORPHAN_MAKER], interpreter: 'none' }] })};\n`);
    const z = await zombiesAsPid1([runtime, join(dir, 'eco.config.js')], { ...process.env, PM2_HOME: join(dir, 'pm2home') }, secs);
    record(label, 'PM2 (pm2-runtime)', 'zombies', 'processes', [z], 'lower');
  } else unavailable(label, 'PM2', 'pm2 not installed (skipped in --quick)');
  rmSync(dir, { recursive: true, force: true });
}

function dirnameOf(p) {
  return p.slice(0, p.lastIndexOf('/'));
}

// --- journal ------------------------------------------------------------------------

/** Filtering a big journal for one service: the issue's target is well under a second for 1 GB. */
async function journalWorkload() {
  if (!wanted('journal')) return;
  const { Journal } = await import(join(ROOT, 'dist', 'journal', 'index.js'));
  const total = QUICK ? 100e6 : 1e9;
  const services = 5;
  const dir = mkdtempSync(join(SCRATCH, 'bench-journal-'));
  // Big files, no rotation: the worst case for a reader.
  const journal = new Journal({ dir, rotation: { maxBytes: 4 * total, keep: 1 } });
  const line = 'GET /index.html 200 0.002s user-agent=bench-client/1.0 '.padEnd(110, 'x');
  const chunk = Buffer.from(`${line}\n`.repeat(2000));
  let written = 0;
  let i = 0;
  log(`writing ${total / 1e6} MB of logs over ${services} services`);
  while (written < total) {
    const w = journal.writer(`svc${i % services}`);
    w.write('out', chunk);
    if (i % 50 === 0) journal.writer('svc2').write('out', Buffer.from(`needle ${i}\n`));
    written += chunk.length;
    i++;
    if (i % 100 === 0) journal.flush();
  }
  journal.flush();
  const label = `journal: filter ${total / 1e9} GB for one service`;
  const grep = [];
  const tail = [];
  for (let r = 0; r < ROUNDS; r++) {
    let t0 = performance.now();
    const hits = await journal.query({ names: ['svc2'], grep: 'needle' });
    grep.push(performance.now() - t0);
    if (hits.length === 0) throw new Error('journal bench: no needle found');
    t0 = performance.now();
    await journal.query({ names: ['svc2'], lines: 20 });
    tail.push(performance.now() - t0);
  }
  record(label, 'hearth', 'grep one service', 'ms', grep, 'lower');
  record(label, 'hearth', 'last 20 lines', 'ms', tail, 'lower');
  journal.close();
  rmSync(dir, { recursive: true, force: true });
}

// --- worker pools: hearth's prefork pool vs PM2 cluster mode ------------------------

function httpLoad(loadgen, port, seconds, conns = 16, mode = 'keep-alive') {
  return new Promise((resolve) => {
    const c = spawn(loadgen, ['http', String(port), String(seconds), String(conns), mode], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    c.stdout.on('data', (d) => (out += d));
    c.on('exit', () => resolve(JSON.parse(out || '{"ok":0,"failed":0,"seconds":1,"cpu":0}')));
  });
}

const HELLO_APP = join(ROOT, 'bench', 'apps', 'hello-http.mjs');

async function startHearthPool(port) {
  const dir = mkdtempSync(join(SCRATCH, 'bench-pool-'));
  mkdirSync(join(dir, 'config', 'services'), { recursive: true });
  writeFileSync(
    join(dir, 'config', 'services', 'hello.toml'),
    `exec = [${JSON.stringify(process.execPath)}, ${JSON.stringify(HELLO_APP)}]\nlisten = ["tcp://127.0.0.1:${port}"]\nworkers = 2\nready = "log:listening"\nstop_timeout = "5s"\n`,
  );
  const p = own(join(ROOT, 'bin', 'hearthd'), ['--config-dir', join(dir, 'config'), '--state-dir', join(dir, 's'), '--runtime-dir', join(dir, 'r'), '--log-dir', join(dir, 'l'), '--quiet']);
  await waitPort(port, 20000);
  const socket = join(dir, 'r', 'hearth.sock');
  const reload = () => new Promise((r) => spawn(join(ROOT, 'bin', 'hearth'), ['--socket', socket, 'reload', 'hello'], { stdio: 'ignore' }).on('exit', r));
  return { ...p, reload };
}

async function startPm2Cluster(pm2, port) {
  const dir = mkdtempSync(join(SCRATCH, 'bench-pm2c-'));
  const env = { ...process.env, PM2_HOME: join(dir, 'home') };
  const app = { name: 'hello', script: HELLO_APP, instances: 2, exec_mode: 'cluster', env: { PORT: String(port) }, kill_timeout: 5000, wait_ready: true, listen_timeout: 10000 };
  writeFileSync(join(dir, 'eco.config.js'), `module.exports = ${JSON.stringify({ apps: [app] })};\n`);
  execFileSync(pm2, ['start', join(dir, 'eco.config.js')], { env, stdio: 'ignore', timeout: 120000 });
  await waitPort(port, 20000);
  const stop = async () => void spawnSync(pm2, ['kill'], { env, stdio: 'ignore', timeout: 60000 });
  cleanups.push(stop);
  const reload = () => new Promise((r) => spawn(pm2, ['reload', 'hello'], { env, stdio: 'ignore' }).on('exit', r));
  return { stop, reload };
}

/** Failed requests while two reloads run through steady keep-alive load. */
async function failuresAcrossReloads(loadgen, port, reload) {
  const load = httpLoad(loadgen, port, 6);
  await sleep(1000);
  await reload();
  await sleep(1500);
  await reload();
  return load;
}

async function poolWorkload(tools) {
  if (!wanted('pool')) return;
  if (!tools.pm2) return unavailable('pool', 'pm2', 'not installed (run without --quick once)');
  const hp = await freePort();
  const pp = await freePort();
  const hearth = await startHearthPool(hp);
  const pm2 = await startPm2Cluster(tools.pm2, pp);
  // Keep-alive: after the connections are made both are just two Node processes serving.
  // A connection per request: PM2's master accepts each one and hands it to a worker
  // over IPC, where hearth's workers accept straight from the shared socket.
  for (const mode of ['keep-alive', 'close']) {
    const rate = { hearth: [], pm2: [] };
    for (let r = 0; r < ROUNDS; r++) {
      for (const [subject, port] of [['hearth', hp], ['pm2', pp]]) {
        const run = await httpLoad(tools.loadgen, port, SECONDS, 16, mode);
        rate[subject].push(run.ok / run.seconds);
      }
    }
    const metric = `HTTP hello, 2 workers, ${mode === 'close' ? 'a connection per request' : 'keep-alive'}`;
    record('pool', 'hearth', metric, 'req/s', rate.hearth);
    record('pool', 'pm2', metric, 'req/s', rate.pm2);
  }
  const hFail = await failuresAcrossReloads(tools.loadgen, hp, hearth.reload);
  const pFail = await failuresAcrossReloads(tools.loadgen, pp, pm2.reload);
  results.push({
    workload: 'pool',
    note: `failed requests during 2 reloads under 16-connection keep-alive load: hearth ${hFail.failed} of ${hFail.ok + hFail.failed}, PM2 cluster ${pFail.failed} of ${pFail.ok + pFail.failed}`,
  });
  await hearth.stop();
  await pm2.stop();
}

// --- report ------------------------------------------------------------------------

/** With --only, the other workloads keep their last measured results. */
function withEarlierResults() {
  const file = join(ROOT, 'bench', 'results', 'latest.json');
  if (ONLY.length === 0 || !existsSync(file)) return;
  const fresh = new Set(results.map((r) => r.workload));
  const earlier = JSON.parse(readFileSync(file, 'utf8')).results ?? [];
  results.unshift(...earlier.filter((r) => !fresh.has(r.workload)));
}

function report(info) {
  withEarlierResults();
  const rows = [];
  const byWorkload = new Map();
  for (const r of results) {
    if (!r.workload) continue;
    if (!byWorkload.has(r.workload)) byWorkload.set(r.workload, []);
    byWorkload.get(r.workload).push(r);
  }
  for (const [workload, rs] of byWorkload) {
    for (const r of rs.filter((x) => x.subject && x.subject !== 'hearth' && !x.unavailable)) {
      const h = rs.find((x) => x.subject === 'hearth' && x.metric === r.metric);
      const ratio = h ? h.median / r.median : NaN;
      rows.push({ workload, metric: r.metric, unit: r.unit, hearth: h?.median, peer: r.subject, peerValue: r.median, ratio, spread: Math.max(h?.spread ?? 0, r.spread) });
    }
    for (const r of rs.filter((x) => x.subject === 'hearth' && !rs.some((y) => y.subject !== 'hearth' && y.metric === x.metric && !y.unavailable))) {
      rows.push({ workload, metric: r.metric, unit: r.unit, hearth: r.median, peer: '-', peerValue: NaN, ratio: NaN, spread: r.spread });
    }
    for (const r of rs.filter((x) => x.unavailable)) rows.push({ workload, metric: '', unit: '', hearth: NaN, peer: `${r.subject}: not available (${r.unavailable})`, peerValue: NaN, ratio: NaN, spread: 0 });
  }
  const fmt = (x) => (Number.isFinite(x) ? (Math.abs(x) >= 100 ? x.toFixed(0) : x.toFixed(2)) : '-');
  const lines = ['| workload | metric | hearth | peer | peer value | hearth ÷ peer | spread |', '| --- | --- | --- | --- | --- | --- | --- |'];
  for (const r of rows) lines.push(`| ${r.workload} | ${r.metric} ${r.unit ? `(${r.unit})` : ''} | ${fmt(r.hearth)} | ${r.peer} | ${fmt(r.peerValue)} | ${fmt(r.ratio)} | ${(r.spread * 100).toFixed(0)}% |`);
  const notes = results.filter((r) => r.note).map((r) => `- ${r.workload}: ${r.note}`);
  const table = lines.join('\n');
  process.stdout.write(`\n${table}\n\n${notes.join('\n')}\n`);
  mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench', 'results', 'latest.json'), `${JSON.stringify({ machine: info, quick: QUICK, rounds: ROUNDS, results, rows }, null, 2)}\n`);
  const doc = join(ROOT, 'docs', 'performance.md');
  const generated = `<!-- generated by npm run bench -->\nMachine: ${info.cores} cores (${info.cpu}), Linux ${info.kernel}, Node ${info.node}; ${info.date}${QUICK ? ' (--quick run)' : ''}; median of ${ROUNDS} interleaved rounds where rounds apply.\n\n${table}\n\n${notes.join('\n')}\n<!-- end generated -->`;
  const old = existsSync(doc) ? readFileSync(doc, 'utf8') : '';
  const updated = old.includes('<!-- generated by npm run bench -->')
    ? old.replace(/<!-- generated by npm run bench -->[\s\S]*<!-- end generated -->/, generated)
    : `${old}\n${generated}\n`;
  writeFileSync(doc, updated);
}

async function main() {
  const info = machine();
  const tools = ensurePeers();
  if (!existsSync(join(ROOT, 'dist', 'main', 'hearthd.js'))) spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
  try {
    await superServer(tools);
    await supervisorWorkloads(tools);
    await journalWorkload();
    await zombieWorkload(tools);
    await poolWorkload(tools);
  } finally {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  }
  report(info);
}

main().catch(async (e) => {
  log(`failed: ${e.stack ?? e}`);
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
  process.exit(1);
});
