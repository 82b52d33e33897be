import { join } from 'node:path';
import type { HearthEvent, ServiceDefinition } from '../model/index.js';
import type { Journal } from '../journal/index.js';
import { LazyBackend, UnitRegistry } from '../units/index.js';
import { HearthError } from '../errors/index.js';
import { openTracking, type ProcessTracking } from '../boundary/index.js';
import { ServerSpawner, nativeHelperPath } from '../native/index.js';
import { NativeBackend, Supervisor, type LogSink } from '../supervisor/index.js';
// Only the type: the backend's code is imported when there are units (see systemdBackend).
import type { SystemdBackend, SystemdBackendOptions } from '../systemd-run/index.js';
import { OutputSpool } from '../spool/index.js';
import { InetdBackend } from '../superserver/index.js';
import { SysvBackend } from '../sysv/index.js';
import { AtQueue, TimerBackend, TimerHost } from '../timers/index.js';

export interface UnitsOptions {
  configDir: string;
  /** hearth.toml's [processes] tracking. */
  trackingMode: 'auto' | 'cgroup' | 'process-group';
  stateDir: string;
  runtimeDir: string;
  journal: Journal;
  emit(e: HearthEvent): void;
  runlevel(): number | null;
  /** For timers with `start = "SERVICE"`. */
  startUnit(name: string): Promise<void>;
}

/**
 * Sockets every local user must be able to reach (sd_notify for services that
 * run as other users, the syslog socket): beside the runtime dir, which stays
 * 0700 around the control socket.
 */
export function publicRuntimeDir(runtimeDir: string): string {
  return `${runtimeDir}.public`;
}

/** The backends hearthd runs, and the registry that holds them. */
export interface Units {
  registry: UnitRegistry;
  tracking: ProcessTracking;
  supervisor: Supervisor;
  inetd: InetdBackend;
  sysv: SysvBackend;
  timers: TimerBackend;
  at: AtQueue;
  /** Loaded only when there are systemd units, or a systemctl request (see systemdBackend). */
  systemd: LazyBackend<SystemdBackend>;
  /** The one hearth-spawner: services' main processes and per-connection servers. */
  spawner: ServerSpawner;
}

/**
 * Registers every kind of unit. The order is the precedence when two kinds
 * define the same name ("nginx" and "nginx.service" count as one): a native
 * service file beats a systemd unit, which beats the super-server, a timer
 * and an init script of that name.
 */
export async function createUnits(o: UnitsOptions): Promise<Units> {
  const { journal, emit } = o;
  const tracking = openTracking({ runtimeDir: o.runtimeDir, mode: o.trackingMode, cgexec: nativeHelperPath('hearth-cgexec') });
  if (o.trackingMode === 'cgroup' && tracking.mode !== 'cgroup') {
    throw new HearthError('ERR_CONFIG_VALUE', `hearth.toml asks for cgroup process tracking, but this host does not allow it: ${tracking.description}`, {
      hint: 'set [processes] tracking = "auto" to run with process groups',
    });
  }
  // The journal's writer for the service is its sink, kept by the journal across restarts.
  const logSink = (def: ServiceDefinition): LogSink => {
    journal.setOnLogFull(def.name, def.onLogFull ?? 'drop');
    return journal.writer(def.name, def.log);
  };
  const logSettingsChanged = (def: ServiceDefinition): void => journal.setRotation(def.name, def.log);
  const spawner = new ServerSpawner({
    onNotice: (level, message) => emit({ type: 'daemon.log', at: Date.now(), level, message }),
  });
  const supervisor = new Supervisor({
    tracking,
    spawner,
    emit,
    logSink,
    logSettingsChanged,
    configDir: o.configDir,
    notifyDir: join(publicRuntimeDir(o.runtimeDir), 'notify'),
    fifoDir: join(o.runtimeDir, 'output'),
    spool: OutputSpool.create({
      journal,
      runtimeDir: o.runtimeDir,
      onNotice: (level, message) => emit({ type: 'daemon.log', at: Date.now(), level, message }),
    }),
    runtimeStateDir: join(o.runtimeDir, 'services'),
  });
  await supervisor.open();
  const inetd = new InetdBackend({ emit, journal, configDir: o.configDir, tracking, spawner });
  const timers = new TimerBackend(
    new TimerHost({ configDir: o.configDir, stateDir: o.stateDir, journal, emit, runlevel: o.runlevel, startService: o.startUnit, tracking }),
  );
  const sysv = new SysvBackend(emit, journal, {
    runtimeDir: o.runtimeDir,
    tracking,
    // With cgroups, a daemon an init script started is watched by its cgroup: its death is seen at once.
    ...(tracking.mode === 'cgroup' ? { boundaryOf: (name: string) => tracking.unit('sysv', name).boundary([]) } : {}),
  });
  const registry = new UnitRegistry();
  const others = {
    has: (name: string) => registry.find(name) !== undefined && registry.find(name) !== systemd,
    isUp: (name: string) => registry.isUp(name),
    start: async (name: string) => void (await registry.act(name, 'start')),
    stop: async (name: string) => void (await registry.act(name, 'stop')),
  };
  const systemd = systemdBackend({ ...o, tracking, logSink, logSettingsChanged, emit, others, spawner });
  registry.register(new NativeBackend(supervisor));
  registry.register(systemd);
  registry.register(inetd);
  registry.register(timers);
  registry.register(sysv);
  const at = new AtQueue({ stateDir: o.stateDir, journal, emit });
  return { registry, tracking, supervisor, inetd, sysv, timers, at, systemd, spawner };
}

/** The unit kind of systemd units, and the kind their cgroups are named with (NAME.systemd). */
const SYSTEMD_KIND = 'systemd';

/**
 * systemd units: src/systemd and src/systemd-run are a quarter of hearthd's
 * code, so they are imported only when the config has units (its unit
 * directories hold anything), when the hearthd before this one crashed and
 * left systemd services to adopt, or when a systemctl request needs them.
 */
function systemdBackend(
  o: UnitsOptions & Pick<SystemdBackendOptions, 'tracking' | 'logSink' | 'logSettingsChanged' | 'emit' | 'others' | 'spawner'>,
): LazyBackend<SystemdBackend> {
  const runtimeStateDir = join(o.runtimeDir, 'systemd', 'services');
  return new LazyBackend({
    kind: SYSTEMD_KIND,
    needed: (config, phase) =>
      config.systemd !== undefined || (phase === 'boot' && Supervisor.leftBehind({ tracking: o.tracking, trackingKind: SYSTEMD_KIND, runtimeStateDir })),
    load: async () => {
      const { SystemdBackend } = await import('../systemd-run/backend.js');
      const backend = new SystemdBackend({
        tracking: o.tracking, logSink: o.logSink, logSettingsChanged: o.logSettingsChanged, emit: o.emit, others: o.others, spawner: o.spawner,
        configDir: o.configDir, runtimeDir: o.runtimeDir, runtimeStateDir, stateDir: o.stateDir,
        notifyDir: join(publicRuntimeDir(o.runtimeDir), 'systemd-notify'),
      });
      // The notify directory must exist before any unit starts.
      await backend.open();
      return backend;
    },
  });
}
