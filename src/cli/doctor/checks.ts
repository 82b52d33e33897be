/**
 * `hearth doctor`'s findings: what this host gives hearth and what it does
 * not, each with the fix. Facts come from hearthd's control API (/v1/info,
 * the service list) and from what the CLI can see on the host itself.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { DaemonInfo } from '../../client/index.js';
import type { ServiceStatus } from '../../model/index.js';
import { NATIVE_HELPERS, PACKAGE_ROOT, helperBuildAdvice, installKind, nativeHelperPath, type InstallKind } from '../../native/index.js';
import { directorySize, exists, fileFacts, freeSpace, listeningPorts, processFacts, readCgroups, type CgroupHost } from './host.js';
import { fleetCheck } from './fleet-check.js';

export type CheckStatus = 'ok' | 'info' | 'warn' | 'fail';

export interface DoctorCheck {
  id: string;
  status: CheckStatus;
  /** One line: what was found. */
  summary: string;
  /** More lines of evidence, when there is more to say. */
  details?: string[];
  fix?: string;
}

export interface DoctorReport {
  version: string;
  install: { kind: InstallKind; root: string };
  socket: string;
  /** What hearthd said about itself; absent when it could not be reached. */
  daemon?: DaemonInfo;
  checks: DoctorCheck[];
}

/**
 * Fields a hearthd may add to /v1/info that doctor shows when present
 * (older daemons do not send them).
 */
interface InfoExtras {
  processTracking?: string | { mode: string; description: string };
  cgroupPath?: string;
  reaper?: string;
  uid?: number;
  syslogSocket?: string;
  webAddress?: string;
}

function extras(info: DaemonInfo): InfoExtras {
  return info as InfoExtras;
}

export interface DoctorInput {
  version: string;
  socketPath: string;
  info?: DaemonInfo;
  services?: ServiceStatus[];
  /** Why hearthd could not be asked, when it could not. */
  unreachable?: string;
}

const INSTALL_NAMES: Record<InstallKind, string> = {
  checkout: 'a source checkout',
  deb: 'the Debian package',
  'npm-global': 'a global npm package',
  'npm-local': "a project's npm dependency",
  unknown: 'an unpacked copy',
};

