/**
 * systemd units in a config: CONFIG_DIR/systemd, then `[systemd] unit_paths`
 * (default: systemd's own directories when the config dir is the host's
 * /etc/hearth, none otherwise). Every unit is loaded once, templates are
 * checked, instances that other units pull in are loaded too, and every
 * .service becomes the definition the supervisor runs — so `hearth check`
 * sees what hearthd will see, with file:line.
 */
import { readFileSync } from 'node:fs';
import * as os from 'node:os';
import type { LimitSupport, LogSettings, ServiceDefinition } from '../model/index.js';
import { nativeHelperPath } from '../native/index.js';
import { readNofileLimit } from '../process/index.js';
import {
  SUPPORTED_TYPES, runlevelOfDefaultTarget, TEMPLATE_CHECK_INSTANCE, UnitLoader, classifyUnitName, readHostFacts, serviceDefinition,
  type HostFacts, type SystemdUnit, type TranslateOptions, type UnitDiagnostic,
} from '../systemd/index.js';
import type { DaemonSettings } from './daemon-settings.js';
import { systemdLinkDir, systemdSearchPath, type SystemdDirs } from './systemd-dirs.js';

export interface SystemdConfig extends SystemdDirs {
  /** Every unit hearth runs (services, sockets, timers, targets), each once under its own name; templates are not units. */
  units: SystemdUnit[];
  /** What each .service runs as; units that cannot run have none. */
  definitions: Map<string, ServiceDefinition>;
  /** Every problem, of units and templates alike, with file:line where there is one. */
  diagnostics: UnitDiagnostic[];
  /** For instances made later (a connection of an Accept=yes socket, `start foo@bar.service`). */
  loader: UnitLoader;
  host: HostFacts;
  /** How .service units become definitions here (for instances made later). */
  translate: TranslateOptions;
}

/** hearthd's hard descriptor limit when it may not raise it (no CAP_SYS_RESOURCE): units' LimitNOFILE= must fit under it. */
function nofileCeiling(): number | undefined {
  try {
    const eff = /^CapEff:\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    const CAP_SYS_RESOURCE = 24n;
    if (eff !== undefined && (BigInt(`0x${eff}`) & (1n << CAP_SYS_RESOURCE)) !== 0n) return undefined;
    const hard = readNofileLimit('self').hard;
    return hard === 'unlimited' ? undefined : hard;
  } catch {
    return undefined;
  }
}

function taskTotal(): number | undefined {
  try {
    const max = [readFileSync('/proc/sys/kernel/pid_max', 'utf8'), readFileSync('/proc/sys/kernel/threads-max', 'utf8')].map((t) => Number(t.trim()));
    return Math.min(...max);
  } catch {
    return undefined;
  }
}

export interface SystemdLoadOptions {
  log: LogSettings;
  limitSupport: LimitSupport;
}

export function loadSystemdUnits(configDir: string, settings: DaemonSettings, options: SystemdLoadOptions): SystemdConfig {
  const searchPath = systemdSearchPath(configDir, settings);
  const host = readHostFacts();
  const loader = new UnitLoader({ searchPath, host });
  const units: SystemdUnit[] = [];
  const diagnostics: UnitDiagnostic[] = [];
  const byName = new Map<string, SystemdUnit>();
  const add = (u: SystemdUnit) => {
    diagnostics.push(...u.diagnostics);
    if (u.name.includes(`@${TEMPLATE_CHECK_INSTANCE}.`) || !SUPPORTED_TYPES.includes(u.type) || byName.has(u.name)) return;
    units.push(u);
    for (const n of u.names) byName.set(n, u);
  };
  for (const u of loader.loadAll()) add(u);
  // Instances exist only where something asks for them: a .wants/ link, Wants=, a timer's Unit=.
  for (let i = 0; i < units.length; i++) {
    const u = units[i]!;
    const asked = [...u.unit.wants, ...u.unit.requires, ...u.unit.bindsTo, ...u.unit.requisite, ...u.unit.onFailure, ...(u.timer ? [u.timer.unit] : [])];
    for (const name of asked) {
      if (byName.has(name) || classifyUnitName(name) !== 'instance') continue;
      const instance = loader.load(name);
      if (instance.loadState !== 'not-found') add(instance);
    }
  }
  const definitions = new Map<string, ServiceDefinition>();
  const translate: TranslateOptions = {
    log: options.log,
    host,
    limitSupport: options.limitSupport,
    execHelper: nativeHelperPath('hearth-exec') !== null,
    totals: { memoryBytes: os.totalmem(), tasks: taskTotal() ?? 4_194_304 },
    ...(nofileCeiling() !== undefined ? { nofileCeiling: nofileCeiling()! } : {}),
  };
  for (const u of units) {
    if (u.type !== 'service' || u.loadState !== 'loaded') continue;
    const t = serviceDefinition(u, translate);
    diagnostics.push(...t.problems);
    if (t.definition) definitions.set(u.name, t.definition);
  }
  return { searchPath, linkDir: systemdLinkDir(configDir), units, definitions, diagnostics, loader, host, translate };
}

/** The runlevel systemd's default.target stands for (graphical.target: 5), when the units have one that maps. */
export function defaultTargetRunlevel(systemd: SystemdConfig): number | undefined {
  const target = systemd.loader.load('default.target');
  if (target.loadState !== 'loaded') return undefined;
  return runlevelOfDefaultTarget(target.name) ?? undefined;
}
