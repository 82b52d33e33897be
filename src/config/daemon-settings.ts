/**
 * hearth.toml: the daemon's own settings. Everything is optional; unknown
 * keys are errors (with "did you mean"), as in service files.
 */
import { join } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { HearthError } from '../errors/index.js';
import { DEFAULT_LOG, type LogSettings } from '../model/index.js';
import { findKeyLines } from './key-lines.js';
import { FieldContext, describeValue, isTable, readDuration, readInt, readOctalMode, readOneOf, readSize, readString, readStringList, type KeyPath } from './toml-values.js';
import { tomlSyntaxError } from './toml-syntax-error.js';
import { FLEET_KEYS, checkFleet, defaultFleetSettings, type FleetSettings } from './fleet-settings.js';
import { readRegularFile } from './regular-file.js';

export interface DaemonSettings {
  runlevel: number;
  /** hearth.toml names the runlevel itself (then a fleet's fleet.toml does not: local wins). */
  runlevelSet?: boolean;
  /** envCompat: "xinetd" gives inetd servers exactly xinetd's environment (no REMOTE_ADDR/REMOTE_PORT). */
  inetd: { portOffset: number; envCompat: 'hearth' | 'xinetd' };
  web: WebSettings;
  control: { socketMode: number; socketGroup?: string };
  logs: LogSettings;
  /** socket: a path, "off", or undefined for RUNTIME_DIR.public/syslog.sock; udpPort: 127.0.0.1 only. */
  syslog: { socket?: string; udpPort?: number };
  /**
   * How hearthd tells which processes belong to a unit: "auto" (a cgroup
   * per unit where the host allows it, else process groups), "cgroup"
   * (refuse to run without), "process-group".
   */
  processes: { tracking: 'auto' | 'cgroup' | 'process-group' };
  /**
   * systemd units are read from CONFIG_DIR/systemd and from these directories
   * (highest priority first). Unset: systemd's own paths when the config dir
   * is the host's /etc/hearth, none for a private config dir.
   */
  systemd: { unitPaths?: string[] };
  /** Present only when hearth.toml has a [fleet] section: then hearthd joins a fleet on etcd. */
  fleet?: FleetSettings;
}

export interface WebSettings {
  /** "HOST:PORT" or "off". */
  listen: string | 'off';
  /** PEM files; both or neither. Required for a listen address other than loopback. */
  tlsCert?: string;
  tlsKey?: string;
  /** More names the GUI answers to (a reverse proxy's, a DNS name): the Host header is checked against them. */
  hosts?: string[];
  /** `hearth web-password` output: a password that logs in with full rights, or read-only. */
  passwordHash?: string;
  readonlyPasswordHash?: string;
}

export const DEFAULT_SETTINGS: DaemonSettings = {
  runlevel: 3,
  inetd: { portOffset: 0, envCompat: 'hearth' },
  web: { listen: '127.0.0.1:9119' },
  control: { socketMode: 0o600 },
  logs: { ...DEFAULT_LOG },
  syslog: {},
  processes: { tracking: 'auto' },
  systemd: {},
};

type Section = Record<string, (c: FieldContext, p: KeyPath, v: unknown, s: DaemonSettings) => void>;

