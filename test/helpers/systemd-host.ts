/**
 * A throwaway "host" for running real Debian daemons from their real unit
 * files: a new PID, mount and network namespace in which /run is empty, the
 * directories the daemons write (/var/log, /var/lib/redis …) are private
 * copies, and loopback is the only network — so nginx may bind port 80,
 * sshd port 22 and postgres 5432 without touching this machine or another
 * test. The unit files come from the Debian packages (apt-get download, see
 * debian-units.ts) and are used unchanged; the daemons are the installed ones
 * (CI installs them; policy-rc.d keeps the package scripts from starting them).
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { REPO, eventually, tempDir } from './index.js';
import { inNamespace, startAsPid1, type NamespaceInit } from './pid-namespace.js';
import { runCli } from './daemon.js';
import { DEBIAN_UNITS_CACHE } from './debian-units.js';

/** Directories the daemons write, each replaced by a private copy inside the namespace. */
const PRIVATE_COPIES = ['/var/log', '/var/lib/redis', '/var/lib/nginx', '/var/lib/misc', '/var/spool/cron', '/var/lib/postgresql', '/etc/postgresql'];

export interface NamespaceHost {
  root: string;
  /** Where copied unit files are (the unit path). */
  unitDir: string;
  init: NamespaceInit;
  /** Runs a command inside the namespace. */
  run(command: string[], input?: string): { code: number; stdout: string; stderr: string };
  /** A path of a private copy as this test sees it from outside ("/var/log/syslog" → ROOT/copies/var/log/syslog). */
  outside(path: string): string;
  stop(): Promise<void>;
}

/** The shell run as PID 1: private mounts, loopback up, then the manager. The paths come in as arguments, never inside the script. */
const SETUP = [
  'set -e',
  'copies=$1; shift',
  'ip link set lo up',
  'mount -t tmpfs -o mode=0755 tmpfs /run',
  // A /tmp of its own, holding only the folders named before "--" (this host's own, the unpacked
  // packages): whatever the units do to /tmp (PrivateTmp=, tmpfiles, cleanup) never reaches this
  // machine's /tmp or other tests' files.
  'n=0',
  'while [ "$1" != "--" ]; do n=$((n + 1)); mkdir -p "/run/.keep/$n"; mount --bind "$1" "/run/.keep/$n"; eval "keep_$n=\\$1"; shift; done; shift',
  'mount -t tmpfs -o mode=1777 tmpfs /tmp',
  'i=1; while [ $i -le $n ]; do eval "d=\\$keep_$i"; mkdir -p "$d"; mount --bind "/run/.keep/$i" "$d"; umount "/run/.keep/$i"; i=$((i + 1)); done',
  // /run/systemd/system is sd_booted()'s test: daemons such as rsyslog take their sockets from
  // the manager only when it exists (and otherwise bind /dev/log, which is the host's).
  'mkdir -p /run/systemd/journal /run/systemd/system /run/lock',
  'for d in ' + PRIVATE_COPIES.join(' ') + '; do [ -d "$d" ] && mount --bind "$copies$d" "$d"; done',
  'if id postgres >/dev/null 2>&1; then install -d -o postgres -g postgres -m 2775 /run/postgresql; fi',
  'exec "$@"',
].join('\n');

/** The folders under /tmp the namespace keeps: the host's own, and the unpacked Debian packages (the peer runs from there). */
function kept(root: string): string[] {
  return [root, ...(existsSync(DEBIAN_UNITS_CACHE) ? [DEBIAN_UNITS_CACHE] : [])];
}

export interface HostOptions {
  /** Unit files to copy from the Debian tree, and files of the test's own (name → content). */
  units: { from: string; names: readonly string[]; extra?: Record<string, string> };
}

