import { findDaemon } from '../lookup.js';
import { isLoopback } from './proc-net.js';
import type { AuditInput, Finding, HearthRole, Listener, Severity } from './types.js';
import { SEVERITIES } from './types.js';

/**
 * The audit's rules: pure functions from what was collected to findings, each
 * with the evidence and the fix. Worst first.
 */
export function audit(collected: AuditInput): Finding[] {
  const input = { ...collected, listeners: collected.listeners.map((l) => attributeToInetd(l, collected)) };
  const findings = [
    ...riskyServices(input),
    ...publicListeners(input),
    ...rootOnNetwork(input),
    ...inetdWithoutOnlyFrom(input),
    ...unsafeFiles(input),
    ...missingEssentials(input),
    ...degradedLogging(input),
  ];
  return findings.sort((a, b) => SEVERITIES.indexOf(b.severity) - SEVERITIES.indexOf(a.severity) || a.id.localeCompare(b.id));
}

/** hearthd's helpers are named hearth-acceptor, hearth-spawner…; comm is cut at 15 characters. */
const HELPER_COMMAND = /^hearth-/;

/**
 * A socket held by hearthd or by one of its helpers (the acceptor that
 * accepts for a wait = no service) on an inetd-style service's port is that
 * service's listener, whichever of the holders /proc showed first.
 */
function attributeToInetd(l: Listener, input: AuditInput): Listener {
  if (l.service) return l;
  const holders = l.holders ?? (l.pid !== undefined ? [{ pid: l.pid, ...(l.command ? { command: l.command } : {}) }] : []);
  const ours = holders.some((h) => input.hearthPids?.includes(h.pid) || (h.command !== undefined && HELPER_COMMAND.test(h.command)));
  if (!ours) return l;
  const proto = l.protocol.replace('6', '');
  const owner = input.services.find((s) => s.inetd && s.inetd.protocol === proto && s.inetd.port === l.port);
  return owner ? { ...l, service: owner.name } : l;
}

/** Is this inetd-style service reachable from this machine only? */
function loopbackOnly(s: AuditInput['services'][number]): boolean {
  return s.inetd?.bind !== undefined && isLoopback(s.inetd.bind);
}

/** Enabled or running services the catalog rates risky; cleartext logins are critical. */
function riskyServices(input: AuditInput): Finding[] {
  const out: Finding[] = [];
  for (const s of input.services) {
    if (!s.running && !s.enabled) continue;
    const entry = findDaemon(s.name) ?? (s.inetd ? findDaemon(s.name.replace(/-(stream|dgram)$/, '')) : undefined);
    if (!entry || entry.risk === 'low') continue;
    const cleartext = entry.category === 'remote-access' && entry.risk === 'high' && entry.name !== 'vncserver';
    if (entry.risk === 'medium' && !cleartext) continue;
    // Bound to loopback, the network cannot reach it: worth knowing, not an alarm.
    const local = loopbackOnly(s);
    out.push({
      id: cleartext ? 'cleartext-login' : 'risky-service',
      severity: local ? 'low' : cleartext ? 'critical' : 'high',
      service: s.name,
      title: cleartext ? `${s.name} offers a cleartext remote login` : `${s.name} is a risky service (${entry.name} in the catalog)`,
      evidence: `${s.running ? 'running' : 'enabled'}${local ? ` on ${s.inetd!.bind} only` : ''}; ${entry.riskReason}`,
      fix: entry.successors?.length
        ? `disable it ("hearth disable ${s.name}") and use ${entry.successors.join(' or ')} instead`
        : `disable it unless it is needed: "hearth disable ${s.name}"`,
    });
  }
  return out;
}

/** Sockets other machines can reach, including ones hearth does not manage. */
function publicListeners(input: AuditInput): Finding[] {
  return input.listeners
    .filter((l) => !isLoopback(l.address))
    .map((l) => ({
      id: 'public-listener',
      severity: 'medium' as Severity,
      ...(l.service ? { service: l.service } : {}),
      title: `${l.protocol.replace('6', '')} port ${l.port} is open to the network`,
      evidence: `${l.protocol} ${l.address.includes(':') ? `[${l.address}]` : l.address}:${l.port}${l.pid ? ` held by pid ${l.pid} (${l.command ?? '?'})` : ' (owner not visible)'}${l.uid !== undefined ? `, uid ${l.uid}` : ''}${l.service ? `, hearth service ${l.service}` : ', not managed by hearth'}`,
      fix: 'bind it to 127.0.0.1 if only this machine needs it, or limit it with a firewall / only_from',
    }));
}

