// A prefork pool against PM2's cluster mode, with a new connection per request: there
// hearth's workers accept straight from the socket hearthd binds, while PM2's master
// accepts each connection and passes it to a worker over IPC. (Keep-alive is not
// compared: once connected, both are the same two Node workers serving.)
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HEARTH, HEARTHD, ROOT, ROUNDS, SECONDS, freePort, own, scratchDir, sleep, waitPort, wanted } from '../lib/env.mjs';
import { httpLoad } from '../lib/load.mjs';
import { startPm2Apps } from '../lib/peers.mjs';
import { note, record, unavailable } from '../lib/stats.mjs';

const HELLO_APP = join(ROOT, 'bench', 'apps', 'hello-http.mjs');

function run(cmd, argv, env) {
  return new Promise((r) => spawn(cmd, argv, { env, stdio: 'ignore' }).on('exit', r).on('error', r));
}

async function startHearthPool(port) {
  const dir = scratchDir('pool');
  mkdirSync(join(dir, 'config', 'services'), { recursive: true });
  writeFileSync(
    join(dir, 'config', 'services', 'hello.toml'),
    `exec = [${JSON.stringify(process.execPath)}, ${JSON.stringify(HELLO_APP)}]\nlisten = ["tcp://127.0.0.1:${port}"]\nworkers = 2\nready = "log:listening"\nstop_timeout = "5s"\n`,
  );
  const p = own(HEARTHD, ['--config-dir', join(dir, 'config'), '--state-dir', join(dir, 's'), '--runtime-dir', join(dir, 'r'), '--log-dir', join(dir, 'l'), '--quiet']);
  await waitPort(port, 20000);
  return { ...p, reload: () => run(HEARTH, ['--socket', join(dir, 'r', 'hearth.sock'), 'reload', 'hello']) };
}

async function startPm2Cluster(pm2, port) {
  const app = { name: 'hello', script: HELLO_APP, instances: 2, exec_mode: 'cluster', env: { PORT: String(port) }, kill_timeout: 5000, wait_ready: true, listen_timeout: 10000 };
  const p = await startPm2Apps(pm2, [app], { ready: () => waitPort(port, 20000) });
  return { ...p, reload: () => run(pm2, ['reload', 'hello'], p.env) };
}

/** Failed requests while two reloads run through steady load, a connection per request. */
async function failuresAcrossReloads(loadgen, port, reload) {
  const load = httpLoad(loadgen, port, 6, 16, 'close');
  await sleep(1000);
  await reload();
  await sleep(1500);
  await reload();
  return load;
}

export async function poolWorkload(tools) {
  if (!wanted('pool')) return;
  if (!tools.pm2) return unavailable('pool', 'PM2', 'pm2 could not be installed');
  const hp = await freePort();
  const pp = await freePort();
  const hearth = await startHearthPool(hp);
  const pm2 = await startPm2Cluster(tools.pm2, pp);
  try {
    const rate = { hearth: [], PM2: [] };
    const cpu = { hearth: 0, PM2: 0 };
    for (let r = 0; r < ROUNDS; r++) {
      for (const [subject, port] of r % 2 ? [['PM2', pp], ['hearth', hp]] : [['hearth', hp], ['PM2', pp]]) {
        const res = await httpLoad(tools.loadgen, port, SECONDS, 16, 'close');
        rate[subject].push(res.ok / res.seconds);
        cpu[subject] = Math.max(cpu[subject], res.clientCpu);
      }
    }
    const label = 'HTTP hello, 2-worker pool, a connection per request';
    for (const subject of ['hearth', 'PM2']) record(label, subject, 'requests', 'req/s', rate[subject], 'higher', { clientCpu: cpu[subject] });
    const h = await failuresAcrossReloads(tools.loadgen, hp, hearth.reload);
    const p = await failuresAcrossReloads(tools.loadgen, pp, pm2.reload);
    note(label, `failed requests during 2 reloads under 16 connections of connection-per-request load: hearth ${h.failed} of ${h.ok + h.failed}, PM2 cluster ${p.failed} of ${p.ok + p.failed}`);
  } finally {
    await hearth.stop();
    await pm2.stop();
  }
}
