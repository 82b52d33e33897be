/**
 * Where `hearth fleet` finds etcd and who it is there. By default, from
 * [fleet] in hearth.toml of the config dir (--config-dir DIR, else the
 * running hearthd's, else the default one), as [fleet] admin_user when one is
 * set; --endpoints, --user and --password-file override. TLS files always come
 * from [fleet]. The fleet library is loaded here, never at the CLI's start.
 */
import { resolve } from 'node:path';
import { HearthClient, defaultDirs } from '../../../client/index.js';
import { HearthError } from '../../../errors/index.js';
import { DEFAULT_LEASE_TTL_MS, isLoopbackHost, loadDaemonSettings, parseEndpoint, type FleetSettings } from '../../../config/index.js';
import type { EtcdClient, FleetAdmin } from '../../../fleet/index.js';
import type { CommandContext } from '../../command.js';

/** hearthd's config dir when it answers quickly; this user's default otherwise. */
async function configDir(ctx: CommandContext): Promise<string> {
  const given = ctx.values['config-dir'];
  if (typeof given === 'string') return resolve(ctx.cwd, given);
  try {
    return (await new HearthClient({ socketPath: ctx.socketPath, timeoutMs: 2000 }).info()).configDir;
  } catch {
    return defaultDirs(process.getuid?.() ?? 0, ctx.env).configDir;
  }
}

function endpointsFrom(text: string): string[] {
  const urls = text.split(',').map((e) => e.trim()).filter(Boolean);
  if (urls.length === 0) throw new HearthError('ERR_USAGE', '--endpoints needs etcd client URLs such as "https://10.0.0.1:2379"');
  return urls.map((e) => {
    const url = parseEndpoint(e);
    if (!url) throw new HearthError('ERR_USAGE', `--endpoints: "${e}" is not an etcd client URL such as "https://10.0.0.1:2379"`);
    if (url.startsWith('http:') && !isLoopbackHost(new URL(url).hostname)) {
      throw new HearthError('ERR_USAGE', `--endpoints: "${e}" is plain HTTP to another machine: desired state and passwords would cross the network in clear`, { hint: 'use https:// (with [fleet] tls_ca)' });
    }
    return url;
  });
}

/** The [fleet] settings the admin connects with, overrides applied. */
export async function adminSettings(ctx: CommandContext): Promise<FleetSettings> {
  const dir = await configDir(ctx);
  const loaded = loadDaemonSettings(dir);
  const fromFile = loaded.settings.fleet;
  const endpoints = ctx.values.endpoints;
  if (!fromFile && typeof endpoints !== 'string') {
    const problem = loaded.errors.find((e) => e.key?.startsWith('fleet') || e.file === 'hearth.toml');
    throw new HearthError('ERR_USAGE', `no usable [fleet] section in ${dir}/hearth.toml${problem ? `: ${problem.toString()}` : ''}`, {
      hint: 'pass --endpoints URL[,URL…] (and --user/--password-file), or --config-dir DIR of a host in the fleet',
    });
  }
  const settings: FleetSettings = fromFile ? { ...fromFile } : { endpoints: [], name: 'admin', labels: {}, leaseTtlMs: DEFAULT_LEASE_TTL_MS };
  if (typeof endpoints === 'string') settings.endpoints = endpointsFrom(endpoints);
  const user = ctx.values.user;
  const passwordFile = ctx.values['password-file'];
  if ((typeof user === 'string') !== (typeof passwordFile === 'string')) {
    throw new HearthError('ERR_USAGE', '--user and --password-file go together');
  }
  if (typeof user === 'string' && typeof passwordFile === 'string') {
    settings.adminUser = user;
    settings.adminPasswordFile = resolve(ctx.cwd, passwordFile);
  }
  return settings;
}

/** Runs fn with a FleetAdmin on a client that is closed afterwards. */
export async function withAdmin<T>(ctx: CommandContext, fn: (admin: FleetAdmin, client: EtcdClient) => Promise<T>): Promise<T> {
  const settings = await adminSettings(ctx);
  const { FleetAdmin, openFleetClient } = await import('../../../fleet/index.js');
  const client = await openFleetClient(settings, { asAdmin: true });
  try {
    return await fn(new FleetAdmin(client), client);
  } finally {
    client.close();
  }
}
