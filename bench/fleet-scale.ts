/**
 * Fleet benchmark on a real 3-member etcd on loopback:
 *   - what the fleet client costs one hearthd (load time, RSS), measured in a child process
 *     with the client bundled as hearthd would load it (one esbuild chunk);
 *   - many simulated hosts (FleetAgents in one process, the same code hearthd runs):
 *     etcd writes at steady state, during a fleet-wide restart, and the time from
 *     `apply` to each host's materialised set (p50/p99).
 *
 *   node --import tsx bench/fleet-scale.ts [--hosts 1000] [--steady-seconds 20]
 *
 * Results: a summary on stdout and bench/results/fleet-scale-HOSTS.json.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { EtcdClient, FleetAdmin, FleetAgent, encodeReport, fleetKeys, type UnitSummary } from '../src/fleet/index.js';
import { EtcdCluster } from '../test/helpers/etcd-cluster.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const arg = (name: string, fallback: number) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : fallback);
const HOSTS = arg('--hosts', 1000);
const STEADY_S = arg('--steady-seconds', 20);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mib = (b: number) => Math.round((b / 1048576) * 10) / 10;
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
const scratch = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'hearth-fleet-bench-'));

async function until(cond: () => boolean | Promise<boolean>, what: string, ms = 120_000) {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await sleep(50);
  }
}

/** A counter from etcd's /metrics, summed over the members (a renewal is counted by the leader that grants it). */
async function etcdMetric(cluster: EtcdCluster, name: string): Promise<number> {
  let sum = 0;
  for (const url of cluster.endpoints) {
    const text = await (await fetch(`${url}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith(`${name} `));
    sum += line ? Number(line.slice(name.length + 1)) : 0;
  }
  return sum;
}

/** RSS of the etcd members, MiB. */
function etcdRssMiB(cluster: EtcdCluster): number[] {
  return cluster.members.map((m) => (m.process?.pid ? Math.round(Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${m.process.pid}/status`, 'utf8'))?.[1]) / 102.4) / 10 : 0));
}

function units(n: number, state = 'running'): UnitSummary[] {
  return Array.from({ length: n }, (_, i) => ({ name: `service-${i}`, kind: i % 5 === 0 ? 'inetd' : 'native', state, enabled: [2, 3, 4, 5], pids: 1, restarts: 0, findings: i % 17 === 0 ? 1 : 0 }));
}

/** One hearthd's cost of the fleet client: a child that imports the bundled chunk, then runs one agent. */
async function clientCost(endpoints: string[]) {
  // hearthd already holds config, model, errors and the catalog when it reaches import('../fleet'):
  // bundle both the way scripts/bundle.mjs does (splitting), load the base first, and time only the fleet chunk.
  const base = join(scratch, 'hearthd-base.ts');
  writeFileSync(base, ['config', 'model', 'errors', 'catalog'].map((f) => `export * as ${f} from ${JSON.stringify(join(ROOT, 'src', f, 'index.ts'))};`).join('\n'));
  await build({ entryPoints: { base, fleet: join(ROOT, 'src/fleet/index.ts') }, outdir: join(scratch, 'out'), splitting: true, outExtension: { '.js': '.mjs' }, bundle: true, platform: 'node', format: 'esm', target: 'node20', logLevel: 'warning' });
  const out = join(scratch, 'out', 'fleet.mjs');
  const code = `
    const settle = async () => { for (let i = 0; i < 3; i++) { globalThis.gc?.(); await new Promise((r) => setTimeout(r, 100)); } };
    await import(process.argv[1].replace(/fleet\.mjs$/, 'base.mjs'));
    await settle();
    const r0 = process.memoryUsage().rss; const t0 = performance.now();
    const m = await import(process.argv[1]);
    const t1 = performance.now(); await settle(); const r1 = process.memoryUsage().rss;
    const stateDir = process.argv[3];
    const agent = await m.FleetAgent.create({ settings: { endpoints: JSON.parse(process.argv[2]), name: 'measure', labels: {}, leaseTtlMs: 10000 }, stateDir });
    agent.start();
    agent.publishUnits(${JSON.stringify(units(50))});
    while (agent.status().desired !== 'in-sync' || agent.status().report.writes === 0) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 3000)); await settle();
    const r2 = process.memoryUsage().rss;
    await agent.stop();
    console.log(JSON.stringify({ importMs: +(t1 - t0).toFixed(1), importRssMiB: +((r1 - r0) / 1048576).toFixed(1), runningRssMiB: +((r2 - r0) / 1048576).toFixed(1) }));`;
  const runs = [];
  for (let i = 0; i < 3; i++) {
    const r = spawnSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', code, out, JSON.stringify(endpoints), join(scratch, `measure-${i}`)], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`client cost run failed: ${r.stderr}`);
    runs.push(JSON.parse(r.stdout.trim().split('\n').pop()!));
  }
  return runs;
}