async function prepare(prefix: string, o: HostOptions): Promise<{ root: string; unitDir: string; cleanup(): void }> {
  const dir = tempDir(prefix);
  const root = dir.path;
  const unitDir = join(root, 'units');
  mkdirSync(unitDir, { recursive: true });
  for (const name of o.units.names) cpSync(join(o.units.from, name), join(unitDir, name), { recursive: true, verbatimSymlinks: true });
  for (const [name, content] of Object.entries(o.units.extra ?? {})) {
    mkdirSync(join(unitDir, name, '..'), { recursive: true });
    writeFileSync(join(unitDir, name), content);
  }
  for (const d of PRIVATE_COPIES) {
    mkdirSync(join(root, 'copies', d), { recursive: true });
    // cp -a keeps owners and modes: /var/log/redis must stay redis's.
    spawnSync('cp', ['-a', `${d}/.`, join(root, 'copies', d)]);
  }
  return { root, unitDir, cleanup: dir.cleanup };
}

function host(root: string, unitDir: string, init: NamespaceInit, cleanup: () => void): NamespaceHost {
  return {
    root,
    unitDir,
    init,
    run: (command, input) => inNamespace(init.initPid, command, input),
    outside: (path) => join(root, 'copies', path),
    stop: async () => {
      init.signal('SIGTERM');
      const timer = setTimeout(() => init.kill(), 20_000);
      await init.exited;
      clearTimeout(timer);
      cleanup();
    },
  };
}

export interface HearthHost extends NamespaceHost {
  socket: string;
  configDir: string;
  cli(...args: string[]): { code: number; stdout: string; stderr: string };
}

/** hearthd as PID 1 of the namespace, with the unit directory as its [systemd] unit_paths. */
export async function startHearthHost(o: HostOptions): Promise<HearthHost> {
  const p = await prepare('hearth-sdhost-', o);
  const configDir = join(p.root, 'config');
  mkdirSync(join(configDir, 'systemd'), { recursive: true });
  writeFileSync(join(configDir, 'hearth.toml'), `[systemd]\nunit_paths = [${JSON.stringify(p.unitDir)}]\n[web]\nlisten = "off"\n`);
  // In the namespace's own /run, as on a host: a runtime dir under /tmp would vanish behind PrivateTmp= (the notify socket with it).
  // Named per host, never /run/hearth: hearthd names its cgroup after the runtime dir, and cgroups are shared with this machine.
  const runtime = `/run/${basename(p.root)}`;
  const args = [join(REPO, 'bin', 'hearthd'), '--config-dir', configDir, '--state-dir', join(p.root, 'state'), '--runtime-dir', runtime, '--log-dir', join(p.root, 'log')];
  const init = await startAsPid1(['/bin/sh', '-c', SETUP, 'setup', join(p.root, 'copies'), ...kept(p.root), '--', ...args], process.env, ['--net']);
  const socket = `/proc/${init.initPid}/root${runtime}/hearth.sock`;
  await eventually(() => runCli(socket, ['list']).code === 0, 30_000, `hearthd in the namespace: ${init.output()}`);
  return { ...host(p.root, p.unitDir, init, p.cleanup), socket, configDir, cli: (...a) => runCli(socket, a) };
}

/** A namespace like hearthd's for another manager (the peer): the units are at /lib/systemd/system, tini reaps as PID 1. */
export async function startPlainHost(o: HostOptions): Promise<NamespaceHost> {
  const p = await prepare('hearth-sdpeer-', o);
  mkdirSync(join(p.root, 'etc-units'), { recursive: true });
  const bind = ['/bin/sh', '-c', 'mount --bind "$1" /lib/systemd/system && mount --bind "$2" /etc/systemd/system && shift 2 && exec "$@"', 'bind', p.unitDir, join(p.root, 'etc-units')];
  const init = await startAsPid1(['/bin/sh', '-c', SETUP, 'setup', join(p.root, 'copies'), ...kept(p.root), '--', ...bind, 'tini', '-s', '--', 'sleep', 'infinity'], process.env, ['--net']);
  await eventually(() => inNamespace(init.initPid, ['test', '-d', '/run/systemd']).code === 0, 10_000, 'the namespace');
  return host(p.root, p.unitDir, init, p.cleanup);
}
