import { basename } from 'node:path';
import { HearthError } from '../errors/index.js';
import type { InetdFlag, InetdServiceDefinition, InetdType } from '../model/index.js';
import { DEFAULT_CPS } from '../model/index.js';
import { loadEtcServices, type ServicesTable } from './etc-services.js';
import { dedupeInetd, type InetdLoadResult } from './xinetd-conf.js';
import { readRegularFile } from './regular-file.js';

const INTERNAL = new Set(['echo', 'discard', 'chargen', 'daytime', 'time', 'tcpmux']);
/** Debian's update-inetd disables a line by prefixing it with this. */
const OFF_PREFIX = /^#<off>#\s*/;

/**
 * Parses classic inetd.conf: seven or more fields per line,
 *   service socket_type protocol wait[.max] user[.group|:group] server argv0 args...
 * with `[addr:]service`, `tcpmux/[+]name`, tcp4/tcp6/udp4/udp6, `internal`
 * servers and Debian's "#<off>#" disabled lines. A bad line is reported and
 * skipped; the others load.
 */
export function parseInetdConf(text: string, file: string, services: ServicesTable): InetdLoadResult {
  const errors: HearthError[] = [];
  const warnings: HearthError[] = [];
  const defs: InetdServiceDefinition[] = [];
  const lines = text.split('\n');
  lines.forEach((raw, idx) => {
    const no = idx + 1;
    let line = raw.trim();
    let disabled = false;
    if (OFF_PREFIX.test(line)) {
      line = line.replace(OFF_PREFIX, '');
      disabled = true;
    }
    if (line === '' || line.startsWith('#')) return;
    const fail = (message: string): void => {
      errors.push(new HearthError('ERR_CONFIG_SYNTAX', message, { file, line: no }));
    };
    const f = line.split(/\s+/);
    if (f.length < 6) return fail(`inetd.conf line needs at least 6 fields (service socket_type protocol wait user server [args]), got ${f.length}: "${line}"`);
    let [svc, socketType, proto, waitField, userField, server] = f as [string, string, string, string, string, string];
    const args = f.slice(6);
    const types: InetdType[] = [];
    const flags: InetdFlag[] = [];
    const errs: string[] = [];
    const bad = (m: string): void => {
      errs.push(`${file}:${no}: ${m}`);
      errors.push(new HearthError('ERR_CONFIG_VALUE', m, { file, line: no }));
    };

    let bind: string | undefined;
    const colon = svc.lastIndexOf(':');
    if (colon > 0) {
      bind = svc.slice(0, colon).replace(/^\[|\]$/g, '');
      if (bind === '*') bind = undefined;
      svc = svc.slice(colon + 1);
    }
    if (svc.startsWith('tcpmux/')) {
      svc = svc.slice(7);
      if (svc.startsWith('+')) {
        svc = svc.slice(1);
        types.push('TCPMUXPLUS');
      } else types.push('TCPMUX');
    }
    if (socketType !== 'stream' && socketType !== 'dgram') {
      bad(`socket type "${socketType}" is not supported (stream or dgram)`);
      socketType = 'stream';
    }
    const pm = /^(tcp|udp)(4|6|46)?$/.exec(proto);
    let protocol: 'tcp' | 'udp' = socketType === 'stream' ? 'tcp' : 'udp';
    if (!pm) bad(`protocol "${proto}" is not supported (tcp, udp, tcp4, tcp6, udp4, udp6)`);
    else {
      protocol = pm[1] as 'tcp' | 'udp';
      if (pm[2] === '4') flags.push('IPv4');
      if (pm[2] === '6') flags.push('IPv6');
      if ((protocol === 'tcp') !== (socketType === 'stream')) bad(`socket type "${socketType}" does not go with protocol "${proto}"`);
    }
    const wm = /^(wait|nowait)(?:\.(\d+))?$/.exec(waitField);
    let cps: InetdServiceDefinition['cps'] = { ...DEFAULT_CPS };
    if (!wm) bad(`"${waitField}" must be wait or nowait (optionally .max)`);
    else if (wm[2] !== undefined) cps = { rate: Number(wm[2]), pauseSeconds: 600, intervalSeconds: 60 };
    const wait = wm ? wm[1] === 'wait' : protocol === 'udp';
    const um = /^([^.:]+)(?:[.:](.+))?$/.exec(userField);
    if (!um) bad(`bad user "${userField}"`);

    let port = 0;
    if (/^\d+$/.test(svc)) port = Number(svc);
    else if (!types.length) {
      const p = services.port(svc, protocol);
      if (p === undefined) bad(`service "${svc}/${protocol}" is not in /etc/services`);
      else port = p;
    }
    const internal = server === 'internal';
    if (internal) {
      types.push('INTERNAL');
      if (!INTERNAL.has(svc)) bad(`"${svc}" is not an internal service`);
    } else if (!server.startsWith('/')) bad(`server "${server}" must be an absolute path or "internal"`);
    // inetd's argument list starts with argv[0]: that is xinetd's NAMEINARGS.
    if (!internal) flags.push('NAMEINARGS');
    const serverArgs = internal ? [] : args.length > 0 ? args : [basename(server)];

    defs.push({
      name: svc,
      id: svc,
      description: '',
      origin: { format: 'inetd', file, line: no },
      disabled: disabled || errs.length > 0,
      errors: errs,
      types,
      flags,
      socketType: socketType as 'stream' | 'dgram',
      protocol,
      port,
      ...(bind ? { bind } : {}),
      wait,
      ...(um ? { user: um[1]! } : {}),
      ...(um?.[2] ? { group: um[2] } : {}),
      ...(internal ? {} : { server }),
      serverArgs,
      env: {},
      rlimits: {},
      cps,
      logOnSuccess: [],
      logOnFailure: [],
    });
  });
  // The same name on tcp and udp gets xinetd-style ids: echo-stream, echo-dgram.
  const count = new Map<string, number>();
  for (const d of defs) count.set(d.name, (count.get(d.name) ?? 0) + 1);
  for (const d of defs) if ((count.get(d.name) ?? 0) > 1) d.id = `${d.name}-${d.socketType}`;
  return { services: dedupeInetd(defs, errors), warnings, errors, files: [file] };
}

export async function loadInetdConf(path: string, options: { services?: ServicesTable; servicesFile?: string } = {}): Promise<InetdLoadResult> {
  const services = options.services ?? (await loadEtcServices(options.servicesFile));
  let text: string;
  try {
    text = readRegularFile(path);
  } catch (e) {
    return { services: [], warnings: [], errors: [new HearthError('ERR_CONFIG_IO', `cannot read "${path}": ${(e as Error).message}`, { file: path })], files: [] };
  }
  return parseInetdConf(text, path, services);
}
