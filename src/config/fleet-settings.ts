/**
 * The [fleet] section of hearth.toml: how this host joins a fleet on etcd.
 * Kept apart from the other sections because it has rules across keys
 * (plaintext only on loopback, TLS files in pairs, user with password file)
 * and a default (the host name) that comes from the machine.
 */
import { hostname } from 'node:os';
import type { FieldContext, KeyPath } from './toml-values.js';
import { describeValue, isTable, readDuration, readString } from './toml-values.js';

export interface FleetSettings {
  /** Client URLs of the etcd members, "http(s)://HOST:PORT". */
  endpoints: string[];
  /** This host's name in the fleet: its keys live under /hearth/hosts/NAME/. */
  name: string;
  labels: Record<string, string>;
  leaseTtlMs: number;
  /** PEM files: a CA to trust, and a client certificate with its key (both or neither). */
  tlsCa?: string;
  tlsCert?: string;
  tlsKey?: string;
  /** etcd user; the password is read from a file so hearth.toml can stay readable. */
  user?: string;
  passwordFile?: string;
  /**
   * Credentials for fleet-wide reads and changes made from this machine (the
   * `hearth fleet` commands, the GUI's Fleet page): an etcd user with the admin
   * role. Default: user/password_file.
   */
  adminUser?: string;
  adminPasswordFile?: string;
}

export const DEFAULT_LEASE_TTL_MS = 10_000;
/** A host name or label: safe inside an etcd key and a selector. */
export const FLEET_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
const LABEL_VALUE = /^[A-Za-z0-9._-]{0,63}$/;
const MAX_LABELS = 32;
const MAX_ENDPOINTS = 16;

/** The label every host has implicitly: selectors can name a host with host=NAME. */
export const HOST_LABEL = 'host';

export function defaultFleetSettings(): FleetSettings {
  return { endpoints: [], name: hostname().split('.')[0] ?? '', labels: {}, leaseTtlMs: DEFAULT_LEASE_TTL_MS };
}

type Reader = (c: FieldContext, p: KeyPath, v: unknown, f: FleetSettings) => void;

const readPath = (c: FieldContext, p: KeyPath, v: unknown): string | undefined => readString(c, p, v, { nonEmpty: true });

export const FLEET_KEYS: Record<string, Reader> = {
  endpoints: (c, p, v, f) => {
    if (!Array.isArray(v) || v.length === 0 || v.length > MAX_ENDPOINTS) {
      c.error(p, `"fleet.endpoints" must be a list of 1 to ${MAX_ENDPOINTS} URLs such as "https://10.0.0.1:2379", got ${describeValue(v)}`);
      return;
    }
    const urls: string[] = [];
    for (const e of v) {
      const url = typeof e === 'string' ? parseEndpoint(e) : undefined;
      if (!url) c.error(p, `"fleet.endpoints" entry ${describeValue(e)} is not an etcd client URL such as "https://10.0.0.1:2379"`);
      else urls.push(url);
    }
    f.endpoints = urls;
  },
  name: (c, p, v, f) => {
    if (typeof v === 'string' && FLEET_NAME.test(v)) f.name = v;
    else c.error(p, `"fleet.name" must be letters, digits, ".", "_" or "-" (at most 63), got ${describeValue(v)}`);
  },
  labels: (c, p, v, f) => {
    if (!isTable(v)) {
      c.error(p, `"fleet.labels" must be a table such as { role = "web" }, got ${describeValue(v)}`);
      return;
    }
    const entries = Object.entries(v);
    if (entries.length > MAX_LABELS) c.error(p, `"fleet.labels" has ${entries.length} labels; at most ${MAX_LABELS} are allowed`);
    for (const [key, value] of entries.slice(0, MAX_LABELS)) {
      const at = [...p, key];
      if (!FLEET_NAME.test(key)) c.error(at, `label name ${JSON.stringify(key)} must be letters, digits, ".", "_" or "-"`);
      else if (key === HOST_LABEL) c.error(at, `label "${HOST_LABEL}" is reserved: every host has it, set to its name`, 'set fleet.name instead');
      else if (typeof value !== 'string' || !LABEL_VALUE.test(value)) c.error(at, `label "${key}" must be a string of letters, digits, ".", "_" or "-", got ${describeValue(value)}`);
      else f.labels[key] = value;
    }
  },
  lease_ttl: (c, p, v, f) => {
    const ms = readDuration(c, p, v);
    if (ms === undefined) return;
    if (ms < 2000 || ms > 3_600_000) c.error(p, `"fleet.lease_ttl" must be between 2s and 1h, got ${describeValue(v)}`);
    else f.leaseTtlMs = ms;
  },
  tls_ca: (c, p, v, f) => assign(f, 'tlsCa', readPath(c, p, v)),
  tls_cert: (c, p, v, f) => assign(f, 'tlsCert', readPath(c, p, v)),
  tls_key: (c, p, v, f) => assign(f, 'tlsKey', readPath(c, p, v)),
  user: (c, p, v, f) => {
    if (typeof v === 'string' && /^[A-Za-z0-9._@-]{1,128}$/.test(v)) f.user = v;
    else c.error(p, `"fleet.user" must be an etcd user name, got ${describeValue(v)}`);
  },
  password_file: (c, p, v, f) => assign(f, 'passwordFile', readPath(c, p, v)),
  admin_user: (c, p, v, f) => {
    if (typeof v === 'string' && /^[A-Za-z0-9._@-]{1,128}$/.test(v)) f.adminUser = v;
    else c.error(p, `"fleet.admin_user" must be an etcd user name, got ${describeValue(v)}`);
  },
  admin_password_file: (c, p, v, f) => assign(f, 'adminPasswordFile', readPath(c, p, v)),
  password: (c, p) => {
    // The value is not quoted back: it is a secret.
    c.error(p, '"fleet.password" is not read: hearth.toml is often world-readable', 'write the password to a file only root can read and set fleet.password_file');
  },
};