function mib(bytes: number): string {
  return bytes >= 1024 ** 3 ? `${(bytes / 1024 ** 3).toFixed(1)} GiB` : `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
}

function helperChecks(): DoctorCheck[] {
  const missing = NATIVE_HELPERS.filter((h) => nativeHelperPath(h.name) === null);
  const dir = join(PACKAGE_ROOT, 'native', 'build');
  if (missing.length === 0) return [{ id: 'helpers', status: 'ok', summary: `all ${NATIVE_HELPERS.length} native helpers are in ${dir}` }];
  return [
    {
      id: 'helpers',
      status: 'warn',
      summary: `${missing.length} of ${NATIVE_HELPERS.length} native helpers missing from ${dir}`,
      details: missing.map((h) => `${h.name}: ${h.without}`),
      fix: helperBuildAdvice(),
    },
  ];
}

function daemonCheck(input: DoctorInput): DoctorCheck {
  if (!input.info) {
    return {
      id: 'hearthd',
      status: 'fail',
      summary: `hearthd does not answer on ${input.socketPath}${input.unreachable ? ` (${input.unreachable})` : ''}`,
      fix: 'start it ("systemctl start hearthd", "service hearthd start", or "hearthd" in the foreground), or name its socket with --socket PATH',
    };
  }
  const i = input.info;
  const up = Math.round((Date.now() - i.startedAt) / 1000);
  return { id: 'hearthd', status: 'ok', summary: `hearthd ${i.version} answers: pid ${i.pid}, up ${up}s, runlevel ${i.runlevel ?? 'N'}` };
}

function userCheck(info: DaemonInfo, extras: InfoExtras): DoctorCheck {
  const uid = extras.uid ?? processFacts(info.pid).uid;
  if (uid === undefined) return { id: 'user', status: 'info', summary: "hearthd's user cannot be seen from here (another PID namespace?)" };
  if (uid === 0) return { id: 'user', status: 'ok', summary: 'hearthd runs as root: services may run as any user and bind any port' };
  return {
    id: 'user',
    status: 'info',
    summary: `hearthd runs as uid ${uid}, not root: services run as that user, and inetd ports below 1024 need [inetd] port_offset`,
    fix: 'for a machine-wide hearth, run hearthd as root (the package does)',
  };
}

function pid1Check(info: DaemonInfo, extras: InfoExtras): DoctorCheck {
  const me = processFacts(info.pid);
  const reaper = extras.reaper ?? (me.ppid === 1 && (me.parentCommand === 'hearth-init' || me.parentCommand === 'tini') ? me.parentCommand : undefined);
  if (info.pid === 1) {
    return { id: 'pid1', status: 'fail', summary: 'hearthd itself is PID 1, with no reaper: orphaned processes stay zombies', fix: helperBuildAdvice() };
  }
  if (reaper) return { id: 'pid1', status: 'ok', summary: `PID 1 is ${reaper}, which reaps orphans and passes signals to hearthd` };
  if (me.parentCommand === 'hearth-init') return { id: 'pid1', status: 'ok', summary: 'hearthd runs under hearth-init as a subreaper' };
  if (me.ppid === undefined) return { id: 'pid1', status: 'info', summary: "hearthd's parent cannot be seen from here" };
  return { id: 'pid1', status: 'info', summary: `hearthd is not PID 1 (its parent is ${me.parentCommand ?? '?'}, pid ${me.ppid})` };
}

function trackingCheck(cgroups: CgroupHost, extras: InfoExtras): DoctorCheck {
  const v2 = cgroups.v2;
  const details = [
    v2 ? `cgroup v2 at ${v2.path}: ${v2.writable ? 'writable' : 'read-only'}, ${v2.kill ? 'with' : 'without'} cgroup.kill, controllers: ${v2.controllers.join(' ') || 'none'}` : 'no cgroup v2 mounted',
    `cgroup v1 hierarchies: ${cgroups.v1.join(' ') || 'none'}`,
  ];
  const tracking = typeof extras.processTracking === 'string' ? extras.processTracking : extras.processTracking?.description;
  const said = tracking ? `hearthd tracks processes by ${tracking}${extras.cgroupPath ? ` (${extras.cgroupPath})` : ''}` : undefined;
  if (typeof extras.processTracking === 'object') {
    // hearthd says which guarantee holds; the host facts are the evidence.
    const cgroup = extras.processTracking.mode === 'cgroup';
    return {
      id: 'tracking',
      status: cgroup ? 'ok' : 'warn',
      summary: said!,
      details,
      ...(cgroup ? {} : { fix: 'give hearthd a writable cgroup2 (root, a container with its own cgroup namespace, or Delegate=yes under systemd), and leave [processes] tracking = "auto"' }),
    };
  }
  if (v2?.writable && v2.kill) {
    return { id: 'tracking', status: 'ok', summary: said ?? 'this host can give every service its own cgroup (cgroup v2 with cgroup.kill)', details };
  }
  return {
    id: 'tracking',
    status: 'warn',
    summary: said ?? 'no writable cgroup v2 with cgroup.kill: services are tracked by process group, and a process that leaves its group (setsid) can outlive a stop',
    details,
    fix: 'give hearthd a writable cgroup2 mount (a container with its own cgroup namespace, or Delegate=yes under systemd)',
  };
}

/**
 * With cgroup tracking, a service's main process is created inside its
 * unit's cgroup (hearth-spawner), but every other process hearthd starts
 * moves itself there before it runs: a service's other commands, pool
 * workers, timer runs, per-connection servers, and on hybrid hosts every
 * process of a unit with limits (for the v1 hierarchies). Without
 * favordynmods the kernel makes such a move wait for an RCU grace period
 * whenever none happened just before (8 to 11 ms measured on kernel 6.18
 * here, against about 40 microseconds with favordynmods).
 */
export function migrationCheck(cgroups: CgroupHost): DoctorCheck | undefined {
  const v2 = cgroups.v2;
  if (!v2?.writable) return undefined;
  if (v2.favorDynmods) return { id: 'cgroup-moves', status: 'ok', summary: `cgroup2 at ${v2.path} is mounted with favordynmods: a process joins its unit's cgroup without waiting` };
  return {
    id: 'cgroup-moves',
    status: 'info',
    summary: `cgroup2 at ${v2.path} is mounted without favordynmods: on a quiet host a process that moves into its unit's cgroup waits for the kernel (about 10 ms): per-connection servers, pool workers, timer runs and a service's other commands (its main process is created inside its cgroup and waits only for the cgroup v1 hierarchies its limits use, on hosts that have them)`,
    fix: 'boot with cgroup_favordynmods=true on the kernel command line (Linux 6.3 and later), or add favordynmods to the cgroup2 mount options; both apply to the whole host and make forks and exits slightly slower',
  };
}

