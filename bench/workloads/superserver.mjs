// hearthd's super-server against xinetd (connections per second, the same xinetd.d
// file for both) and against openbsd-inetd (echo throughput on one connection).
import { QUICK, ROUNDS, freePort, wanted } from '../lib/env.mjs';
import { connRate, loneReplyMs, throughput } from '../lib/load.mjs';
import { cpuTicksWithReaped } from '../lib/procfs.mjs';
import { startHearthInetd, startOpenbsdInetd, startXinetd } from '../lib/peers.mjs';
import { record, unavailable } from '../lib/stats.mjs';

/**
 * Cases whose every connection is served by the subject's own process (or, for xinetd's
 * echo, by children it forks and reaps): its CPU per connection is measured beside the rate.
 * With a local client on a 2-core machine, the client's own kernel work (TCP connect and
 * close) costs more than either server, so the rate alone hides how cheap the server is.
 */
const SERVER_CPU = new Set(['daytime', 'echo']);

const CASES = [
  ['daytime', 'internal daytime, 1 client', 'daytime', 1, 0],
  ['daytime', 'internal daytime, 2 clients', 'daytime', 2, 0],
  ['echo', 'internal echo, 1 client', 'echo', 1, 64],
  ['echo', 'internal echo, 2 clients', 'echo', 2, 64],
  ['cat', '/bin/cat per connection, 2 clients', 'cat', 2, 64],
];

async function connectionRates(tools) {
  const ports = async () => ({ daytime: await freePort(), echo: await freePort(), cat: await freePort() });
  const hp = await ports();
  const xp = await ports();
  const hearth = await startHearthInetd(hp);
  const xinetd = await startXinetd(xp);
  try {
    for (const [key, label, svc, clients, send] of CASES) {
      if (!wanted(key)) continue;
      const rates = { h: [], x: [] };
      const cpu = { h: 0, x: 0 };
      const serverCpu = { h: [], x: [] };
      for (let r = 0; r < ROUNDS; r++) {
        // Interleaved, and the order alternates between rounds: values[i] of both rows come from round i.
        for (const which of r % 2 ? ['x', 'h'] : ['h', 'x']) {
          const pid = which === 'h' ? hearth.pid : xinetd.pid;
          const before = cpuTicksWithReaped(pid);
          const res = await connRate(tools.loadgen, which === 'h' ? hp[svc] : xp[svc], clients, send);
          // Ticks are 10 ms of CPU: µs per connection.
          if (res.connections > 0) serverCpu[which].push(((cpuTicksWithReaped(pid) - before) * 10_000) / res.connections);
          rates[which].push(res.rate);
          cpu[which] = Math.max(cpu[which], res.clientCpu);
        }
      }
      record(label, 'hearth', 'connections', 'conn/s', rates.h, 'higher', { clientCpu: cpu.h });
      record(label, 'xinetd', 'connections', 'conn/s', rates.x, 'higher', { clientCpu: cpu.x });
      if (SERVER_CPU.has(key) && serverCpu.h.length > 0 && serverCpu.x.length > 0) {
        record(label, 'hearth', 'server CPU per connection', 'µs', serverCpu.h, 'lower');
        record(label, 'xinetd', 'server CPU per connection', 'µs', serverCpu.x, 'lower');
      }
    }
    if (wanted('cat')) await loneConnections(hp.cat, xp.cat);
  } finally {
    await hearth.stop();
    await xinetd.stop();
  }
}

/**
 * A lightly used per-connection service: what a client waits for is the server's start.
 * Each round, LONE_COUNT connections LONE_GAP_MS apart per subject, interleaved.
 */
const LONE_COUNT = QUICK ? 5 : 20;
const LONE_GAP_MS = 100;

async function loneConnections(hearthPort, xinetdPort) {
  const label = '/bin/cat per connection, one at a time';
  const ms = { h: [], x: [] };
  for (let r = 0; r < ROUNDS; r++) {
    for (const which of r % 2 ? ['x', 'h'] : ['h', 'x']) ms[which].push(await loneReplyMs(which === 'h' ? hearthPort : xinetdPort, LONE_COUNT, LONE_GAP_MS));
  }
  record(label, 'hearth', 'time to the reply', 'ms', ms.h, 'lower');
  record(label, 'xinetd', 'time to the reply', 'ms', ms.x, 'lower');
}

async function echoThroughput(tools) {
  const bytes = QUICK ? 100e6 : 1e9;
  const label = `echo throughput, one connection, ${bytes / 1e9} GB`;
  const ep = await freePort();
  const hearth = await startHearthInetd({ daytime: await freePort(), echo: ep, cat: await freePort() });
  const ip = await freePort();
  let inetd = null;
  if (!tools.inetd) unavailable(label, 'openbsd-inetd', 'could not unpack the package');
  else inetd = await startOpenbsdInetd(tools.inetd, ip).catch((e) => (unavailable(label, 'openbsd-inetd', e.message), null));
  try {
    const h = [];
    const o = [];
    const cpu = { h: 0, o: 0 };
    for (let r = 0; r < (QUICK ? 1 : 3); r++) {
      const a = throughput(tools.loadgen, ep, bytes);
      h.push(a.rate);
      cpu.h = Math.max(cpu.h, a.clientCpu);
      if (inetd) {
        const b = throughput(tools.loadgen, ip, bytes);
        o.push(b.rate);
        cpu.o = Math.max(cpu.o, b.clientCpu);
      }
    }
    record(label, 'hearth', 'throughput', 'MB/s', h, 'higher', { clientCpu: cpu.h });
    if (inetd) record(label, 'openbsd-inetd', 'throughput', 'MB/s', o, 'higher', { clientCpu: cpu.o });
  } finally {
    await hearth.stop();
    await inetd?.stop();
  }
}

export async function superServer(tools) {
  if (!['daytime', 'echo', 'cat', 'throughput'].some(wanted)) return;
  if (!tools.xinetd) return unavailable('super-server', 'xinetd', 'not installed');
  if (['daytime', 'echo', 'cat'].some(wanted)) await connectionRates(tools);
  if (wanted('throughput')) await echoThroughput(tools);
}
