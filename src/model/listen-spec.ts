import { isIP } from 'node:net';
import { HearthError } from '../errors/index.js';

/** A socket a service wants hearthd to bind for it (socket activation, pools). */
export type ListenSpec =
  | { kind: 'tcp'; host: string; port: number; text: string }
  | { kind: 'udp'; host: string; port: number; text: string }
  | { kind: 'unix'; path: string; text: string };

/** Parses "tcp://127.0.0.1:8080", "udp://[::]:5353", "unix:/run/app.sock". */
export function parseListenSpec(text: string): ListenSpec {
  const t = text.trim();
  if (t.startsWith('unix:')) {
    const path = t.slice(5).replace(/^\/\/(?=\/)/, '');
    if (!path.startsWith('/')) throw new HearthError('ERR_CONFIG_VALUE', `listen "${text}": a unix socket needs an absolute path, as in "unix:/run/app.sock"`);
    return { kind: 'unix', path, text: t };
  }
  const m = /^(tcp|udp):\/\/(\[[^\]]+\]|[^:/[\]]+):(\d{1,5})$/.exec(t);
  if (!m) {
    throw new HearthError('ERR_CONFIG_VALUE', `listen "${text}" is not understood`, {
      hint: 'use "tcp://HOST:PORT", "udp://HOST:PORT" (IPv6 as [::1]) or "unix:/path"',
    });
  }
  const host = m[2]!.replace(/^\[|\]$/g, '');
  const port = Number(m[3]);
  if (port > 65535) throw new HearthError('ERR_CONFIG_VALUE', `listen "${text}": port ${port} is out of range`);
  if (isIP(host) === 0 && host !== 'localhost') throw new HearthError('ERR_CONFIG_VALUE', `listen "${text}": "${host}" is not an IP address`);
  return { kind: m[1] as 'tcp' | 'udp', host: host === 'localhost' ? '127.0.0.1' : host, port, text: t };
}

