#!/usr/bin/env node
// Profiles hearthd with a big fleet: `node bench/profile-fleet.mjs [N]` starts hearthd
// under `node --cpu-prof` with N sleep services (default 10000), times its cold start,
// `hearth list`, `hearth status`, reload-config with one file changed, stops it, and
// prints where hearthd's CPU went: the functions with the most self time, and the
// most-sampled stacks' hearth frames. The .cpuprofile stays for a closer look
// (chrome://inspect or speedscope).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HEARTH, ROOT, SCRATCH, runCleanups, own, waitFor } from './lib/env.mjs';
import { MARK, ourSleeps } from './lib/procfs.mjs';
import { killLeftovers } from './workloads/supervisor.mjs';

const n = Number(process.argv[2] ?? 10000);
const dir = mkdtempSync(join(SCRATCH, 'bench-profile-'));
mkdirSync(join(dir, 'config', 'services'), { recursive: true });
for (let i = 0; i < n; i++) writeFileSync(join(dir, 'config', 'services', `s${i}.toml`), `exec = ["/bin/sleep", "${MARK}"]\nrestart = "always"\n`);
const profDir = join(dir, 'prof');
const socket = join(dir, 'r', 'hearth.sock');
const t0 = performance.now();
const p = own(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${profDir}`, '--max-semi-space-size=1', join(ROOT, 'bin', 'hearthd.mjs'), '--config-dir', join(dir, 'config'), '--state-dir', join(dir, 's'), '--runtime-dir', join(dir, 'r'), '--log-dir', join(dir, 'l'), '--quiet']);
try {
  await waitFor(() => ourSleeps().length >= n, 600000, `${n} services`, 250);
  console.log(`cold start: ${(performance.now() - t0).toFixed(0)} ms`);
  const time = (label, argv) => {
    const t = performance.now();
    const r = spawnSync(HEARTH, ['--socket', socket, ...argv], { stdio: 'ignore' });
    console.log(`${label}: ${(performance.now() - t).toFixed(0)} ms (exit ${r.status})`);
  };
  time('hearth list', ['list']);
  time(`hearth status s${n >> 1}`, ['status', `s${n >> 1}`]);
  writeFileSync(join(dir, 'config', 'services', `s${n - 1}.toml`), `exec = ["/bin/sleep", "${MARK}1"]\nrestart = "always"\n`);
  time('reload-config, one file changed', ['reload-config']);
} finally {
  // Stopping a big fleet takes hearthd a while, and only an exit it finishes writes the profile.
  if (p.child.exitCode === null && p.child.signalCode === null) {
    p.child.kill('SIGTERM');
    await Promise.race([new Promise((r) => p.child.once('exit', r)), new Promise((r) => setTimeout(r, 300_000))]);
  }
  await p.stop();
  killLeftovers(); // what a hearthd killed before it stopped them left running
  await runCleanups();
}
const file = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'));
const prof = JSON.parse(readFileSync(join(profDir, file), 'utf8'));
const byId = new Map(prof.nodes.map((node) => [node.id, node]));
const self = new Map();
const interval = (prof.endTime - prof.startTime) / prof.samples.length / 1000;
for (const id of prof.samples) {
  const f = byId.get(id).callFrame;
  const key = `${f.functionName || '(anonymous)'} ${f.url.replace(/^.*\/(dist|node_modules)\//, '$1/')}:${f.lineNumber + 1}`;
  self.set(key, (self.get(key) ?? 0) + 1);
}
console.log(`\nprofile ${join(profDir, file)}: ${prof.samples.length} samples, ${interval.toFixed(2)} ms each`);
for (const [key, count] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`${(count * interval).toFixed(0).padStart(7)} ms self  ${key}`);
