// Driving load with the C client (bench/client/loadgen.c): each run reports the
// client's own CPU time, so a row can say whether the client set the pace.
import { execFileSync, spawn } from 'node:child_process';
import { connect } from 'node:net';
import { SECONDS } from './env.mjs';

const EMPTY = '{"ok":0,"failed":0,"seconds":1,"cpu":0}';

function runClient(loadgen, argv) {
  return new Promise((resolve) => {
    const c = spawn(loadgen, argv, { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    c.stdout.on('data', (d) => (out += d));
    c.on('error', () => resolve(JSON.parse(EMPTY)));
    c.on('exit', () => resolve(JSON.parse(out || EMPTY)));
  });
}

/** `clients` loadgen processes in parallel: conn/s summed, and the busiest client's share of a core. */
export async function connRate(loadgen, port, clients, sendBytes = 0) {
  const runs = await Promise.all(Array.from({ length: clients }, () => runClient(loadgen, ['conn', String(port), String(SECONDS), String(sendBytes)])));
  const ok = runs.reduce((a, r) => a + r.ok, 0);
  const failed = runs.reduce((a, r) => a + r.failed, 0);
  const seconds = Math.max(...runs.map((r) => r.seconds));
  return { rate: ok / seconds, connections: ok, failed, clientCpu: Math.max(...runs.map((r) => r.cpu / r.seconds)) };
}

/** One connection: send `bytes`, read them back. MB/s and the client's CPU share. */
export function throughput(loadgen, port, bytes) {
  const r = JSON.parse(execFileSync(loadgen, ['thru', String(port), String(bytes)], { encoding: 'utf8', timeout: 300000 }));
  return { rate: r.ok ? r.bytes / r.seconds / 1e6 : NaN, clientCpu: r.cpu / r.seconds };
}

export async function httpLoad(loadgen, port, seconds, conns = 16, mode = 'keep-alive') {
  const r = await runClient(loadgen, ['http', String(port), String(seconds), String(conns), mode]);
  return { ...r, clientCpu: r.cpu / r.seconds };
}

/**
 * Connections one at a time, `gapMs` apart (a lightly used service, where a server's
 * start is all a client waits for): for each, the time from connect() to the first
 * byte of the reply to a short line. The median over `count` connections, in ms.
 */
export async function loneReplyMs(port, count, gapMs) {
  const once = () =>
    new Promise((resolve, reject) => {
      const t0 = performance.now();
      const s = connect(port, '127.0.0.1');
      s.setTimeout(10000, () => s.destroy(new Error('no reply within 10 s')));
      s.once('connect', () => s.write('hello\n'));
      s.once('data', () => {
        resolve(performance.now() - t0);
        s.destroy();
      });
      s.once('error', reject);
    });
  const times = [];
  for (let i = 0; i < count; i++) {
    await new Promise((r) => setTimeout(r, gapMs));
    times.push(await once());
  }
  return times.sort((a, b) => a - b)[times.length >> 1];
}