const SECTIONS: Record<string, Section> = {
  inetd: {
    port_offset: (c, p, v, s) => {
      const n = readInt(c, p, v, 0, 64_000);
      if (n !== undefined) s.inetd.portOffset = n;
    },
    env_compat: (c, p, v, s) => {
      const mode = readOneOf(c, p, v, ['hearth', 'xinetd'] as const);
      if (mode !== undefined) s.inetd.envCompat = mode;
    },
  },
  web: {
    listen: (c, p, v, s) => {
      const m = typeof v === 'string' ? /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(v) : null;
      if (v === 'off' || (m && Number(m[2]) <= 65535)) s.web.listen = v as string;
      else c.error(p, `"web.listen" must be "HOST:PORT" or "off", got ${describeValue(v)}`);
    },
    tls_cert: (c, p, v, s) => {
      const path = readString(c, p, v, { nonEmpty: true });
      if (path !== undefined) s.web.tlsCert = path;
    },
    tls_key: (c, p, v, s) => {
      const path = readString(c, p, v, { nonEmpty: true });
      if (path !== undefined) s.web.tlsKey = path;
    },
    password_hash: (c, p, v, s) => {
      const h = readPasswordHash(c, p, v);
      if (h !== undefined) s.web.passwordHash = h;
    },
    readonly_password_hash: (c, p, v, s) => {
      const h = readPasswordHash(c, p, v);
      if (h !== undefined) s.web.readonlyPasswordHash = h;
    },
    hosts: (c, p, v, s) => {
      const names = readStringList(c, p, v, 'an array of host names such as ["hearth.example.org"]');
      if (!names) return;
      const bad = names.find((n) => !/^[A-Za-z0-9]([A-Za-z0-9.-]{0,252})$|^\[[0-9a-fA-F:.]+\]$/.test(n));
      if (bad !== undefined) return void c.error(p, `"web.hosts" must hold host names, got ${describeValue(bad)}`);
      s.web.hosts = names.map((n) => n.toLowerCase());
    },
  },
  control: {
    socket_mode: (c, p, v, s) => {
      const m = readOctalMode(c, p, v, 0o777, '0660');
      if (m !== undefined) s.control.socketMode = m;
    },
    socket_group: (c, p, v, s) => {
      const g = readString(c, p, v, { nonEmpty: true });
      if (g !== undefined) s.control.socketGroup = g;
    },
  },
  syslog: {
    socket: (c, p, v, s) => {
      if (v === 'off' || (typeof v === 'string' && v.startsWith('/'))) s.syslog.socket = v as string;
      else c.error(p, `"syslog.socket" must be an absolute path (such as "/dev/log") or "off", got ${describeValue(v)}`);
    },
    udp_port: (c, p, v, s) => {
      const n = readInt(c, p, v, 0, 65535);
      if (n !== undefined) s.syslog.udpPort = n;
    },
  },
  processes: {
    tracking: (c, p, v, s) => {
      const mode = readOneOf(c, p, v, ['auto', 'cgroup', 'process-group'] as const);
      if (mode !== undefined) s.processes.tracking = mode;
    },
  },
  systemd: {
    unit_paths: (c, p, v, s) => {
      const list = readStringList(c, p, v, 'an array of absolute paths');
      if (list === undefined) return;
      const bad = list.find((x) => !x.startsWith('/'));
      if (bad !== undefined) c.error(p, `"systemd.unit_paths" must hold absolute paths, got "${bad}"`);
      else s.systemd.unitPaths = list;
    },
  },
  logs: {
    max_size: (c, p, v, s) => {
      const n = readSize(c, p, v);
      if (n !== undefined) s.logs.maxBytes = n;
    },
    keep: (c, p, v, s) => {
      const n = readInt(c, p, v, 0, 1000);
      if (n !== undefined) s.logs.keep = n;
    },
    max_age: (c, p, v, s) => {
      const ms = readDuration(c, p, v);
      if (ms !== undefined) s.logs.maxAgeMs = ms;
    },
  },
};

/** The format `hearth web-password` prints: scrypt$N$r$p$SALT$HASH (base64url). */
export const PASSWORD_HASH = /^scrypt\$(\d+)\$(\d+)\$(\d+)\$([A-Za-z0-9_-]{16,})\$([A-Za-z0-9_-]{32,})$/;

function readPasswordHash(c: FieldContext, p: KeyPath, v: unknown): string | undefined {
  if (typeof v === 'string' && PASSWORD_HASH.test(v)) return v;
  // The value is not quoted back: it may well be the password itself.
  c.error(p, `"${p.join('.')}" must be a hash made by "hearth web-password" (scrypt$…)`, 'never put the password itself in hearth.toml');
  return undefined;
}

