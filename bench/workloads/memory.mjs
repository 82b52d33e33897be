// Memory: hearthd's RSS and PSS with 0, 100 and 1,000 sleep services against
// supervisord and PM2's daemon, the cost of each added service, and where hearthd's
// memory goes. hearthd and PM2 each run on a private copy of the node binary, so no
// other Node process (the bench, other work on the machine) shares pages with them
// and flatters their PSS.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { QUICK, ROOT, have, scratchDir, signalQuietly, sleep, wanted, waitFor } from '../lib/env.mjs';
import { privateNodeDir, startHearth, startPm2, startSupervisord } from '../lib/peers.mjs';
import { memory, sharersOf } from '../lib/procfs.mjs';
import { note, record, unavailable } from '../lib/stats.mjs';

const PROBE = join(ROOT, 'bench', 'apps', 'memory-probe.mjs');
const SETTLE_MS = 2000;

function footprint(n, subject, pid) {
  const m = memory(pid);
  const sharers = sharersOf(pid).length;
  const label = `footprint, ${n} sleep services`;
  record(label, subject, 'RSS', 'MiB', [m.rss], 'lower');
  record(label, subject, 'PSS', 'MiB', [m.pss], 'lower', { sharedExecutableWith: sharers });
  return m;
}

/** Where hearthd's memory is at `n` services, from the probe loaded with --import. */
async function probe(n) {
  const nodeDir = privateNodeDir();
  const outFile = join(scratchDir('probe'), `at-${n}.json`);
  const env = { ...process.env, NODE_OPTIONS: `--expose-gc --import=${PROBE}`, HEARTH_BENCH_PROBE: outFile };
  const h = await startHearth(n, { nodeDir, env });
  try {
    await sleep(SETTLE_MS);
    signalQuietly(h.pid, 'SIGUSR2');
    await waitFor(() => existsSync(outFile), 10000, 'the memory probe');
    const data = JSON.parse(readFileSync(outFile, 'utf8'));
    const m = memory(h.pid);
    return { ...data, rss: m.rss };
  } finally {
    await h.stop();
  }
}

const MiB = (b) => b / 2 ** 20;

export async function memoryWorkload(tools) {
  if (!wanted('footprint')) return;
  const sizes = [0, 100, 1000];
  const rss = { hearth: {}, supervisord: {}, PM2: {} };
  for (const n of sizes) {
    const h = await startHearth(n, { nodeDir: privateNodeDir() });
    await sleep(SETTLE_MS);
    rss.hearth[n] = footprint(n, 'hearth', h.pid).rss;
    await h.stop();
    if (have('supervisord')) {
      const s = await startSupervisord(n);
      await sleep(SETTLE_MS);
      rss.supervisord[n] = footprint(n, 'supervisord', s.pid).rss;
      await s.stop();
    }
    if (tools.pm2 && (n <= 100 || !QUICK)) {
      const p = await startPm2(tools.pm2, n, { nodeDir: privateNodeDir() });
      await sleep(SETTLE_MS);
      rss.PM2[n] = footprint(n, 'PM2', p.pid).rss;
      await p.stop();
    } else if (!tools.pm2) unavailable(`footprint, ${n} sleep services`, 'PM2', 'pm2 could not be installed');
  }
  const label = 'memory per added service (100 → 1,000 services)';
  for (const [subject, by] of Object.entries(rss)) {
    if (by[100] !== undefined && by[1000] !== undefined) record(label, subject, 'RSS per service', 'KiB', [((by[1000] - by[100]) * 1024) / 900], 'lower');
  }

  const probed = {};
  for (const n of [100, 1000]) {
    const p = await probe(n).catch((e) => (note('where hearthd memory goes', `probe at ${n} services failed: ${e.message}`), null));
    if (!p) continue;
    probed[n] = p;
    const label = `where hearthd's memory goes, ${n} services`;
    record(label, 'hearth', 'V8 heap used (after gc)', 'MiB', [MiB(p.memory.heapUsed)], 'lower');
    record(label, 'hearth', 'V8 heap reserved', 'MiB', [MiB(p.memory.heapTotal)], 'lower');
    record(label, 'hearth', 'code space', 'MiB', [MiB(p.spaces.code_space ?? NaN)], 'lower');
    record(label, 'hearth', 'external + array buffers', 'MiB', [MiB(p.memory.external + p.memory.arrayBuffers)], 'lower');
    record(label, 'hearth', 'RSS outside the V8 heap', 'MiB', [p.rss - MiB(p.memory.heapTotal)], 'lower');
    const handles = Object.entries(p.handles).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(', ');
    note(label, `libuv handles and requests: ${handles}`);
  }
  if (probed[100] && probed[1000]) {
    const per = (f) => ((f(probed[1000]) - f(probed[100])) * 1024) / 900;
    record(label, 'hearth', 'V8 heap per service', 'KiB', [per((p) => MiB(p.memory.heapUsed))], 'lower');
    record(label, 'hearth', 'RSS outside the V8 heap per service', 'KiB', [per((p) => p.rss - MiB(p.memory.heapTotal))], 'lower');
  }
}
