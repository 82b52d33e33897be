/**
 * Where everything lives in etcd. One layout, written once, so the RBAC roles
 * (rbac.ts) and the code that reads and writes keys can never disagree.
 *
 *   /hearth/hosts/NAME/alive      on the host's lease: present while it is up
 *   /hearth/hosts/NAME/info       labels, start time, hearth version
 *   /hearth/hosts/NAME/report     compact unit summary, conflicts, applied set
 *   /hearth/hosts/NAME/ack        answer to the last control request
 *   /hearth/control/NAME/request  a request to the host (restart a unit), on the requester's lease
 *   /hearth/desired/bundles/B     the current version of bundle B (files + selector)
 *   /hearth/desired/history/B/V   every applied version V of bundle B, for rollback
 *
 * A host writes only under its own /hearth/hosts/NAME/ and reads /hearth/desired/
 * and /hearth/control/NAME/; the admin writes /hearth/desired/ and /hearth/control/.
 */
export const ROOT = '/hearth/';
export const HOSTS = '/hearth/hosts/';
export const DESIRED = '/hearth/desired/';
export const BUNDLES = '/hearth/desired/bundles/';
export const HISTORY = '/hearth/desired/history/';
export const CONTROL = '/hearth/control/';

export const hostPrefix = (host: string): string => `${HOSTS}${host}/`;
export const aliveKey = (host: string): string => `${hostPrefix(host)}alive`;
export const infoKey = (host: string): string => `${hostPrefix(host)}info`;
export const reportKey = (host: string): string => `${hostPrefix(host)}report`;
export const ackKey = (host: string): string => `${hostPrefix(host)}ack`;
export const controlPrefix = (host: string): string => `${CONTROL}${host}/`;
export const requestKey = (host: string): string => `${controlPrefix(host)}request`;
export const bundleKey = (bundle: string): string => `${BUNDLES}${bundle}`;
export const historyPrefix = (bundle: string): string => `${HISTORY}${bundle}/`;
/** Zero-padded so that etcd's byte order is version order. */
export const historyKey = (bundle: string, version: number): string => `${historyPrefix(bundle)}${String(version).padStart(10, '0')}`;

/** Splits "/hearth/hosts/web1/report" into ["web1", "report"]. */
export function parseHostKey(key: string): { host: string; leaf: string } | undefined {
  if (!key.startsWith(HOSTS)) return undefined;
  const rest = key.slice(HOSTS.length);
  const slash = rest.indexOf('/');
  if (slash <= 0) return undefined;
  return { host: rest.slice(0, slash), leaf: rest.slice(slash + 1) };
}
