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

export async function openFleetClient(settings: FleetSettings, options: { requestTimeoutMs?: number } = {}): Promise<EtcdClient> {
  const tls: EtcdTls = {};
  if (settings.tlsCa) tls.ca = await readNamed(settings.tlsCa, 'fleet.tls_ca');
  if (settings.tlsCert) tls.cert = await readNamed(settings.tlsCert, 'fleet.tls_cert');
  if (settings.tlsKey) tls.key = await readNamed(settings.tlsKey, 'fleet.tls_key');
  let auth: { user: string; password: string } | undefined;
  if (settings.user && settings.passwordFile) {
    const password = (await readNamed(settings.passwordFile, 'fleet.password_file')).replace(/\r?\n$/, '');
    if (password === '') throw new HearthError('ERR_CONFIG_VALUE', `fleet.password_file "${settings.passwordFile}" is empty`, { file: 'hearth.toml', key: 'fleet.password_file' });
    auth = { user: settings.user, password };
  }
  return new EtcdClient({
    endpoints: settings.endpoints,
    ...(Object.keys(tls).length > 0 ? { tls } : {}),
    ...(auth ? { auth } : {}),
    ...(options.requestTimeoutMs ? { requestTimeoutMs: options.requestTimeoutMs } : {}),
  });
}