/** A listen address that only this machine can reach. */
export function isLoopbackListen(listen: string): boolean {
  const host = listen.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** Rules across [web] keys: TLS files come in pairs, and only loopback may go without TLS. */
function checkWeb(c: FieldContext, s: DaemonSettings): void {
  const w = s.web;
  if ((w.tlsCert === undefined) !== (w.tlsKey === undefined)) {
    c.error(['web', w.tlsCert === undefined ? 'tls_key' : 'tls_cert'], '"web.tls_cert" and "web.tls_key" must be given together');
  }
  if (w.listen !== 'off' && !isLoopbackListen(w.listen) && w.tlsCert === undefined) {
    c.error(['web', 'listen'], `"web.listen" = "${w.listen}" is reachable from other machines, which needs TLS`, 'set web.tls_cert and web.tls_key, or listen on 127.0.0.1');
    w.listen = 'off';
  }
}

const TOP_KEYS = ['runlevel', ...Object.keys(SECTIONS), 'fleet'];

/** Every key hearth.toml accepts, as "runlevel" or "section.key": the man page's test checks each is documented. */
export const DAEMON_SETTINGS_KEYS: readonly string[] = [
  'runlevel',
  ...Object.entries(SECTIONS).flatMap(([section, keys]) => Object.keys(keys).map((key) => `${section}.${key}`)),
];

export function parseDaemonSettings(file: string, text: string): { settings: DaemonSettings; errors: HearthError[] } {
  const settings: DaemonSettings = structuredClone(DEFAULT_SETTINGS);
  let doc: Record<string, unknown>;
  try {
    doc = parseToml(text) as Record<string, unknown>;
  } catch (e) {
    return { settings, errors: [tomlSyntaxError(file, e)] };
  }
  const c = new FieldContext(file, findKeyLines(text));
  for (const [key, value] of Object.entries(doc)) {
    if (key === 'runlevel') {
      const n = readInt(c, [key], value, 0, 6);
      if (n !== undefined) settings.runlevel = n;
      if (n !== undefined) settings.runlevelSet = true;
      continue;
    }
    const section = key === 'fleet' ? FLEET_KEYS : SECTIONS[key];
    if (!section) {
      c.unknownKey([key], TOP_KEYS);
      continue;
    }
    if (!isTable(value)) {
      c.error([key], `[${key}] must be a table, got ${describeValue(value)}`);
      continue;
    }
    if (key === 'fleet') {
      const fleet = defaultFleetSettings();
      const before = c.errors.length;
      for (const [sub, v] of Object.entries(value)) {
        const reader = FLEET_KEYS[sub];
        if (!reader) c.unknownKey([key, sub], Object.keys(FLEET_KEYS));
        else reader(c, [key, sub], v, fleet);
      }
      checkFleet(c, fleet, Object.keys(value));
      // A host with a doubtful [fleet] stays out of the fleet rather than join half-configured.
      if (c.errors.length === before) settings.fleet = fleet;
      continue;
    }
    for (const [sub, v] of Object.entries(value)) {
      const reader = (section as Section)[sub];
      if (!reader) c.unknownKey([key, sub], Object.keys(section));
      else reader(c, [key, sub], v, settings);
    }
  }
  checkWeb(c, settings);
  return { settings, errors: c.errors };
}

/** Reads CONFIG_DIR/hearth.toml; a missing file means the defaults. */
export function loadDaemonSettings(configDir: string): { settings: DaemonSettings; errors: HearthError[] } {
  let text: string;
  try {
    text = readRegularFile(join(configDir, 'hearth.toml'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { settings: structuredClone(DEFAULT_SETTINGS), errors: [] };
    return {
      settings: structuredClone(DEFAULT_SETTINGS),
      errors: [new HearthError('ERR_CONFIG_IO', `cannot read "${join(configDir, 'hearth.toml')}": ${(e as Error).message}`, { file: 'hearth.toml' })],
    };
  }
  return parseDaemonSettings('hearth.toml', text);
}