function assign<K extends 'tlsCa' | 'tlsCert' | 'tlsKey' | 'passwordFile' | 'adminPasswordFile'>(f: FleetSettings, key: K, value: string | undefined): void {
  if (value !== undefined) f[key] = value;
}

/** "http(s)://HOST:PORT" with nothing after the port, normalised; undefined when it is not one. */
export function parseEndpoint(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  if (url.username || url.password || url.search || url.hash || (url.pathname !== '/' && url.pathname !== '')) return undefined;
  return `${url.protocol}//${url.host}`;
}

export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}

/** Rules across [fleet] keys, checked once the section is read. */
export function checkFleet(c: FieldContext, f: FleetSettings, keysGiven: readonly string[]): void {
  if (!keysGiven.includes('endpoints')) c.error(['fleet'], '[fleet] needs "endpoints", the etcd client URLs', 'endpoints = ["https://10.0.0.1:2379"]', 'ERR_CONFIG_MISSING');
  for (const e of f.endpoints) {
    const url = new URL(e);
    if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
      c.error(['fleet', 'endpoints'], `fleet endpoint "${e}" is plain HTTP to another machine: the fleet's desired state and passwords would cross the network in clear`, 'use https:// with fleet.tls_ca, or an etcd on 127.0.0.1');
    }
  }
  if ((f.tlsCert === undefined) !== (f.tlsKey === undefined)) {
    c.error(['fleet', f.tlsCert === undefined ? 'tls_key' : 'tls_cert'], '"fleet.tls_cert" and "fleet.tls_key" must be given together');
  }
  if ((f.user === undefined) !== (f.passwordFile === undefined)) {
    c.error(['fleet', f.user === undefined ? 'password_file' : 'user'], '"fleet.user" and "fleet.password_file" must be given together');
  }
  if ((f.adminUser === undefined) !== (f.adminPasswordFile === undefined)) {
    c.error(['fleet', f.adminUser === undefined ? 'admin_password_file' : 'admin_user'], '"fleet.admin_user" and "fleet.admin_password_file" must be given together');
  }
  if (!FLEET_NAME.test(f.name)) {
    c.error(['fleet'], `this machine's host name ${JSON.stringify(f.name)} cannot name a fleet host`, 'set fleet.name');
  }
}
