/**
 * Which cgroups a unit's processes join: the v2 cgroup always; on a hybrid
 * host, of the v1 hierarchies only those its limits need. Each cgroup joined
 * is a directory and a kernel migration per started process, which showed in
 * the cold start of 100 services, and a migration may wait for an RCU grace
 * period, which showed in every restart.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { nativeHelperPath } from '../src/native/index.js';
import { openTracking } from '../src/boundary/index.js';
import { tempDir } from './helpers/index.js';

const CGEXEC = nativeHelperPath('hearth-cgexec');
const cgroupsHere = existsSync('/sys/fs/cgroup/unified/cgroup.procs') || existsSync('/sys/fs/cgroup/cgroup.procs');
const skip = !CGEXEC ? 'hearth-cgexec is not built' : cgroupsHere ? false : 'this host has no cgroup v2 hierarchy';

const cleanups: Array<() => void> = [];
after(() => {
  for (const c of cleanups.reverse()) c();
});

function openHere() {
  const rt = tempDir('hearth-cg-hier-');
  const tracking = openTracking({ runtimeDir: rt.path, mode: 'cgroup', cgexec: CGEXEC });
  cleanups.push(() => {
    tracking.close();
    rt.cleanup();
  });
  assert.equal(tracking.mode, 'cgroup', tracking.description);
  return tracking;
}

const V1 = ['memory', 'pids', 'cpu', 'blkio'];

/** "/sys/fs/cgroup/pids/…/x.service/cgroup.procs" → "pids"; a file in the v2 tree → "v2". */
function hierarchyOf(file: string): string {
  const mount = file.split('/')[4] ?? '';
  return mount.split(',').find((c) => V1.includes(c)) ?? 'v2';
}

test('a unit without limits joins its v2 cgroup only, whatever hierarchy the host has', { skip }, () => {
  const tracking = openHere();
  const unit = tracking.unit('service', 'plain');
  unit.applyLimits(undefined);
  const joined = (unit.joinFiles() ?? []).map(hierarchyOf);
  assert.deepEqual(joined, ['v2']);
  const prefix = unit.joinPrefix() ?? [];
  assert.deepEqual(prefix.filter((a) => a.endsWith('/cgroup.procs')).map(hierarchyOf), joined);
  assert.deepEqual(unit.joinTarget()?.joins, []);
});

test('memory_max joins the memory hierarchy where v2 has no memory controller; status then reads the unit\'s memory there', { skip }, () => {
  const tracking = openHere();
  if (!tracking.limitSupport.memory_max.ok) return assert.fail(`memory_max unsupported here: ${tracking.limitSupport.memory_max.why}`);
  const unit = tracking.unit('service', 'capped');
  unit.applyLimits({ memoryMax: 64 * 1024 * 1024 });
  const joined = (unit.joinFiles() ?? []).map(hierarchyOf);
  // "cgroup v2 at … (with cgroup v1 memory, pids)": memory comes from v1 here.
  const viaV1 = /with cgroup v1 [a-z, ]*\bmemory\b/.test(tracking.description);
  assert.deepEqual(joined, viaV1 ? ['v2', 'memory'] : ['v2']);
});

test('a limit adds the hierarchy that enforces it, with the value written there', { skip }, () => {
  const tracking = openHere();
  if (!tracking.limitSupport.tasks_max.ok) return assert.fail(`tasks_max unsupported here: ${tracking.limitSupport.tasks_max.why}`);
  const unit = tracking.unit('service', 'limited');
  unit.applyLimits({ tasksMax: 17 });
  const files = unit.joinFiles() ?? [];
  const pids = files.find((f) => hierarchyOf(f) === 'pids') ?? files[0]!;
  assert.equal(readFileSync(pids.replace(/cgroup\.procs$/, 'pids.max'), 'utf8').trim(), '17');
  // Dropping the limit lifts it: in v2 the value goes back to "max"; on a hybrid host the
  // unit's processes no longer join the v1 pids hierarchy at all.
  unit.applyLimits({});
  if (hierarchyOf(pids) === 'v2') assert.equal(readFileSync(pids.replace(/cgroup\.procs$/, 'pids.max'), 'utf8').trim(), 'max');
  assert.ok(!(unit.joinFiles() ?? []).some((f) => hierarchyOf(f) === 'pids'));
});

test('populatedUnits(kind) lists only that kind\'s units that hold processes', { skip }, async () => {
  const tracking = openHere();
  const children = ['service', 'systemd'].map((kind) => {
    const unit = tracking.unit(kind, 'held');
    unit.applyLimits(undefined);
    const child = spawn('sleep', ['60'], { stdio: 'ignore' });
    cleanups.push(() => child.kill('SIGKILL'));
    writeFileSync(unit.joinFiles()![0]!, String(child.pid));
    return child;
  });
  tracking.unit('systemd', 'empty').applyLimits(undefined);
  assert.deepEqual([...tracking.populatedUnits('systemd')], [['held.systemd', [children[1]!.pid]]]);
  assert.deepEqual([...tracking.populatedUnits('service').keys()], ['held.service']);
  for (const child of children) {
    child.kill('SIGKILL');
    await once(child, 'exit');
  }
});
