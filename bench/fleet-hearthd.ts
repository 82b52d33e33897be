/**
 * Real hearthd processes in a fleet, on a real 3-member etcd on loopback:
 *
 *   1. What [fleet] costs one hearthd: RSS/PSS and cold start (until 20
 *      services run) of hearthd without [fleet], with [fleet], and — with
 *      --before-rev REV — of the hearthd built from REV (before the fleet was
 *      wired in), to show that a hearthd without [fleet] did not change.
 *   2. As many real hearthd as --hosts says (each its own dirs, 5 services):
 *      etcd writes at steady state, `fleet apply` → the unit running on every
 *      host (p50/p99, from each hearthd's event stream), a rolling restart
 *      across the fleet, and RSS per hearthd.
 *
 *   node --import tsx bench/fleet-hearthd.ts [--hosts 100] [--rounds 5] [--before-rev REV]
 *
 * Results: a summary on stdout and bench/results/fleet-hearthd-HOSTS.json.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HearthClient } from '../src/client/index.js';
import { EtcdClient, FleetAdmin, fleetKeys } from '../src/fleet/index.js';
import { EtcdCluster } from '../test/helpers/etcd-cluster.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const opt = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const HOSTS = Number(opt('--hosts') ?? 100);
const ROUNDS = Number(opt('--rounds') ?? 5);
const BEFORE_REV = opt('--before-rev');
const SERVICES = 20;
const scratch = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'hearth-fleet-hearthd-'));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
const round1 = (x: number) => Math.round(x * 10) / 10;
const children = new Set<ChildProcess>();
process.on('exit', () => children.forEach((c) => c.kill('SIGKILL')));

async function until<T>(fn: () => T | Promise<T>, what: string, ms = 300_000): Promise<NonNullable<T>> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v as NonNullable<T>;
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await sleep(25);
  }
}

function memory(pid: number): { rss: number; pss: number } {
  const rss = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) / 1024;
  const pss = Number(/^Pss:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1]) / 1024;
  return { rss: round1(rss), pss: round1(pss) };
}

interface Hearthd {
  child: ChildProcess;
  socket: string;
  client: HearthClient;
  stop(): Promise<void>;
}

/** Starts `tree`'s bin/hearthd on a fresh dir with `services` sleep services and an optional [fleet]. */
function startHearthd(tree: string, name: string, services: number, fleet?: { endpoints: string[]; labels: Record<string, string> }): Hearthd {
  const dir = join(scratch, name);
  mkdirSync(join(dir, 'config', 'services'), { recursive: true });
  for (let i = 0; i < services; i++) writeFileSync(join(dir, 'config', 'services', `s${i}.toml`), `exec = ["/bin/sleep", "${100_000 + i}"]\n`);
  if (fleet) {
    const labels = Object.entries(fleet.labels).map(([k, v]) => `${k} = "${v}"`).join(', ');
    writeFileSync(join(dir, 'config', 'hearth.toml'), `[fleet]\nendpoints = ${JSON.stringify(fleet.endpoints)}\nname = "${name}"\nlabels = { ${labels} }\n`);
  }
  const child = spawn(join(tree, 'bin', 'hearthd'), ['--config-dir', join(dir, 'config'), '--state-dir', join(dir, 's'), '--runtime-dir', join(dir, 'r'), '--log-dir', join(dir, 'l'), '--quiet', '--web-listen', 'off'], { stdio: 'ignore' });
  children.add(child);
  const socket = join(dir, 'r', 'hearth.sock');
  return {
    child,
    socket,
    client: new HearthClient({ socketPath: socket, timeoutMs: 10_000 }),
    stop: async () => {
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await gone;
      children.delete(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const running = async (h: Hearthd, n: number) => (await h.client.list().catch(() => [])).filter((s) => s.state === 'running').length >= n;

/** Part 1: one hearthd, cold start and memory, ROUNDS times. */
async function costOfFleet(endpoints: string[], beforeTree: string | undefined) {
  const subjects: Array<[string, string, boolean]> = [
    ...(beforeTree ? [['before: no [fleet]', beforeTree, false] as [string, string, boolean]] : []),
    ['after: no [fleet]', ROOT, false],
    ['after: with [fleet]', ROOT, true],
  ];
  const out: Record<string, { coldStartMs: number[]; joinedMs: number[]; rss: number[]; pss: number[] }> = {};
  for (let r = 0; r < ROUNDS; r++) {
    // A different subject goes first each round, so none gains from the order (a warm page cache, a quiet moment).
    for (const [label, tree, fleet] of [...subjects.slice(r % subjects.length), ...subjects.slice(0, r % subjects.length)]) {
      const o = (out[label] ??= { coldStartMs: [], joinedMs: [], rss: [], pss: [] });
      const t0 = performance.now();
      const h = startHearthd(tree, `cost-${r}-${label.replace(/\W+/g, '-')}`, SERVICES, fleet ? { endpoints, labels: { role: 'bench' } } : undefined);
      await until(() => running(h, SERVICES), `${label}: ${SERVICES} services running`);
      o.coldStartMs.push(Math.round(performance.now() - t0));
      if (fleet) {
        await until(async () => (await h.client.info()).fleet?.link.state === 'connected', `${label}: joined`);
        o.joinedMs.push(Math.round(performance.now() - t0));
      }
      await sleep(3000);
      const m = memory(h.child.pid!);
      o.rss.push(m.rss);
      o.pss.push(m.pss);
      await h.stop();
    }
  }
  const summary = Object.fromEntries(
    Object.entries(out).map(([k, v]) => [k, { coldStartMs: median(v.coldStartMs), ...(v.joinedMs.length ? { joinedMs: median(v.joinedMs) } : {}), rssMiB: median(v.rss), pssMiB: median(v.pss), runs: v }]),
  );
  console.log('cost of [fleet], medians of', ROUNDS, Object.fromEntries(Object.entries(summary).map(([k, v]) => [k, { ...v, runs: undefined }])));
  return summary;
}

/** Part 2: HOSTS real hearthd in one fleet. */
async function realFleet(cluster: EtcdCluster) {
  const etcd = new EtcdClient({ endpoints: cluster.endpoints, requestTimeoutMs: 10_000 });
  const admin = new FleetAdmin(etcd);
  const hosts: Array<Hearthd & { name: string }> = [];
  try {
    const t0 = Date.now();
    for (let i = 0; i < HOSTS; i++) {
      const name = `h${String(i).padStart(3, '0')}`;
      hosts.push({ name, ...startHearthd(ROOT, name, 5, { endpoints: cluster.endpoints, labels: { role: i % 2 ? 'web' : 'db' } }) });
      // Two cores: start them in waves so the start-up is not one CPU storm.
      if (i % 10 === 9) await until(async () => (await Promise.all(hosts.slice(-10).map((h) => running(h, 5)))).every(Boolean), 'a wave of hosts');
    }
    await until(async () => (await etcd.range(fleetKeys.HOSTS, { prefix: true, keysOnly: true })).kvs.filter((k) => k.key.endsWith('/alive')).length === HOSTS, 'every host joined');
    const joinSeconds = (Date.now() - t0) / 1000;
    console.log(`${HOSTS} hearthd joined in ${joinSeconds} s`);
    await sleep(5000);
    const mem = hosts.map((h) => memory(h.child.pid!));

    const rev0 = (await etcd.range('/', { keysOnly: true, limit: 1 })).revision;
    await sleep(20_000);
    const steadyWrites = (await etcd.range('/', { keysOnly: true, limit: 1 })).revision - rev0;

    // apply → "service.state … running" of the new unit on each host, from each hearthd's own event stream.
    const runningAt = new Map<string, number>();
    const streams = hosts.map((h) => {
      const s = h.client.events();
      void (async () => {
        for await (const e of s) if (e.type === 'service.state' && e.name === 'fleetbench' && e.to === 'running') runningAt.set(h.name, Date.now());
      })().catch(() => undefined);
      return s;
    });
    await sleep(1000);
    const dir = join(scratch, 'bundle');
    mkdirSync(join(dir, 'services'), { recursive: true });
    writeFileSync(join(dir, 'services', 'fleetbench.toml'), 'exec = ["/bin/sh", "-c", "echo ready; exec sleep 100000"]\nready = "log:^ready$"\n');
    const ta = Date.now();
    const r = await admin.apply({ dir, selector: '*', bundle: 'bench' });
    if (!r.ok) throw new Error('apply failed');
    await until(() => runningAt.size === HOSTS, 'the unit running on every host');
    const lat = [...runningAt.values()].map((t) => t - ta);
    for (const s of streams) s.close();

    // A rolling restart of the unit over every host, a tenth of the fleet at a time.
    const rr0 = (await etcd.range('/', { keysOnly: true, limit: 1 })).revision;
    const tr = Date.now();
    const rolled = await admin.restart('fleetbench', { selector: '*', skipDown: true, maxUnavailable: Math.max(1, Math.round(HOSTS / 10)) });
    const rollingSeconds = (Date.now() - tr) / 1000;
    if (!rolled.ok) throw new Error(`rolling restart failed: ${JSON.stringify(rolled)}`);
    await sleep(3000);
    const rollingWrites = (await etcd.range('/', { keysOnly: true, limit: 1 })).revision - rr0;

    const result = {
      hosts: HOSTS,
      joinSeconds,
      rssMiB: { median: median(mem.map((m) => m.rss)), max: Math.max(...mem.map((m) => m.rss)) },
      pssMiB: { median: median(mem.map((m) => m.pss)) },
      steady: { seconds: 20, etcdWrites: steadyWrites, writesPerHostPerSecond: steadyWrites / 20 / HOSTS },
      applyToRunningMs: { p50: pct(lat, 50), p99: pct(lat, 99), max: Math.max(...lat) },
      rollingRestart: { maxUnavailable: Math.max(1, Math.round(HOSTS / 10)), seconds: rollingSeconds, etcdWrites: rollingWrites, writesPerHost: round1(rollingWrites / HOSTS) },
    };
    console.log('real fleet', result);
    return result;
  } finally {
    await Promise.all(hosts.map((h) => h.stop().catch(() => undefined)));
    etcd.close();
  }
}

/** The tree at REV, built, for the "before" figures. */
function buildTree(rev: string): string {
  const dir = join(scratch, 'before');
  mkdirSync(dir);
  const archive = spawnSync('git', ['archive', rev], { cwd: ROOT, maxBuffer: 1 << 30 });
  if (archive.status !== 0) throw new Error(`git archive ${rev}: ${archive.stderr}`);
  spawnSync('tar', ['-x', '-C', dir], { input: archive.stdout });
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  const b = spawnSync('npm', ['run', 'build'], { cwd: dir, encoding: 'utf8' });
  if (b.status !== 0) throw new Error(`building ${rev}: ${b.stderr}`);
  return dir;
}

async function main() {
  const before = BEFORE_REV ? buildTree(BEFORE_REV) : undefined;
  const cluster = await EtcdCluster.start();
  const results: Record<string, unknown> = { date: new Date().toISOString(), cores: (await import('node:os')).cpus().length, services: SERVICES, rounds: ROUNDS, ...(BEFORE_REV ? { beforeRev: BEFORE_REV } : {}) };
  try {
    results.costOfFleet = await costOfFleet(cluster.endpoints, before);
    if (HOSTS > 0) results.realFleet = await realFleet(cluster);
  } finally {
    await cluster.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
  mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench', 'results', `fleet-hearthd-${HOSTS}.json`), JSON.stringify(results, null, 2) + '\n');
}

await main();