function socketCheck(info: DaemonInfo | undefined, socketPath: string): DoctorCheck | undefined {
  const sock = fileFacts(info?.socketPath ?? socketPath);
  const dir = fileFacts(dirname(sock.path));
  if (!info) {
    // The hearthd check already says nobody answers; a socket file left behind is worth a word.
    return sock.exists ? { id: 'socket', status: 'warn', summary: `${sock.path} exists but nobody answers on it`, fix: 'a hearthd that was killed leaves it; the next hearthd replaces it' } : undefined;
  }
  if (!sock.exists) return { id: 'socket', status: 'warn', summary: `no control socket at ${sock.path}` };
  const details = [`${dir.path}: ${dir.mode} ${dir.owner}:${dir.group}`];
  const summary = `${sock.path}: ${sock.mode} ${sock.owner}:${sock.group}`;
  if ((sock.perm ?? 0) & 0o002) {
    return { id: 'socket', status: 'fail', summary: `${summary}: anyone on this machine may control hearthd`, details, fix: 'set [control] socket_mode = "0600" (or "0660" with socket_group) in hearth.toml' };
  }
  const syslog = fileFacts(extras(info).syslogSocket ?? `${info.runtimeDir}.public/syslog.sock`);
  if (syslog.exists) details.push(`syslog socket ${syslog.path}: ${syslog.mode} ${syslog.owner}:${syslog.group}`);
  const token = fileFacts(join(info.runtimeDir, 'web-token'));
  if (token.exists) details.push(`web GUI token ${token.path}: ${token.mode} ${token.owner}:${token.group}`);
  const who = (sock.perm ?? 0) & 0o020 ? `its owner and group ${sock.group}` : `only ${sock.owner}`;
  return { id: 'socket', status: 'ok', summary: `${summary} (${who} may use hearth)`, details };
}

function configCheck(info: DaemonInfo, services: ServiceStatus[] | undefined): DoctorCheck {
  if (!exists(info.configDir)) return { id: 'config', status: 'warn', summary: `config dir ${info.configDir} does not exist`, fix: `create it with a services/ folder (see hearth.service(5))` };
  if (!services) return { id: 'config', status: 'info', summary: `config dir ${info.configDir}` };
  const broken = services.filter((s) => s.state === 'broken');
  const running = services.filter((s) => s.state === 'running').length;
  if (broken.length > 0) {
    return {
      id: 'config',
      status: 'warn',
      summary: `${info.configDir}: ${services.length} services, ${broken.length} broken`,
      details: broken.slice(0, 5).map((s) => `${s.name}: ${s.errors?.[0] ?? 'broken'}`),
      fix: 'hearth check shows every problem with its file and line',
    };
  }
  return { id: 'config', status: 'ok', summary: `${info.configDir}: ${services.length} services, ${running} running, none broken` };
}

