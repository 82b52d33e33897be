/**
 * The etcd roles that confine each host to its own keys, as etcdctl commands.
 * A host may read the desired state and its own control requests and write
 * only under /hearth/hosts/NAME/; the admin role may do everything under
 * /hearth/. Commands are argument lists (run them without a shell) and are
 * also rendered as text for a person to paste.
 */
import { FLEET_NAME } from '../config/index.js';
import { HearthError } from '../errors/index.js';
import { DESIRED, ROOT, controlPrefix, hostPrefix } from './keys.js';

export interface RoleCommand {
  /** etcdctl's arguments (after any --endpoints/--user). */
  argv: string[];
  /** Set when the command reads a password on stdin. */
  readsPassword?: boolean;
  comment?: string;
}

export interface PrintRolesOptions {
  hosts: readonly string[];
  adminUser?: string;
  /** Users without passwords, for client-certificate (CN) login over etcd's gRPC port. */
  certificateUsers?: boolean;
  /** Include creating root and enabling auth (needed once per cluster). */
  enableAuth?: boolean;
}

export const hostRole = (host: string): string => `hearth-host-${host}`;
export const ADMIN_ROLE = 'hearth-admin';

export function printRoles(options: PrintRolesOptions): RoleCommand[] {
  const admin = options.adminUser ?? ADMIN_ROLE;
  for (const h of options.hosts) {
    if (!FLEET_NAME.test(h)) throw new HearthError('ERR_USAGE', `host name ${JSON.stringify(h)} cannot name a fleet host`);
  }
  const userAdd = (user: string): RoleCommand =>
    options.certificateUsers
      ? { argv: ['user', 'add', user, '--no-password'], comment: `${user} logs in with a client certificate whose CN is "${user}"` }
      : { argv: ['user', 'add', user, '--interactive=false'], readsPassword: true, comment: `reads ${user}'s password on stdin` };
  const out: RoleCommand[] = [];
  if (options.enableAuth) {
    out.push(
      { ...userAdd('root'), comment: 'etcd needs a root user before auth can be enabled' },
      { argv: ['user', 'grant-role', 'root', 'root'] },
    );
  }
  out.push(
    { argv: ['role', 'add', ADMIN_ROLE], comment: 'the admin: apply, rollback, restart requests' },
    { argv: ['role', 'grant-permission', ADMIN_ROLE, '--prefix=true', 'readwrite', ROOT] },
    userAdd(admin),
    { argv: ['user', 'grant-role', admin, ADMIN_ROLE] },
  );
  for (const host of options.hosts) {
    const role = hostRole(host);
    out.push(
      { argv: ['role', 'add', role], comment: `host ${host}: writes only its own keys` },
      { argv: ['role', 'grant-permission', role, '--prefix=true', 'readwrite', hostPrefix(host)] },
      { argv: ['role', 'grant-permission', role, '--prefix=true', 'read', DESIRED] },
      { argv: ['role', 'grant-permission', role, '--prefix=true', 'read', controlPrefix(host)] },
      userAdd(role),
      { argv: ['user', 'grant-role', role, role] },
    );
  }
  if (options.enableAuth) out.push({ argv: ['auth', 'enable'], comment: 'from now on every request needs a user' });
  return out;
}

/** The commands as a person pastes them: one per line, comments above, values quoted when needed. */
export function renderRoles(commands: readonly RoleCommand[]): string {
  const quote = (a: string) => (/^[A-Za-z0-9_./=:,@-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);
  return commands.map((c) => `${c.comment ? `# ${c.comment}\n` : ''}etcdctl ${c.argv.map(quote).join(' ')}`).join('\n') + '\n';
}
