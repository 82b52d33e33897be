/**
 * Who owns a D-Bus name on the system bus, as it changes: what Type=dbus
 * needs. hearth asks GLib's `gdbus monitor --dest NAME`, which subscribes to
 * NameOwnerChanged before it asks GetNameOwner (so no change is missed
 * between the two) and then prints one line per change of owner. One child
 * per watched name, for as long as the unit runs; no polling, no D-Bus code
 * of our own. docs/systemd.md says why this tool and not another.
 */
import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { findTool } from '../process/index.js';

/** The system bus where the D-Bus specification puts it (Debian's /var/run is /run). */
export const DEFAULT_SYSTEM_BUS = 'unix:path=/run/dbus/system_bus_socket';

/** The program that watches; Debian ships it in libglib2.0-bin. */
export const BUS_WATCHER = 'gdbus';

/** The system bus address hearthd uses: DBUS_SYSTEM_BUS_ADDRESS in its environment, else the standard one. */
export function systemBusAddress(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.DBUS_SYSTEM_BUS_ADDRESS?.trim();
  return fromEnv ? fromEnv : DEFAULT_SYSTEM_BUS;
}

/**
 * Why nobody can be listening at a bus address, or undefined when someone may
 * be. Only `unix:path=` entries can be checked without connecting; an address
 * with any other entry (abstract sockets, tcp) is given the benefit of the doubt.
 */
export function missingBus(address: string): string | undefined {
  const paths: string[] = [];
  for (const entry of address.split(';').filter((e) => e !== '')) {
    const path = /^unix:(?:.*,)?path=([^,]*)/.exec(entry)?.[1];
    if (path === undefined) return undefined;
    paths.push(decodeAddressValue(path));
  }
  if (paths.length === 0) return `no bus address is given`;
  for (const p of paths) {
    try {
      if (statSync(p).isSocket()) return undefined;
    } catch {
      /* not there: try the next entry */
    }
  }
  return `there is no socket at ${paths.join(', ')}`;
}

/** Why the watcher cannot run (not installed), or undefined when it can. */
export function missingWatcher(find: (name: string) => string | null = findTool): string | undefined {
  return find(BUS_WATCHER) === null ? `${BUS_WATCHER} is not installed (Debian package libglib2.0-bin)` : undefined;
}

/** D-Bus addresses escape bytes as %XX. */
function decodeAddressValue(v: string): string {
  try {
    return decodeURIComponent(v);
  } catch {
    return v;
  }
}

export interface BusNameCallbacks {
  /** The name has an owner now (its unique name, ":1.42"). */
  owned(owner: string): void;
  /** The name has no owner now (also the first answer when nobody holds it yet). */
  released(): void;
  /** The watch ended by itself (no bus, the bus went away, no gdbus): nothing more will be said. */
  failed(why: string): void;
}

/** Longest stderr kept to explain a failed watch. */
const STDERR_KEPT = 2048;

/** Watches `name` on the bus at `address`; returns the function that ends the watch. */
export function watchBusName(name: string, address: string, callbacks: BusNameCallbacks): () => void {
  let ended = false;
  const watcher = [findTool(BUS_WATCHER) ?? BUS_WATCHER, 'monitor', '--address', address, '--dest', name];
  // setpriv --pdeathsig: a watcher outlives a killed hearthd only until the kernel tells it.
  const setpriv = findTool('setpriv');
  const argv = setpriv ? [setpriv, '--pdeathsig', 'SIGTERM', '--', ...watcher] : watcher;
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  const ownedLine = `The name ${name} is owned by `;
  const releasedLine = `The name ${name} does not have an owner`;
  let tail = '';
  let stderr = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    const lines = (tail + chunk).split('\n');
    tail = lines.pop() ?? '';
    if (tail.length > 4096) tail = '';
    for (const line of lines) {
      if (ended) return;
      if (line.startsWith(ownedLine)) callbacks.owned(line.slice(ownedLine.length).trim());
      else if (line === releasedLine) callbacks.released();
    }
  });
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    if (stderr.length < STDERR_KEPT) stderr = (stderr + chunk).slice(0, STDERR_KEPT);
  });
  const fail = (why: string) => {
    if (ended) return;
    ended = true;
    callbacks.failed(why);
  };
  child.on('error', (e: NodeJS.ErrnoException) => {
    fail(e.code === 'ENOENT' ? `${BUS_WATCHER} is not installed (Debian package libglib2.0-bin)` : `${BUS_WATCHER} could not be started: ${e.message}`);
  });
  child.on('close', (code, signal) => {
    const said = stderr.trim().split('\n').pop()?.trim();
    fail(`watching the bus at ${address} ended (${BUS_WATCHER} ${signal ? `killed by ${signal}` : `exited with ${code}`})${said ? `: ${said}` : ''}`);
  });
  return () => {
    if (ended) return;
    ended = true;
    child.kill('SIGTERM');
  };
}
