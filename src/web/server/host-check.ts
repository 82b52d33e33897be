import { networkInterfaces, hostname } from 'node:os';

/**
 * The Host header guard against DNS rebinding: a page on a name the attacker
 * controls can have that name re-resolve to 127.0.0.1 and then talk to the GUI
 * as its own origin. The browser still sends the attacker's name as Host, so
 * only names hearthd knows it is reached by are served: the listen address,
 * localhost, and names configured for it. A bare IP address of this machine
 * is fine too: rebinding needs a name.
 */

/** The host part of a Host header ("name:port", "[v6]:port", "name"), lowercased, without a trailing dot. */
export function hostOf(header: string): string {
  const h = header.trim().toLowerCase();
  const host = h.startsWith('[') ? h.slice(1, h.indexOf(']') > 0 ? h.indexOf(']') : undefined) : h.replace(/:\d*$/, '');
  return host.replace(/\.$/, '');
}

const WILDCARDS = new Set(['0.0.0.0', '::', '[::]', '']);

/**
 * The names the GUI answers to. On a wildcard listen address that is every
 * address of this machine and its host name; on a specific one, that address
 * (or name) only; localhost and the loopback addresses always.
 */
export function allowedHostNames(listenHost: string, configured: readonly string[] = []): Set<string> {
  const names = new Set(['localhost', '127.0.0.1', '::1', ...configured.map((n) => hostOf(n))]);
  const listen = hostOf(listenHost.startsWith('[') ? listenHost : listenHost.includes(':') ? `[${listenHost}]` : listenHost);
  if (WILDCARDS.has(listen)) {
    for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) names.add(a.address.toLowerCase().split('%')[0]!);
    names.add(hostname().toLowerCase());
  } else {
    names.add(listen);
  }
  return names;
}

export function hostAllowed(header: string | undefined, allowed: ReadonlySet<string>): boolean {
  return header !== undefined && allowed.has(hostOf(header));
}
