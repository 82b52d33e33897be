import { hostname } from 'node:os';
import { signalPid } from '../boundary/index.js';
import type { SystemctlHost, SystemdBackend } from '../systemd-run/index.js';
import type { LazyBackend, UnitRegistry } from '../units/index.js';
import type { RunlevelHost } from '../runlevels/index.js';
import type { Journal } from '../journal/index.js';
import type { ServiceStatus } from '../model/index.js';
import type { ClassicResult, ServiceDetail } from '../control/daemon-api.js';

export interface SystemctlSources {
  registry: UnitRegistry;
  systemd: LazyBackend<SystemdBackend>;
  runlevels: RunlevelHost;
  journal: Journal;
  /** A unit's status with its on/off per runlevel. */
  withEnablement<T extends ServiceStatus>(s: T): T;
  setEnabled(name: string, on: boolean): Promise<unknown>;
  reloadConfig(): Promise<unknown>;
  switchRunlevel(level: number): Promise<unknown>;
}

/**
 * `hearth systemctl ARGS…`. systemctl and the systemd backend are imported
 * on the first request (or were, with the first unit): a hearthd nobody asks
 * this of, and without units, never loads them.
 */
export async function systemctl(argv: string[], src: SystemctlSources): Promise<ClassicResult> {
  const [{ runSystemctl }, systemd] = await Promise.all([import('../systemd-run/systemctl/run.js'), src.systemd.loaded()]);
  return runSystemctl(argv, systemctlHost(src, systemd));
}

/** What systemctl evaluates against: this hearthd's units of every kind. */
function systemctlHost(src: SystemctlSources, systemd: SystemdBackend): SystemctlHost {
  const { registry } = src;
  return {
    list: () => registry.list(),
    detail: (name, lines) => status(src, name, lines),
    resolve: (name) => registry.resolve(name),
    act: async (name, action) => void (await registry.act(name, action)),
    setEnabled: async (name, on) => void (await src.setEnabled(name, on)),
    isEnabled: (name) => (registry.runlevelUnit(name) === undefined ? undefined : src.runlevels.isEnabled(name)),
    kill: (name, signal, whom) => {
      const own = systemd.kill(name, signal, whom);
      if (own !== undefined) return own;
      // Other kinds: their main process is all systemctl can reach.
      const pid = registry.list().find((s) => s.name === name)?.pid;
      return pid != null && whom !== 'control' && signalPid(pid, signal) ? 1 : 0;
    },
    reloadConfig: async () => void (await src.reloadConfig()),
    switchRunlevel: async (level) => void (await src.switchRunlevel(level)),
    files: systemd.unitFiles,
    unitFiles: () => systemd.unitFileNames(),
    systemdUnit: (name) => systemd.unit(name),
    hostname: hostname(),
  };
}

/** `systemctl status`'s view: like journalctl -u, the unit's own lines and hearthd's about it. */
async function status(src: SystemctlSources, name: string, lines: number): Promise<ServiceDetail | undefined> {
  const detail = await src.registry.detail(name);
  if (!detail) return undefined;
  const records = await src.journal.query({ names: [detail.name, 'hearthd'], lines: lines * 4 });
  const recentLogs = records.filter((r) => r.service === detail.name || r.text.startsWith(`${detail.name}:`)).slice(-lines);
  return { ...src.withEnablement(detail), recentLogs };
}
