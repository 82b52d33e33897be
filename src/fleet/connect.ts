/**
 * From [fleet] settings to an etcd client: reads the TLS files and the
 * password file named in hearth.toml, each failure naming the key it came from.
 */
import { readFile } from 'node:fs/promises';
import { HearthError } from '../errors/index.js';
import type { FleetSettings } from '../config/index.js';
import { EtcdClient, type EtcdTls } from './etcd-client.js';

async function readNamed(path: string, key: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    throw new HearthError('ERR_CONFIG_IO', `cannot read ${key} "${path}": ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { file: 'hearth.toml', key });
  }
}

/**
 * A client for [fleet]'s endpoints and TLS files. As the host by default; with
 * asAdmin, as admin_user when [fleet] names one (the `hearth fleet` commands
 * and the GUI's Fleet page read other hosts and write desired state).
 */
export async function openFleetClient(settings: FleetSettings, options: { requestTimeoutMs?: number; asAdmin?: boolean } = {}): Promise<EtcdClient> {
  const tls: EtcdTls = {};
  if (settings.tlsCa) tls.ca = await readNamed(settings.tlsCa, 'fleet.tls_ca');
  if (settings.tlsCert) tls.cert = await readNamed(settings.tlsCert, 'fleet.tls_cert');
  if (settings.tlsKey) tls.key = await readNamed(settings.tlsKey, 'fleet.tls_key');
  let auth: { user: string; password: string } | undefined;
  const admin = options.asAdmin && settings.adminUser && settings.adminPasswordFile;
  const user = admin ? settings.adminUser : settings.user;
  const passwordFile = admin ? settings.adminPasswordFile : settings.passwordFile;
  const key = admin ? 'fleet.admin_password_file' : 'fleet.password_file';
  if (user && passwordFile) {
    const password = (await readNamed(passwordFile, key)).replace(/\r?\n$/, '');
    if (password === '') throw new HearthError('ERR_CONFIG_VALUE', `${key} "${passwordFile}" is empty`, { file: 'hearth.toml', key });
    auth = { user, password };
  }
  return new EtcdClient({
    endpoints: settings.endpoints,
    ...(Object.keys(tls).length > 0 ? { tls } : {}),
    ...(auth ? { auth } : {}),
    ...(options.requestTimeoutMs ? { requestTimeoutMs: options.requestTimeoutMs } : {}),
  });
}
