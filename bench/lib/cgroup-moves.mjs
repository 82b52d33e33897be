// How long one process takes to move itself into a cgroup on this host, measured: the
// kernel may make each isolated move wait for an RCU grace period (unless cgroup2 has
// favordynmods; see docs/services.md). hearth creates services' main processes inside
// their cgroup v2 (no move), but they still move into the v1 hierarchies of a hybrid host,
// and a unit's other processes move into their cgroup; peers that use cgroups pay it too.
// Start and restart rows can depend on it, so the report says it.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './env.mjs';
import { median } from './stats.mjs';

const CGEXEC = join(ROOT, 'native', 'build', 'hearth-cgexec');

function timed(cmd, argv) {
  const t0 = performance.now();
  spawnSync(cmd, argv, { stdio: 'ignore' });
  return performance.now() - t0;
}

/** Milliseconds one isolated cgroup move adds to a start (median of 5, 300 ms apart), or null where it cannot be measured. */
export function cgroupMoveMs() {
  const base = ['/sys/fs/cgroup/unified', '/sys/fs/cgroup'].find((d) => existsSync(join(d, 'cgroup.procs')));
  if (!base || !existsSync(CGEXEC)) return null;
  const dir = join(base, `hearth-bench-probe-${process.pid}`);
  try {
    mkdirSync(dir);
  } catch {
    return null; // not root, or no writable cgroup2
  }
  try {
    const joined = [];
    const plain = [];
    for (let i = 0; i < 5; i++) {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 300);
      joined.push(timed(CGEXEC, [join(dir, 'cgroup.procs'), '--', '/bin/true']));
      plain.push(timed(CGEXEC, ['--', '/bin/true']));
    }
    return Math.max(0, median(joined) - median(plain));
  } finally {
    try {
      rmdirSync(dir);
    } catch {
      // a straggler still inside: left for the host to clean up
    }
  }
}
