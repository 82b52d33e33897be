#!/usr/bin/env node
// hearthd's memory while it serves: N sleep services, then requests to the control API
// (info, list, status, logs, an event stream) and to the web GUI (token login, the page,
// its script, the API behind the session), then RSS and PSS after a 2 s settle. The
// footprint rows of bench/run.mjs never send a request; this is the figure for a
// hearthd that is being used. Compare two builds by pointing --root at each checkout.
//
//   node bench/serving-rss.mjs [--root DIR] [--services N] [--rounds R]
//
// Each round starts a fresh hearthd on a private copy of the node binary (no other
// Node process shares its pages) in a temp dir, and stops it afterwards.
import { spawn } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    root: { type: 'string', default: fileURLToPath(new URL('..', import.meta.url)) },
    services: { type: 'string', default: '100' },
    rounds: { type: 'string', default: '3' },
  },
});
const root = resolve(values.root);
const n = Number(values.services);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** One request; resolves with status, headers and body text (an event stream is read for `streamMs`, then closed). */
function call(target, path, { headers = {}, streamMs = 0 } = {}) {
  return new Promise((resolvePromise, reject) => {
    const req = request({ ...target, path, headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      const done = () => resolvePromise({ status: res.statusCode, headers: res.headers, body });
      res.on('end', done);
      if (streamMs) setTimeout(() => (req.destroy(), done()), streamMs);
    });
    req.on('error', (e) => (streamMs ? undefined : reject(e)));
    req.end();
  });
}

function memory(pid) {
  const rss = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) / 1024;
  const pss = Number(/^Pss:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1]) / 1024;
  return { rss, pss };
}

async function round() {
  const dir = mkdtempSync(join(tmpdir(), 'hearth-serving-'));
  const nodeDir = join(dir, 'node-bin');
  mkdirSync(nodeDir);
  copyFileSync(process.execPath, join(nodeDir, 'node'));
  chmodSync(join(nodeDir, 'node'), 0o755);
  mkdirSync(join(dir, 'config', 'services'), { recursive: true });
  writeFileSync(join(dir, 'config', 'hearth.toml'), '[web]\nlisten = "127.0.0.1:0"\n');
  for (let i = 0; i < n; i++) writeFileSync(join(dir, 'config', 'services', `s${i}.toml`), 'exec = ["/bin/sleep", "86400"]\n');
  const runtime = join(dir, 'r');
  const daemon = spawn(join(root, 'bin', 'hearthd'), ['--config-dir', join(dir, 'config'), '--state-dir', join(dir, 's'), '--runtime-dir', runtime, '--log-dir', join(dir, 'l'), '--quiet'], {
    env: { ...process.env, PATH: `${nodeDir}:${process.env.PATH}` },
    stdio: 'ignore',
  });
  try {
    const control = { socketPath: join(runtime, 'hearth.sock') };
    for (let t = Date.now(); ; await sleep(100)) {
      if (Date.now() - t > 120_000) throw new Error('hearthd did not start its services in 2 minutes');
      if (!existsSync(control.socketPath) || !existsSync(join(runtime, 'web-address'))) continue;
      const list = JSON.parse((await call(control, '/v1/services')).body);
      if (list.filter((s) => s.state === 'running').length >= n) break;
    }
    // The node process itself: bin/hearthd execs node, so the pid is the same.
    const pid = daemon.pid;
    for (const path of ['/v1/info', '/v1/services', '/v1/services/s0', '/v1/logs?lines=10']) await call(control, path);
    await call(control, '/v1/events', { streamMs: 500 });
    const url = new URL(readFileSync(join(runtime, 'web-address'), 'utf8').trim());
    const token = readFileSync(join(runtime, 'web-token'), 'utf8').trim();
    const web = { host: url.hostname, port: Number(url.port) };
    const login = await call(web, `/?token=${token}`);
    const cookie = [login.headers['set-cookie']].flat().map((c) => c.split(';')[0]).join('; ');
    if (login.status !== 303 || !cookie) throw new Error(`GUI login failed: ${login.status}`);
    for (const path of ['/', '/assets/app.js']) await call(web, path);
    const api = await call(web, '/api/v1/services', { headers: { cookie } });
    if (api.status !== 200) throw new Error(`GUI API answered ${api.status}`);
    await call(web, '/api/v1/events', { headers: { cookie }, streamMs: 500 });
    await sleep(2000);
    return memory(pid);
  } finally {
    daemon.kill('SIGTERM');
    await new Promise((r) => (daemon.exitCode !== null ? r() : daemon.once('exit', r)));
    rmSync(dir, { recursive: true, force: true });
  }
}

const rows = [];
for (let r = 0; r < Number(values.rounds); r++) rows.push(await round());
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (x) => x.toFixed(2);
console.log(JSON.stringify({ root, services: n, rounds: rows.map((m) => ({ rss: fmt(m.rss), pss: fmt(m.pss) })), medianRssMiB: fmt(median(rows.map((m) => m.rss))), medianPssMiB: fmt(median(rows.map((m) => m.pss))) }));
