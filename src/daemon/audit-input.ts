/** What the catalog adds to hearthd's view of its units: the audit's input, and descriptions for units without one. */
import { statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { isUpState, type InetdServiceDefinition, type ServiceDefinition, type ServiceStatus, type SysvScript } from '../model/index.js';
import { findDaemon, processNames, readListeners, type AuditInput, type AuditedFile, type AuditedService } from '../catalog/index.js';

export interface AuditSources {
  configDir: string;
  services: ServiceStatus[];
  definition(name: string): ServiceDefinition | undefined;
  inetd: readonly InetdServiceDefinition[];
  scripts: readonly SysvScript[];
  /** Which service a pid belongs to (its main process or group). */
  ownerOf(pid: number): string | undefined;
  portOffset: number;
  hearthSyslog: boolean;
  loggingDegraded?: AuditInput['loggingDegraded'];
  /** hearthd and its helpers: a socket they hold on an inetd port is that service's. */
  hearthPids?: number[];
}


/** Gathers what the audit rules look at: hearth's own view of its services, plus /proc. */
export function collectAuditInput(src: AuditSources): AuditInput {
  const uid = process.getuid?.() ?? 0;
  const byName = new Map(src.services.map((s) => [s.name, s]));
  const services: AuditedService[] = [];
  const files: AuditedFile[] = [];
  const abs = (p: string) => (isAbsolute(p) ? p : join(src.configDir, p));
  const file = (path: string, role: AuditedFile['role'], service: string) => {
    try {
      const st = statSync(path);
      files.push({ path, role, service, mode: st.mode, uid: st.uid });
    } catch {
      // gone or unreadable: nothing to judge
    }
  };

  for (const s of src.services) {
    const def = src.definition(s.name);
    if (!def && s.kind !== 'sysv') continue;
    services.push({
      name: s.name,
      kind: s.kind,
      running: isUpState(s.state),
      enabled: s.enabled === true,
      // Init scripts run as root; a native service as root unless it names another user.
      asRoot: uid === 0 && (s.kind === 'sysv' || !def?.user || def.user === 'root' || def.user === '0'),
    });
    if (def) {
      file(abs(def.origin.file), 'service file', s.name);
      const program = def.exec[0];
      if (program?.startsWith('/')) file(program, 'executable', s.name);
    }
  }
  for (const script of src.scripts) file(script.file, 'init script', script.name);
  for (const d of src.inetd) {
    const status = byName.get(d.id);
    services.push({
      name: d.id,
      kind: 'inetd',
      running: status?.state === 'running',
      enabled: !d.disabled && status?.enabled !== false,
      asRoot: uid === 0 && (!d.user || d.user === 'root'),
      inetd: { ...(d.bind ? { bind: d.bind } : {}), port: d.port < 1024 ? d.port + src.portOffset : d.port, protocol: d.protocol, onlyFrom: d.onlyFrom !== undefined },
    });
    file(abs(d.origin.file), 'xinetd file', d.id);
    if (d.server?.startsWith('/')) file(d.server, 'executable', d.id);
  }

  // Sockets: whose are they? hearthd's own listeners are its inetd-style services, by port.
  const inetdByPort = new Map(services.filter((s) => s.inetd).map((s) => [`${s.inetd!.protocol}:${s.inetd!.port}`, s.name]));
  const listeners = readListeners().map((l) => {
    const proto = l.protocol.replace('6', '');
    const service = l.pid === process.pid ? inetdByPort.get(`${proto}:${l.port}`) : l.pid !== undefined ? src.ownerOf(l.pid) : undefined;
    return service ? { ...l, service } : l;
  });

  return { services, listeners, files, processNames: processNames(), hearthUid: uid, hearthSyslog: src.hearthSyslog, ...(src.hearthPids ? { hearthPids: src.hearthPids } : {}), ...(src.loggingDegraded?.length ? { loggingDegraded: src.loggingDegraded } : {}) };
}

/** A unit without a description of its own gets the catalog's (ntsysv, the GUI and list show it). */
export function withCatalogDescription<T extends ServiceStatus>(s: T): T {
  if (s.description) return s;
  const entry = findDaemon(s.name);
  return entry ? { ...s, description: entry.description } : s;
}
