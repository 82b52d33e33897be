import { hostname } from 'node:os';
import { signalPid } from '../boundary/index.js';
import type { SystemctlHost, SystemdBackend } from '../systemd-run/index.js';
import type { UnitRegistry } from '../units/index.js';
import type { RunlevelHost } from '../runlevels/index.js';
import type { ServiceDetail } from '../control/daemon-api.js';

export interface SystemctlSources {
  registry: UnitRegistry;
  systemd: SystemdBackend;
  runlevels: RunlevelHost;
  status(name: string, lines: number): Promise<ServiceDetail | undefined>;
  setEnabled(name: string, on: boolean): Promise<unknown>;
  reloadConfig(): Promise<unknown>;
  switchRunlevel(level: number): Promise<unknown>;
}

/** What `hearth systemctl` evaluates against: this hearthd's units of every kind. */
export function systemctlHost(src: SystemctlSources): SystemctlHost {
  const { registry, systemd } = src;
  return {
    list: () => registry.list(),
    detail: (name, lines) => src.status(name, lines),
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