/** Network-facing services that keep root's rights. */
function rootOnNetwork(input: AuditInput): Finding[] {
  const byService = new Map<string, string[]>();
  for (const l of input.listeners) {
    if (!l.service || isLoopback(l.address)) continue;
    byService.set(l.service, [...(byService.get(l.service) ?? []), `${l.address}:${l.port}/${l.protocol}`]);
  }
  return input.services
    .filter((s) => s.asRoot && s.running && byService.has(s.name) && !s.inetd)
    .map((s) => ({
      id: 'root-network-service',
      severity: 'medium' as Severity,
      service: s.name,
      title: `${s.name} listens on the network as root`,
      evidence: `runs as root and holds ${byService.get(s.name)!.join(', ')}`,
      fix: `set user = "..." in its service file (hearthd binds listen sockets itself, so the program needs no root for ports)`,
    }));
}

/** inetd-style services on every address with no only_from. */
function inetdWithoutOnlyFrom(input: AuditInput): Finding[] {
  return input.services
    .filter((s) => s.inetd && s.enabled && !s.inetd.onlyFrom && (s.inetd.bind === undefined || !isLoopback(s.inetd.bind)))
    .map((s) => ({
      id: 'inetd-open-to-all',
      severity: 'medium' as Severity,
      service: s.name,
      title: `${s.name} accepts connections from anywhere`,
      evidence: `port ${s.inetd!.port}/${s.inetd!.protocol} bound to ${s.inetd!.bind ?? 'every address'} with no only_from`,
      fix: 'add "only_from = 127.0.0.1 <your networks>" (or bind = 127.0.0.1) to its xinetd.d file',
    }));
}

/** Files hearth runs or reads that someone else could change. */
function unsafeFiles(input: AuditInput): Finding[] {
  const out: Finding[] = [];
  for (const f of input.files) {
    const mode = (f.mode & 0o7777).toString(8).padStart(4, '0');
    if (f.mode & 0o002) {
      out.push({
        id: 'world-writable',
        severity: 'high',
        service: f.service,
        title: `${f.role} of ${f.service} is world-writable`,
        evidence: `${f.path} has mode ${mode}: any local user can change what hearth runs`,
        fix: `chmod o-w ${f.path}`,
      });
    } else if (f.uid !== 0 && f.uid !== input.hearthUid) {
      out.push({
        id: 'foreign-owner',
        severity: 'medium',
        service: f.service,
        title: `${f.role} of ${f.service} belongs to another user`,
        evidence: `${f.path} is owned by uid ${f.uid}, not root or hearthd's uid ${input.hearthUid}`,
        fix: `chown root ${f.path} (or hearthd's user)`,
      });
    }
  }
  return out;
}

/** What hearthd itself is: cron and atd always (timers and the at queue are built in), syslogd when its receiver is on. */
function hearthRoles(input: AuditInput): Set<HearthRole> {
  return new Set(input.hearthRoles ?? (['cron', 'atd', ...(input.hearthSyslog ? ['syslog' as const] : [])] as HearthRole[]));
}

const LOGGERS = ['rsyslogd', 'syslog-ng', 'syslogd', 'systemd-journal', 'busybox-syslogd'];
const TIME_SYNC = ['chronyd', 'ntpd', 'systemd-timesyn', 'openntpd', 'ntpsec'];
const CRON = ['cron', 'crond', 'anacron', 'fcron', 'busybox-crond'];

/** A machine should keep logs, keep time and run scheduled jobs. */
function missingEssentials(input: AuditInput): Finding[] {
  const running = new Set(input.processNames);
  const out: Finding[] = [];
  const missing = (what: string, names: string[], fix: string) =>
    out.push({ id: 'missing-essential', severity: 'low', title: `no ${what} is running`, evidence: `none of ${names.join(', ')} runs`, fix });
  const roles = hearthRoles(input);
  if (!roles.has('syslog') && !LOGGERS.some((n) => running.has(n))) missing('system logger', LOGGERS, 'turn on hearthd\'s syslog receiver ([syslog] in hearth.toml) or run rsyslog');
  if (!TIME_SYNC.some((n) => running.has(n))) missing('time synchronisation', TIME_SYNC, 'run chronyd or systemd-timesyncd');
  if (!roles.has('cron') && !CRON.some((n) => running.has(n))) missing('cron', CRON, 'run a cron daemon for scheduled jobs, or hearthd (its timers and crontabs are cron)');
  return out;
}

/** A log that cannot be written loses evidence: said while it lasts. */
function degradedLogging(input: AuditInput): Finding[] {
  return (input.loggingDegraded ?? []).map((s) => ({
    id: 'logging-degraded',
    severity: 'high' as const,
    service: s.service,
    title: `the log of "${s.service}" cannot be written`,
    evidence: `${s.reason}; ${s.blocked ? "its output is held and its pipe paused" : `${s.droppedRecords} records dropped so far`}`,
    fix: 'free space in the log dir (or fix its permissions); hearthd writes a gap record and carries on by itself',
  }));
}
