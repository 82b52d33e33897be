/**
 * `hearth fleet print-roles`: the etcdctl commands that confine each host to
 * its own keys. Hosts come from --hosts, else from the hosts that have joined.
 */
import { HearthError } from '../../../errors/index.js';
import type { CommandContext } from '../../command.js';
import { EXIT } from '../../exit-codes.js';
import { withAdmin } from './connect.js';

export async function printRolesCommand(ctx: CommandContext): Promise<number> {
  const { printRoles, renderRoles } = await import('../../../fleet/index.js');
  const given = ctx.values.hosts;
  const hosts =
    typeof given === 'string'
      ? given.split(',').map((h) => h.trim()).filter(Boolean)
      : (await withAdmin(ctx, (admin) => admin.hosts(undefined, { names: true }))).map((h) => h.name);
  if (hosts.length === 0) throw new HearthError('ERR_USAGE', 'no hosts to print roles for', { hint: 'pass --hosts web1,web2,…' });
  const commands = printRoles({ hosts, enableAuth: ctx.values['enable-auth'] === true });
  if (ctx.json) ctx.out.json(commands);
  else ctx.out.raw(renderRoles(commands));
  return EXIT.OK;
}