async function main() {
  const cluster = await EtcdCluster.start();
  const client = new EtcdClient({ endpoints: cluster.endpoints });
  const admin = new FleetAdmin(client);
  const results: Record<string, unknown> = { date: new Date().toISOString(), hosts: HOSTS, cores: (await import('node:os')).cpus().length };
  try {
    results.clientCost = await clientCost(cluster.endpoints);
    console.log('client cost', results.clientCost);
    results.reportBytes = Object.fromEntries([10, 50, 200].map((n) => [n, Buffer.byteLength(encodeReport({ at: Date.now(), units: units(n), conflicts: [], applied: { hash: '0123456789abcdef', revision: 1, bundles: { 'role=web': 1 } } }))]));

    const rss0 = process.memoryUsage().rss;
    const changedAt = new Map<string, number>();
    const agents: FleetAgent[] = [];
    const t0 = Date.now();
    for (let i = 0; i < HOSTS; i++) {
      const name = `sim${String(i).padStart(4, '0')}`;
      const agent = await FleetAgent.create({
        settings: { endpoints: cluster.endpoints, name, labels: { role: i % 2 ? 'web' : 'db' }, leaseTtlMs: 10_000 },
        stateDir: join(scratch, name),
        onChange: (set) => {
          if (set.bundles.bench) changedAt.set(name, Date.now());
        },
      });
      agent.start();
      agent.publishUnits(units(20));
      agents.push(agent);
      if (i % 50 === 49) await sleep(50); // let registrations drain instead of queueing a thousand at once
    }
    await until(async () => (await client.range(fleetKeys.HOSTS, { prefix: true, keysOnly: true })).kvs.filter((k) => k.key.endsWith('/alive')).length === HOSTS, 'all hosts registered', 300_000);
    await until(() => agents.every((a) => a.status().desired === 'in-sync'), 'all hosts in sync', 300_000);
    await Promise.all(agents.map((a) => a.settled()));
    results.joinSeconds = (Date.now() - t0) / 1000;
    results.benchRssPerHostKiB = Math.round((process.memoryUsage().rss - rss0) / HOSTS / 1024);
    console.log(`${HOSTS} hosts joined in ${results.joinSeconds} s`);

    // Steady state: nothing changes; count etcd revisions (each write is one) over the window.
    const rev0 = (await client.range('/', { keysOnly: true, limit: 1 })).revision;
    const renewed0 = await etcdMetric(cluster, 'etcd_debugging_lease_renewed_total');
    const ts = Date.now();
    await sleep(STEADY_S * 1000);
    const rev1 = (await client.range('/', { keysOnly: true, limit: 1 })).revision;
    const renewed = (await etcdMetric(cluster, 'etcd_debugging_lease_renewed_total')) - renewed0;
    const seconds = (Date.now() - ts) / 1000;
    results.steady = {
      seconds: STEADY_S,
      writes: rev1 - rev0,
      writesPerSecond: (rev1 - rev0) / STEADY_S,
      // Measured at etcd; a 10 s lease renewed every third of its TTL would be HOSTS * 0.3 per second.
      keepalivesPerSecond: Math.round(renewed / seconds),
      etcdDbBytes: await etcdMetric(cluster, 'etcd_mvcc_db_total_size_in_use_in_bytes') / cluster.endpoints.length,
      etcdRssMiB: etcdRssMiB(cluster),
    };
    console.log('steady', results.steady);

    // A fleet-wide restart: every host's 20 units go restarting -> running, as hearthd would report them.
    const writes0 = agents.reduce((n, a) => n + a.status().report.writes, 0);
    const bytes0 = agents.reduce((n, a) => n + a.status().report.bytes, 0);
    const rr0 = (await client.range('/', { keysOnly: true, limit: 1 })).revision;
    const tr = Date.now();
    for (const a of agents) a.publishUnits(units(20, 'stopping'));
    await sleep(200);
    for (const a of agents) a.publishUnits(units(20, 'starting'));
    await sleep(200);
    for (const a of agents) a.publishUnits(units(20, 'running'));
    await Promise.all(agents.map((a) => a.settled()));
    const restartSeconds = (Date.now() - tr) / 1000;
    const rr1 = (await client.range('/', { keysOnly: true, limit: 1 })).revision;
    const writes = agents.reduce((n, a) => n + a.status().report.writes, 0) - writes0;
    results.restart = {
      updatesPerHost: 3,
      writesPerHost: writes / HOSTS,
      etcdWrites: rr1 - rr0,
      seconds: restartSeconds,
      etcdWritesPerSecond: Math.round((rr1 - rr0) / restartSeconds),
      bytesPerHost: Math.round((agents.reduce((n, a) => n + a.status().report.bytes, 0) - bytes0) / HOSTS),
    };
    console.log('restart', results.restart);

    // apply -> every host materialised.
    const dir = join(scratch, 'apply');
    mkdirSync(join(dir, 'services'), { recursive: true });
    for (let i = 0; i < 5; i++) writeFileSync(join(dir, 'services', `bench${i}.toml`), `exec = ["/bin/sleep", "${i}"]\n`);
    const ta = Date.now();
    const r = await admin.apply({ dir, selector: '*', bundle: 'bench' });
    if (!r.ok) throw new Error('apply failed');
    await until(() => changedAt.size === HOSTS, 'every host to materialise', 300_000);
    const lat = [...changedAt.values()].map((t) => t - ta);
    results.applyLatencyMs = { p50: pct(lat, 50), p99: pct(lat, 99), max: Math.max(...lat) };
    console.log('apply -> materialised', results.applyLatencyMs);
    results.etcd = { version: (await client.status()).version };

    await Promise.all(agents.map((a) => a.stop()));
  } finally {
    client.close();
    await cluster.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
  mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench', 'results', `fleet-scale-${HOSTS}.json`), JSON.stringify(results, null, 2) + '\n');
  console.log(JSON.stringify(results, null, 2));
}

await main();
