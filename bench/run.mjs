#!/usr/bin/env node
// hearth's benchmarks against the real peers, side by side in one run.
//
//   npm run bench                 full run (about 40 minutes)
//   npm run bench -- --quick      smoke run: short rounds, small fleets; results to bench/.cache/quick.json
//   npm run bench -- --only daytime,echo     a subset (daytime echo cat throughput footprint cli idle
//                                            coldstart restart journal zombies pool logs scale)
//   --log-seconds N               how long each log writer writes (default 10, --quick 2)
//   --scale N                     the big fleet (default 10000, --quick 1000)
//
// Everything runs on 127.0.0.1 with bounded loops. Each peer gets its own private
// config in a temp dir, and only the processes this run started are stopped.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, log, machine, runCleanups } from './lib/env.mjs';
import { cgroupMoveMs } from './lib/cgroup-moves.mjs';
import { ensurePeers } from './lib/peers.mjs';
import { report } from './lib/report.mjs';
import { journalWorkload } from './workloads/journal.mjs';
import { logIngestWorkload } from './workloads/logs.mjs';
import { memoryWorkload } from './workloads/memory.mjs';
import { poolWorkload } from './workloads/pool.mjs';
import { scaleWorkload } from './workloads/scale.mjs';
import { superServer } from './workloads/superserver.mjs';
import { supervisorWorkloads } from './workloads/supervisor.mjs';
import { zombieWorkload } from './workloads/zombies.mjs';

// The newest comparisons first; the report is rewritten after each workload, so a run
// cut short still leaves every row it measured (each with its own date).
const WORKLOADS = [logIngestWorkload, memoryWorkload, supervisorWorkloads, superServer, scaleWorkload, journalWorkload, zombieWorkload, poolWorkload];

async function main() {
  const info = { ...machine(), cgroupMoveMs: cgroupMoveMs(), started: new Date().toISOString() };
  const tools = ensurePeers();
  if (!existsSync(join(ROOT, 'dist', 'main', 'hearthd.js'))) spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
  try {
    for (const workload of WORKLOADS) {
      await workload(tools);
      await runCleanups();
      report(info, { quiet: true });
    }
  } finally {
    await runCleanups();
  }
  report(info);
}

// A peer's process that is already gone (a signal or a wait that finds nothing) is
// reported, never fatal; anything else still ends the run, after cleaning up.
process.on('uncaughtException', (e) => {
  if (e.code === 'ESRCH' || e.code === 'ECHILD') return log(`ignored: ${e.message}`);
  log(`failed: ${e.stack ?? e}`);
  void runCleanups().finally(() => process.exit(1));
});

main().catch(async (e) => {
  log(`failed: ${e.stack ?? e}`);
  await runCleanups();
  process.exitCode = 1;
});