function journalCheck(info: DaemonInfo): DoctorCheck {
  const size = directorySize(info.logDir);
  const space = freeSpace(exists(info.logDir) ? info.logDir : dirname(info.logDir));
  const used = size === undefined ? 'size unknown' : mib(size);
  if (!space) return { id: 'journal', status: 'info', summary: `${info.logDir}: ${used}` };
  const pct = space.total > 0 ? Math.round((space.free / space.total) * 100) : 100;
  const summary = `${info.logDir}: ${used}; ${mib(space.free)} free (${pct}%) on its file system`;
  if (space.free < 100 * 1024 ** 2 || pct < 5) {
    return { id: 'journal', status: 'warn', summary, fix: 'free space there, or keep less: [logs] max_size, keep and max_age in hearth.toml' };
  }
  return { id: 'journal', status: 'ok', summary };
}

/** The web GUI's bound address: from /v1/info when hearthd says it, else the file it writes. */
function webAddress(info: DaemonInfo): string | undefined {
  if (extras(info).webAddress) return extras(info).webAddress;
  try {
    return readFileSync(join(info.runtimeDir, 'web-address'), 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

function portsCheck(info: DaemonInfo): DoctorCheck {
  const ports = listeningPorts(info.pid);
  const gui = webAddress(info);
  const web = gui ? [`web GUI on ${gui}`] : [];
  if (!ports) return { id: 'ports', status: 'info', summary: "hearthd's sockets cannot be seen from here", fix: "run hearth doctor as root or as hearthd's user" };
  if (ports.length === 0) return { id: 'ports', status: 'info', summary: 'hearthd listens on no network port', details: web };
  return {
    id: 'ports',
    status: 'info',
    summary: `hearthd listens on ${ports.length} port${ports.length === 1 ? '' : 's'}`,
    details: [
      ...ports.map((p) => {
        const where = `${p.address.includes(':') ? `[${p.address}]` : p.address}:${p.port}`;
        return `${p.protocol.padEnd(4)} ${where}${gui?.endsWith(`:${p.port}`) ? ' (web GUI)' : ''}`;
      }),
    ],
  };
}

export function diagnose(input: DoctorInput): DoctorReport {
  const kind = installKind();
  const checks: DoctorCheck[] = [
    { id: 'install', status: 'info', summary: `hearth ${input.version}, ${INSTALL_NAMES[kind]} in ${PACKAGE_ROOT}` },
    ...helperChecks(),
    daemonCheck(input),
  ];
  const info = input.info;
  if (info) checks.push(userCheck(info, extras(info)), pid1Check(info, extras(info)));
  const cgroups = readCgroups();
  checks.push(trackingCheck(cgroups, info ? extras(info) : {}));
  const moves = migrationCheck(cgroups);
  if (moves) checks.push(moves);
  const socket = socketCheck(info, input.socketPath);
  if (socket) checks.push(socket);
  if (info) checks.push(configCheck(info, input.services), journalCheck(info), portsCheck(info), ...stateChecks(info));
  const fleet = info ? fleetCheck(info) : undefined;
  if (fleet) checks.push(fleet);
  return { version: input.version, install: { kind, root: PACKAGE_ROOT }, socket: info?.socketPath ?? input.socketPath, ...(info ? { daemon: info } : {}), checks };
}

/** Degraded logging and damaged state files, as hearthd reports them. */
function stateChecks(info: DaemonInfo): DoctorCheck[] {
  const checks: DoctorCheck[] = [];
  if (info.logging?.degraded) {
    checks.push({
      id: 'logging',
      status: 'fail',
      summary: `logging is degraded for ${info.logging.services.map((s) => s.service).join(', ')}`,
      details: info.logging.services.map((s) => `${s.service}: ${s.reason}; ${s.blocked ? 'output held' : `${s.droppedRecords} records dropped`}`),
      fix: 'free space in the log dir (or fix its permissions); a gap record says what was lost',
    });
  }
  if (info.stateProblems?.length) {
    checks.push({
      id: 'state',
      status: 'warn',
      summary: `${info.stateProblems.length} damaged state file(s) were set aside since hearthd started`,
      details: info.stateProblems.map((p) => `${p.file} ${p.reason}; kept as ${p.keptAs}`),
      fix: 'look at the kept copies; hearthd carries on from what it could read',
    });
  }
  return checks;
}
