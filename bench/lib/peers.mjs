// The subjects: hearthd and each real peer, started with a private config in a temp
// dir, and stopped exactly (nothing else on the machine is touched). The settings each
// peer gets are listed in docs/performance.md ("How each peer is set up"); change both.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CACHE, HEARTHD, QUICK, ROOT, SCRATCH, have, killQuietly, log, onCleanup, own, scratchDir, sleep, waitFor, waitPort } from './env.mjs';
import { MARK, ourSleeps, processesIn } from './procfs.mjs';

/**
 * Installs what is missing. PM2 goes into bench/.cache at bench time, not into
 * package.json: it is a peer we measure, not something hearth uses, and as a
 * devDependency it would put ~135 packages into every contributor's and CI's install
 * and into the lockfile for a benchmark most runs never start.
 */
export function ensurePeers() {
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
  if (!existsSync(pm2)) {
    log('installing pm2 into bench/.cache/pm2');
    spawnSync('npm', ['install', '--prefix', join(CACHE, 'pm2'), 'pm2@6', '--no-audit', '--no-fund'], { stdio: 'ignore' });
  }
  const compiled = {};
  for (const tool of ['loadgen', 'logwriter']) {
    compiled[tool] = join(CACHE, tool);
    spawnSync('cc', ['-O2', '-o', compiled[tool], join(ROOT, 'bench', 'client', `${tool}.c`)], { stdio: 'inherit' });
  }
  return { xinetd: have('xinetd'), inetd: existsSync(inetd) ? inetd : null, pm2: existsSync(pm2) ? pm2 : null, ...compiled };
}

/**
 * A directory holding a private copy of the node binary, first on PATH for one subject:
 * no other process maps that file, so its pages count whole in the subject's PSS
 * (other Node processes on the machine, the bench itself included, share nothing with it).
 */
