/**
 * Real hearthd processes in a fleet: each with its own temp dirs, a [fleet]
 * section pointing at a test etcd cluster, and the CLI run against it. The
 * helpers wait for conditions with deadlines (no fixed sleeps).
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { instanceName } from '../../src/boundary/index.js';
import { startDaemon, writeTree, type RunningDaemon } from './daemon.js';
import { eventually, serviceProcesses } from './index.js';

export interface FleetHostOptions {
  endpoints: string[];
  name: string;
  labels?: Record<string, string>;
  leaseTtl?: string;
  /** Local config files beside hearth.toml. */
  files?: Record<string, string>;
  /** More [fleet] lines (user, password_file, admin_user …). */
  fleetLines?: string[];
  extraArgs?: string[];
}

export interface FleetHost extends RunningDaemon {
  name: string;
  /** `hearth list --json`. */
  units(): Array<{ name: string; state: string; pid: number | null; source: string; enabled?: boolean; startedAt: number | null; readyAt: number | null }>;
  /** The state of one unit in `hearth list`, or undefined when it is not listed. */
  stateOf(unit: string): string | undefined;
  /** /v1/info's fleet part. */
  fleet(): { link: { state: string; lastError?: string; since: number }; desired: string; units: string[]; shadowed: string[]; set?: { hash: string } };
  /** Main processes of a unit of this hearthd (by HEARTH_SERVICE/HEARTH_INSTANCE in their environment). */
  processes(unit: string): number[];
  /** The value of HEARTH_INSTANCE in this hearthd's services. */
  instance: string;
  /** Another hearthd on the same dirs (after crash()). */
  restart(): Promise<FleetHost>;
}

export function fleetToml(o: FleetHostOptions): string {
  const labels = Object.entries(o.labels ?? {}).map(([k, v]) => `${k} = "${v}"`).join(', ');
  return [
    '[fleet]',
    `endpoints = [${o.endpoints.map((e) => JSON.stringify(e)).join(', ')}]`,
    `name = "${o.name}"`,
    `labels = { ${labels} }`,
    `lease_ttl = "${o.leaseTtl ?? '3s'}"`,
    ...(o.fleetLines ?? []),
    '',
  ].join('\n');
}

export function asFleetHost(d: RunningDaemon, name: string): FleetHost {
  const relaunch = d.restart;
  const host: FleetHost = Object.assign(d, {
    name,
    instance: instanceName(d.runtimeDir),
    units: () => {
      const r = d.cli('list', '--json');
      if (r.code !== 0) throw new Error(`${name}: hearth list failed: ${r.stderr}`);
      return JSON.parse(r.stdout) as ReturnType<FleetHost['units']>;
    },
    stateOf: (unit: string) => host.units().find((u) => u.name === unit)?.state,
    fleet: () => {
      const r = d.cli('status', '--json');
      if (r.code !== 0) throw new Error(`${name}: hearth status failed: ${r.stderr}`);
      return (JSON.parse(r.stdout) as { fleet: ReturnType<FleetHost['fleet']> }).fleet;
    },
    processes: (unit: string) => serviceProcesses(unit, d.runtimeDir),
    restart: async () => asFleetHost(await relaunch(), name),
  });
  return host;
}

/** Starts a hearthd in the fleet and waits until it has joined (its link is connected). */
export async function startFleetHost(o: FleetHostOptions): Promise<FleetHost> {
  const d = await startDaemon({ 'hearth.toml': fleetToml(o), ...(o.files ?? {}) }, o.extraArgs ?? []);
  const host = asFleetHost(d, o.name);
  await eventually(() => host.fleet().link.state === 'connected', 20_000, `${o.name} to join the fleet`);
  return host;
}

/** Writes a bundle dir (relative path → content) and returns its path. */
export function bundleDir(root: string, name: string, files: Record<string, string>): string {
  const dir = join(root, name);
  writeTree(dir, files);
  return dir;
}

/** A service that says "ready" once up (log readiness), and fails at start while $MARK-$HEARTH_INSTANCE exists. */
export function readyService(markPrefix: string, seconds = 1000): string {
  return [
    `exec = ["/bin/sh", "-c", "test -e \\"$MARK-$HEARTH_INSTANCE\\" && exit 3; echo ready; exec sleep ${seconds}"]`,
    'ready = "log:^ready$"',
    'restart = "never"',
    `environment = { MARK = "${markPrefix}" }`,
    '',
  ].join('\n');
}

/** Makes readyService fail on this host from its next start, or heals it. */
export function breakOn(host: FleetHost, markPrefix: string, broken: boolean): void {
  const path = `${markPrefix}-${host.instance}`;
  if (broken) writeFileSync(path, '');
  else rmSync(path, { force: true });
}

export function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}
