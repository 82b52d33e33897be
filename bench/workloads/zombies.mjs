// hearthd as PID 1 of a PID namespace: are orphans reaped? Against pm2-runtime.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { HEARTHD, QUICK, SCRATCH, killQuietly, own, sleep, wanted } from '../lib/env.mjs';
import { descendants } from '../lib/procfs.mjs';
import { record, unavailable } from '../lib/stats.mjs';

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
  const init = Number(spawnSync('pgrep', ['-P', String(p.pid)], { encoding: 'utf8' }).stdout.trim().split('\n')[0]);
  const zombies = init ? zombiesUnder(init) : NaN;
  // Everything under unshare, by pid (each may be gone already), then unshare itself.
  for (const pid of descendants(p.pid).reverse()) killQuietly(pid);
  await p.stop('SIGKILL');
  return zombies;
}

export async function zombieWorkload(tools) {
  if (!wanted('zombies')) return;
  if (spawnSync('unshare', ['--pid', '--fork', '--mount-proc', 'true']).status !== 0) return unavailable('zombies as PID 1', 'hearth', 'unshare --pid needs root');
  const secs = QUICK ? 3 : 10;
  const label = `zombies left as PID 1 after ${secs} s of a service orphaning a child every 100 ms`;
  const dir = mkdtempSync(join(SCRATCH, 'bench-zombies-'));
  try {
    mkdirSync(join(dir, 'config', 'services'), { recursive: true });
    writeFileSync(join(dir, 'config', 'services', 'orphans.toml'), `exec = ["/bin/sh", "-c", ${JSON.stringify(ORPHAN_MAKER)}]\n`);
    const args = ['--config-dir', join(dir, 'config'), '--state-dir', join(dir, 's'), '--runtime-dir', join(dir, 'r'), '--log-dir', join(dir, 'l'), '--quiet'];
    record(label, 'hearth', 'zombies', 'processes', [await zombiesAsPid1([HEARTHD, ...args], process.env, secs)], 'lower');
    const runtime = tools.pm2 && join(dirname(tools.pm2), 'pm2-runtime');
    if (runtime && existsSync(runtime)) {
      writeFileSync(join(dir, 'eco.config.js'), `module.exports = ${JSON.stringify({ apps: [{ name: 'orphans', script: '/bin/sh', args: ['-c', ORPHAN_MAKER], interpreter: 'none' }] })};\n`);
      const z = await zombiesAsPid1([runtime, join(dir, 'eco.config.js')], { ...process.env, PM2_HOME: join(dir, 'pm2home') }, secs);
      record(label, 'PM2 (pm2-runtime)', 'zombies', 'processes', [z], 'lower');
    } else unavailable(label, 'PM2', 'pm2 not installed');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
