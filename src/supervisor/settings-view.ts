import type { ServiceDefinition } from '../model/index.js';
import { formatDuration } from '../model/index.js';

/** Configured durations are shown as written, to the millisecond: 1500ms is "1.5s", never "1s". */
const configured = (ms: number): string => formatDuration(ms, { precise: true });

/**
 * A definition as a reader wants to see it (status detail, the GUI): the
 * service file's keys and values. Environment values are left out, since
 * they often hold secrets; their names are shown.
 */
export function serviceSettings(def: ServiceDefinition): Record<string, unknown> {
  const ready = def.ready.kind === 'tcp' ? `tcp:${def.ready.host}:${def.ready.port}` : def.ready.kind === 'log' ? `log:${def.ready.pattern.source}` : def.ready.kind === 'dbus' ? `dbus:${def.ready.name}` : def.ready.kind;
  return {
    exec: def.exec,
    ...(def.user ? { user: def.user } : {}),
    ...(def.group ? { group: def.group } : {}),
    ...(def.workingDirectory ? { working_directory: def.workingDirectory } : {}),
    ...(Object.keys(def.environment).length ? { environment: Object.keys(def.environment).map((k) => `${k}=…`) } : {}),
    ...(def.environmentFile ? { environment_file: def.environmentFile } : {}),
    ...(def.umask !== undefined ? { umask: def.umask.toString(8).padStart(3, '0') } : {}),
    ...(def.nice !== undefined ? { nice: def.nice } : {}),
    ...(Object.keys(def.rlimits).length ? { rlimits: def.rlimits } : {}),
    type: def.type,
    restart: def.restart,
    ready,
    start_timeout: configured(def.startTimeoutMs),
    stop_signal: def.stopSignal,
    stop_timeout: configured(def.stopTimeoutMs),
    reload_signal: def.reloadSignal,
    ...(def.listen.length ? { listen: def.listen, activation: def.activation } : {}),
    ...(def.pool ? { pool: def.pool } : {}),
    runlevels: def.runlevels,
    ...(def.requires.length ? { requires: def.requires } : {}),
    ...(def.after.length ? { after: def.after } : {}),
    ...(def.before.length ? { before: def.before } : {}),
    ...(def.provides.length ? { provides: def.provides } : {}),
  };
}
