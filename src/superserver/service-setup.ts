import net from 'node:net';
import { readFile } from 'node:fs/promises';
import { lookupAll, lookupOne } from './name-lookup.js';
import type { InetdServiceDefinition } from '../model/index.js';
import { compileList, type AccessRules } from './access.js';
import { launchFor, type EnvCompat, type Launch } from './server-launch.js';
import { XinetdLogFile } from './xinetd-log-file.js';
import type { InternalName } from './engine-context.js';

/** What a service reads and resolves once per (re)load, before it listens. */
export interface Prepared {
  banner?: Buffer;
  bannerSuccess?: Buffer;
  bannerFail?: Buffer;
  /** only_from / no_access, host names resolved; undefined when neither is set. */
  access?: AccessRules;
  /** The redirect target's address. */
  redirectHost?: string;
  /** The server to start (not for internal or redirected services). */
  launch?: Launch;
  /** log_type = FILE: where the connection log lines also go. */
  logFile?: XinetdLogFile;
}

export const NOTHING_PREPARED: Prepared = Object.freeze({});

/**
 * Checks what the definition alone cannot, reads the banner files, resolves
 * host names in the address rules and the redirect target, and builds the
 * server's command line. Throws (with the reason) when the service cannot run.
 */
export async function prepareService(d: InetdServiceDefinition, internal: InternalName | undefined, isMuxClient: boolean, envCompat: EnvCompat): Promise<Prepared> {
  if (internal === undefined && d.types.includes('INTERNAL')) throw new Error(`internal service "${d.name}" is not provided by hearth`);
  if (d.protocol === 'udp' && !internal && !d.wait) throw new Error('udp services must use wait = yes (hearth does not start one server per datagram)');
  if (d.wait && d.protocol === 'tcp' && !internal && isMuxClient) throw new Error('tcpmux services must use wait = no');
  const file = async (p: string | undefined): Promise<Buffer | undefined> => (p ? readFile(p) : undefined);
  const [banner, bannerSuccess, bannerFail] = await Promise.all([file(d.banner), file(d.bannerSuccess), file(d.bannerFail)]);
  const out: Prepared = {
    ...(banner ? { banner } : {}),
    ...(bannerSuccess ? { bannerSuccess } : {}),
    ...(bannerFail ? { bannerFail } : {}),
  };
  if (d.onlyFrom || d.noAccess) out.access = await accessRules(d);
  if (d.redirect) {
    // As xinetd: the name is looked up once, when the service is (re)loaded, as IPv6 only when it has a ":".
    const host = d.redirect.host;
    out.redirectHost = net.isIP(host) ? host : (await lookupOne(host, host.includes(':') ? 6 : 4)).address;
  }
  // As xinetd's log_start: a log file that cannot be opened keeps the service from starting.
  if (d.logType?.kind === 'file') out.logFile = openLogFile(d.logType.path, d.logType.hardLimit);
  if (!internal && !d.redirect && d.server) out.launch = launchFor(d, envCompat);
  return out;
}

function openLogFile(path: string, hardLimit: number | undefined): XinetdLogFile {
  try {
    return XinetdLogFile.open(path, hardLimit);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    throw new Error(`cannot open its log_type FILE "${path}": ${code}`);
  }
}

async function accessRules(d: InetdServiceDefinition): Promise<AccessRules> {
  const patterns = [...(d.onlyFrom ?? []), ...(d.noAccess ?? [])];
  const names = patterns.filter((p) => p.kind === 'host').map((p) => (p as { name: string }).name);
  const resolved = new Map<string, string[]>();
  await Promise.all(names.map(async (n) => {
    try {
      resolved.set(n, (await lookupAll(n)).map((a) => a.address));
    } catch {
      resolved.set(n, []);
    }
  }));
  return {
    onlyFrom: d.onlyFrom ? compileList(d.onlyFrom, resolved) : undefined,
    noAccess: d.noAccess ? compileList(d.noAccess, resolved) : undefined,
    needsReverse: patterns.some((p) => p.kind === 'domain'),
  };
}
