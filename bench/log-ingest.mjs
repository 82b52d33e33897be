#!/usr/bin/env node
// Log ingestion of one service writing numbered lines as fast as it can for
// SECONDS: lines per second that reach the journal, counted exactly (none
// lost, none doubled), and hearthd's CPU (user+system ticks from /proc) from
// the start of the flood until the last line is journaled.
//
// usage: node bench/log-ingest.mjs [--repo DIR] [--seconds N]
// --repo: the checkout whose bin/hearthd runs (to compare two builds).
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

const { values } = parseArgs({ options: { repo: { type: 'string' }, seconds: { type: 'string', default: '5' } } });
const repo = values.repo ? resolve(values.repo) : fileURLToPath(new URL('..', import.meta.url));
const seconds = Number(values.seconds);
const root = mkdtempSync(join(tmpdir(), 'hearth-ingest-'));
const dirs = { config: join(root, 'config'), state: join(root, 'state'), run: join(root, 'run'), log: join(root, 'log') };
mkdirSync(join(dirs.config, 'services'), { recursive: true });
const name = `ingest${process.pid}`;
// timeout(1) ends the writer after SECONDS; seq writes in 4 KiB blocks, as most programs' stdio does.
writeFileSync(join(dirs.config, 'services', `${name}.toml`), `exec = ["/usr/bin/timeout", "${seconds}", "/usr/bin/seq", "-f", "n=%.0f", "1", "1000000000000"]\nrestart = "never"\nrunlevels = []\nlog_max_size = "4G"\n`);

const ticks = (pid) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return Number(f[11]) + Number(f[12]);
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const cli = (...a) => spawnSync(process.execPath, [join(repo, 'bin', 'hearth'), '--socket', join(dirs.run, 'hearth.sock'), ...a], { encoding: 'utf8' });

/** The last n=… in the service's log files, and how many n= lines they hold. */
function journaled() {
  let count = 0;
  let last = 0;
  for (const f of readdirSync(dirs.log).filter((f) => f.startsWith(`${name}.log`))) {
    for (const m of readFileSync(join(dirs.log, f), 'latin1').matchAll(/^\d+ o(?![^ ]*p)\S* n=(\d+)$/gm)) {
      count++;
      last = Math.max(last, Number(m[1]));
    }
  }
  return { count, last };
}

const hearthd = spawn(join(repo, 'bin', 'hearthd'), ['--config-dir', dirs.config, '--state-dir', dirs.state, '--runtime-dir', dirs.run, '--log-dir', dirs.log, '--web-listen', 'off'], { stdio: 'ignore' });
try {
  for (let i = 0; cli('list').status !== 0; i++) {
    if (i > 200) throw new Error('hearthd did not answer');
    await sleep(50);
  }
  const before = ticks(hearthd.pid);
  const t0 = Date.now();
  if (cli('start', name).status !== 0) throw new Error('cannot start the writer');
  // The writer runs SECONDS; then wait until the journal stops growing.
  await sleep(seconds * 1000);
  let prev = -1;
  let j = journaled();
  let doneAt = Date.now();
  while (j.count !== prev) {
    prev = j.count;
    doneAt = Date.now();
    await sleep(500);
    j = journaled();
  }
  const cpu = (ticks(hearthd.pid) - before) / 100;
  const elapsed = (doneAt - t0) / 1000;
  const result = {
    repo,
    seconds,
    lines: j.count,
    lastLine: j.last,
    exact: j.count === j.last,
    linesPerSecond: Math.round(j.count / seconds),
    drainedAfterS: Number(elapsed.toFixed(2)),
    hearthdCpuS: cpu,
    hearthdCpuPerMillionLines: Number((cpu / (j.count / 1e6)).toFixed(2)),
  };
  console.log(JSON.stringify(result));
} finally {
  hearthd.kill('SIGTERM');
  await new Promise((r) => hearthd.once('exit', r));
  rmSync(root, { recursive: true, force: true });
}
