/**
 * Name lookups for the super-server, with node:dns loaded on first use: most
 * configs never resolve a name (no host names in only_from, no redirect by
 * name, no USERID/HOST logging by name), and a module loaded at boot is memory
 * hearthd holds for good.
 */
import type { LookupAddress } from 'node:dns';

let dns: Promise<typeof import('node:dns/promises')> | undefined;
const loaded = () => (dns ??= import('node:dns/promises'));

/** The names an address has (PTR records): the reverse lookup of rules and logs. */
export async function reverseLookup(address: string): Promise<string[]> {
  return (await loaded()).reverse(address);
}

/** The first address of a host name in one family (4 or 6). */
export async function lookupOne(host: string, family: 4 | 6): Promise<LookupAddress> {
  return (await loaded()).lookup(host, { family });
}

/** Every address of a host name. */
export async function lookupAll(host: string): Promise<LookupAddress[]> {
  return (await loaded()).lookup(host, { all: true });
}
