/**
 * `hearth fleet VERB …`: many hearthd hosts, one desired state on etcd (see
 * docs/fleet.md). This module stays cheap to import: each verb and the fleet
 * library are loaded only when used.
 */
import { HearthError } from '../../../errors/index.js';
import { didYouMean } from '../../../model/index.js';
import type { Command, CommandContext } from '../../command.js';

type Verb = (ctx: CommandContext) => Promise<number>;

const VERBS: Record<string, () => Promise<Verb>> = {
  hosts: async () => (await import('./read.js')).hosts,
  status: async () => (await import('./read.js')).status,
  audit: async () => (await import('./read.js')).audit,
  apply: async () => (await import('./change.js')).apply,
  diff: async () => (await import('./change.js')).diff,
  rollback: async () => (await import('./change.js')).rollback,
  restart: async () => (await import('./restart.js')).restart,
  'print-roles': async () => (await import('./roles.js')).printRolesCommand,
};

export const fleet: Command = {
  name: 'fleet',
  summary: 'the fleet on etcd: hosts, status, apply/diff/rollback desired state, rolling restart, audit, roles',
  usage: 'fleet hosts|status [UNIT]|apply DIR|diff DIR|rollback BUNDLE|restart UNIT|audit|print-roles [--selector K=V] [--json]',
  description:
    'hosts: every host that joined, up or down, with labels, last seen, units and failing units.\n' +
    'status [UNIT]: one line per host and unit (with UNIT: one per host, "absent" where it lacks it).\n' +
    'apply DIR --selector K=V: check DIR as "hearth check" would, then store it as the bundle for those hosts\n' +
    '  (one etcd transaction); diff DIR --selector K=V: what apply would change, and which hosts it reaches;\n' +
    '  rollback BUNDLE [--to N]: an earlier version back, as a new version.\n' +
    'restart UNIT --selector K=V [--rolling [--max-unavailable N]]: each host restarts UNIT and answers once it\n' +
    '  is ready; --rolling takes N hosts at a time and stops at the first failure.\n' +
    'audit: findings per host and the risky daemons each runs. print-roles: the etcdctl commands for RBAC.\n' +
    'etcd and credentials come from [fleet] in hearth.toml of --config-dir DIR (else the running hearthd\'s\n' +
    'config dir), as admin_user when set; --endpoints, --user and --password-file override.',
  options: {
    selector: { type: 'string', valueName: 'K=V', description: 'hosts by label (role=web,dc=fra1), one host (host=web1), or every host (*)' },
    bundle: { type: 'string', valueName: 'NAME', description: 'apply/diff: the bundle name (default: named after the selector)' },
    to: { type: 'string', valueName: 'N', description: 'rollback: the version to restore (default: the one before the current)' },
    rolling: { type: 'boolean', description: 'restart: a few hosts at a time, stopping at the first failure' },
    'max-unavailable': { type: 'string', valueName: 'N', description: 'restart --rolling: hosts restarting at once (default 1)' },
    timeout: { type: 'string', valueName: 'DURATION', description: 'restart: how long one host may take to be ready again (default 60s)' },
    'skip-down': { type: 'boolean', description: 'restart: leave out hosts that are down instead of stopping at them' },
    hosts: { type: 'string', valueName: 'H1,H2', description: 'print-roles: the hosts (default: every host that joined)' },
    'enable-auth': { type: 'boolean', description: 'print-roles: also create root and enable etcd auth' },
    'config-dir': { type: 'string', valueName: 'DIR', description: 'read [fleet] from DIR/hearth.toml (default: the running hearthd\'s config dir)' },
    endpoints: { type: 'string', valueName: 'URLS', description: 'etcd client URLs, comma-separated, instead of [fleet] endpoints' },
    user: { type: 'string', valueName: 'NAME', description: 'etcd user for this command (with --password-file), instead of [fleet] admin_user' },
    'password-file': { type: 'string', valueName: 'FILE', description: "file holding --user's password" },
  },
  async run(ctx) {
    const verb = ctx.args[0];
    const load = verb !== undefined ? VERBS[verb] : undefined;
    if (!load) {
      const hint = verb ? didYouMean(verb, Object.keys(VERBS)) : undefined;
      throw new HearthError('ERR_USAGE', verb ? `unknown fleet command "${verb}"` : 'fleet needs a command', { hint: hint ?? `one of: ${Object.keys(VERBS).join(', ')}` });
    }
    return (await load())(ctx);
  },
};