export function privateNodeDir() {
  const dir = mkdtempSync(join(SCRATCH, 'bench-node-'));
  copyFileSync(process.execPath, join(dir, 'node'));
  chmodSync(join(dir, 'node'), 0o755);
  onCleanup(async () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function withNode(env, nodeDir) {
  return nodeDir ? { ...env, PATH: `${nodeDir}:${env.PATH}` } : env;
}

// --- super-servers ----------------------------------------------------------------

function xinetdServices(ports) {
  const block = (name, type, port, extra = '') =>
    `service ${name}\n{\n\ttype = ${type}\n\tid = ${name}-bench\n\tsocket_type = stream\n\tprotocol = tcp\n\tport = ${port}\n\twait = no\n\tuser = root\n\tdisable = no\n\tinstances = UNLIMITED\n\tcps = 100000 1\n\tflags = IPv4\n${extra}}\n`;
  return (
    block('daytime', 'INTERNAL UNLISTED', ports.daytime) +
    block('echo', 'INTERNAL UNLISTED', ports.echo) +
    block('catsrv', 'UNLISTED', ports.cat, '\tserver = /bin/cat\n')
  );
}

function hearthdArgs(dir) {
  return ['--config-dir', join(dir, 'config'), '--state-dir', join(dir, 's'), '--runtime-dir', join(dir, 'r'), '--log-dir', join(dir, 'l'), '--quiet'];
}

/** hearthd reading the very xinetd.d file xinetd gets. */
export async function startHearthInetd(ports) {
  const dir = scratchDir('hearth');
  mkdirSync(join(dir, 'config', 'xinetd.d'), { recursive: true });
  writeFileSync(join(dir, 'config', 'xinetd.d', 'bench'), xinetdServices(ports));
  const p = own(HEARTHD, hearthdArgs(dir));
  await waitPort(ports.cat);
  return { ...p, dir };
}

export async function startXinetd(ports) {
  const dir = scratchDir('xinetd');
  writeFileSync(join(dir, 'xinetd.conf'), `defaults\n{\n\tinstances = UNLIMITED\n}\n${xinetdServices(ports)}`);
  const p = own('xinetd', ['-dontfork', '-f', join(dir, 'xinetd.conf'), '-pidfile', join(dir, 'pid')]);
  await waitPort(ports.cat);
  return { ...p, dir };
}

/** openbsd-inetd reads service names from /etc/services: give it a private one in a mount namespace. */
export async function startOpenbsdInetd(inetd, port) {
  const dir = scratchDir('inetd');
  writeFileSync(join(dir, 'services'), `echo\t\t${port}/tcp\n`);
  writeFileSync(join(dir, 'inetd.conf'), 'echo\tstream\ttcp\tnowait\troot\tinternal\n');
  const script = 'mount --bind "$1/services" /etc/services && exec "$2" -i "$1/inetd.conf"';
  const p = own('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', script, 'sh', dir, inetd]);
  await waitPort(port);
  return { ...p, dir };
}

// --- supervisors --------------------------------------------------------------------

/**
 * Waits until `n` tagged sleeps exist (clearLeftovers() ran before the subject started:
 * counting only new pids would miss pids the kernel reused); a big fleet is polled less often so the poll does not compete. A subject that
 * has started some and then none more for STALL_MS has given up (out of descriptors, say):
 * that is an error naming how far it got. Before its first one only the budget applies
 * (supervisord reads a big config for a long while before it starts anything).
 */
async function waitSleeps(n, what, budgetMs = 600000) {
  let best = 0;
  let progressAt = Date.now();
  const every = n > 2000 ? 250 : 20;
  for (const end = Date.now() + budgetMs; Date.now() < end; await sleep(every)) {
    const now = ourSleeps().length;
    if (now >= n) return;
    if (now > best) (best = now), (progressAt = Date.now());
    if (best > 0 && Date.now() - progressAt > STALL_MS) throw new Error(`only ${best} of ${n} ${what} started (none more for ${STALL_MS / 1000} s)`);
  }
  throw new Error(`only ${best} of ${n} ${what} started in ${budgetMs / 1000} s`);
}

const STALL_MS = 30000;

/**
 * Waits until a subject is up. One that is not (it gave up, or the budget ran out) is
 * stopped at once, with whatever it started: left running until the run's cleanup, a
 * supervisord that had started 6,663 of 10,000 programs kept restarting the sleeps the
 * next subjects' clearLeftovers() killed, under their measurements.
 */
async function upOrStopped(wait, stop) {
  try {
    await wait();
  } catch (e) {
    await stop();
    clearLeftovers();
    throw e;
  }
}

/** Kills tagged sleeps an earlier subject left behind, so a new subject's count starts at zero. */
function clearLeftovers() {
  for (const pid of ourSleeps()) killQuietly(pid);
}

/**
 * A prefix that runs a subject with a raised descriptor limit, the same for every subject
 * of a workload; none where the limit cannot be raised (no CAP_SYS_RESOURCE: the
 * machine's hard limit then applies to everyone, and the report says what it is).
 */
export function withNofile(limit) {
  const prefix = ['prlimit', `--nofile=${limit}:${limit}`];
  return spawnSync(prefix[0], [...prefix.slice(1), 'true']).status === 0 ? prefix : [];
}

function ownWith(prefix = [], cmd, argv, opts) {
  return prefix.length ? own(prefix[0], [...prefix.slice(1), cmd, ...argv], opts) : own(cmd, argv, opts);
}

/** A supervised sleep per service (the cheapest possible service: what is measured is the supervisor). */
const SLEEP_SERVICE = `exec = ["/bin/sleep", "${MARK}"]\nrestart = "always"\nrestart_stable_after = "1s"\nstart_limit_burst = 10000\n`;

/**
 * hearthd with `n` services. restart_stable_after = 1s: like the peers' 1 s throttles, a
 * service that ran a second is healthy again; no start limit, as runit and PM2 have none,
 * so kills in a row measure restarts, not the crash-loop guard. `services(i)` gives other
 * service files; `waitFor` other readiness.
 */
export async function startHearth(n, { services, ready, settings = '', env = process.env, nodeDir, prefix, budgetMs } = {}) {
  clearLeftovers();
  const dir = scratchDir('hearthd');
  mkdirSync(join(dir, 'config', 'services'), { recursive: true });
  if (settings) writeFileSync(join(dir, 'config', 'hearth.toml'), settings);
  for (let i = 0; i < n; i++) writeFileSync(join(dir, 'config', 'services', `s${i}.toml`), services ? services(i) : SLEEP_SERVICE);
  const t0 = performance.now();
  const p = ownWith(prefix, HEARTHD, hearthdArgs(dir), { env: withNode(env, nodeDir) });
  const socket = join(dir, 'r', 'hearth.sock');
  await upOrStopped(async () => {
    if (ready) await ready(dir);
    else await waitSleeps(n, 'hearth services', budgetMs);
    await waitFor(() => existsSync(socket), 60000, 'the control socket');
  }, p.stop);
  return { ...p, dir, socket, logDir: join(dir, 'l'), coldStartMs: performance.now() - t0 };
}

const HARD_NOFILE = Number(spawnSync('sh', ['-c', 'ulimit -Hn'], { encoding: 'utf8' }).stdout.trim()) || 1024;

/** supervisord with `n` programs (minfds raised for a big fleet, up to the hard limit); output discarded unless `program(i)` says otherwise. */
export async function startSupervisord(n, { program, ready, prefix, budgetMs } = {}) {
  clearLeftovers();
  const dir = scratchDir('supervisord');
  let conf = `[supervisord]\nnodaemon=true\nlogfile=${dir}/supervisord.log\npidfile=${dir}/pid\nchildlogdir=${dir}\nminfds=${Math.min(prefix?.length ? 65536 : HARD_NOFILE, Math.max(1024, n * 4 + 64))}\n[unix_http_server]\nfile=${dir}/sock\n[rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n[supervisorctl]\nserverurl=unix://${dir}/sock\n`;
  for (let i = 0; i < n; i++) conf += program ? program(i, dir) : `[program:s${i}]\ncommand=/bin/sleep ${MARK}\nautorestart=true\nstartsecs=0\nstdout_logfile=NONE\nstderr_logfile=NONE\n`;
  writeFileSync(join(dir, 'supervisord.conf'), conf);
  const t0 = performance.now();
  const p = ownWith(prefix, 'supervisord', ['-c', join(dir, 'supervisord.conf')]);
  await upOrStopped(() => (ready ? ready(dir) : waitSleeps(n, 'supervisord programs', budgetMs)), p.stop);
  return { ...p, dir, coldStartMs: performance.now() - t0, conf: join(dir, 'supervisord.conf') };
}

function serviceDirs(kind, n) {
  const dir = scratchDir(kind);
  for (let i = 0; i < n; i++) {
    mkdirSync(join(dir, `s${i}`));
    writeFileSync(join(dir, `s${i}`, 'run'), `#!/bin/sh\nexec /bin/sleep ${MARK}\n`);
    chmodSync(join(dir, `s${i}`, 'run'), 0o755);
  }
  return dir;
}

export async function startS6(n, { prefix, budgetMs } = {}) {
  clearLeftovers();
  const dir = serviceDirs('s6', n);
  const t0 = performance.now();
  // s6-svscan holds 500 services by default; -c raises that capacity for a bigger fleet.
  const p = ownWith(prefix, 's6-svscan', n > 400 ? ['-c', String(n + 16), dir] : [dir]);
  // A big fleet's teardown can outlast the stop's grace: an s6-supervise left behind restarts its
  // service after the bench killed it, and thousands of orphaned sleeps burdened the next workload.
  const stop = async () => {
    await p.stop();
    for (const pid of processesIn(dir)) killQuietly(pid);
    clearLeftovers();
  };
  await upOrStopped(() => waitSleeps(n, 's6 services', budgetMs), stop);
  return { ...p, dir, stop, coldStartMs: performance.now() - t0 };
}

export async function startRunit(n) {
  clearLeftovers();
  const dir = serviceDirs('runit', n);
  const t0 = performance.now();
  const p = own('runsvdir', ['-P', dir]);
  // runsvdir leaves its runsv children running on TERM; HUP makes it stop them and exit.
  const stop = () => p.stop('SIGHUP');
  await upOrStopped(() => waitSleeps(n, 'runit services'), stop);
  return { ...p, dir, coldStartMs: performance.now() - t0, stop };
}

/** PM2 with `apps` (ecosystem entries); its daemon's pid from PM2_HOME/pm2.pid. */
export async function startPm2Apps(pm2, apps, { ready, nodeDir } = {}) {
  const dir = scratchDir('pm2');
  const env = withNode({ ...process.env, PM2_HOME: join(dir, 'home') }, nodeDir);
  writeFileSync(join(dir, 'eco.config.js'), `module.exports = ${JSON.stringify({ apps })};\n`);
  const stop = onCleanup(async () => void spawnSync(pm2, ['kill'], { env, stdio: 'ignore', timeout: 60000 }));
  const t0 = performance.now();
  execFileSync(pm2, ['start', join(dir, 'eco.config.js')], { env, stdio: 'ignore', timeout: 300000 });
  if (ready) await upOrStopped(() => ready(dir), stop);
  const pid = Number(readFileSync(join(dir, 'home', 'pm2.pid'), 'utf8'));
  return { pid, dir, env, stop, coldStartMs: performance.now() - t0 };
}

export async function startPm2(pm2, n, opts = {}) {
  clearLeftovers();
  const apps = Array.from({ length: n }, (_, i) => ({ name: `s${i}`, script: '/bin/sleep', args: MARK, interpreter: 'none', autorestart: true }));
  return startPm2Apps(pm2, apps, { ...opts, ready: () => waitSleeps(n, 'pm2 apps') });
}

export { QUICK };
