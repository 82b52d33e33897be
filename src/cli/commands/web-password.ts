import { HearthError } from '../../errors/index.js';
import type { Command } from '../command.js';
import { EXIT } from '../exit-codes.js';

/** Makes the scrypt hash hearth.toml's [web] password keys take: the password itself never goes in a file. */
export const webPassword: Command = {
  name: 'web-password',
  summary: 'make a password hash for hearth.toml [web] (read from the terminal or stdin)',
  usage: 'web-password [--readonly]',
  description:
    'Prints a line to put in hearth.toml\'s [web] table. The password is typed without echo, or piped:\n' +
    '  printf %s "$PASSWORD" | hearth web-password\n' +
    '--readonly makes the line for a password that may only look, not change anything.',
  options: { readonly: { type: 'boolean', description: 'a read-only password (readonly_password_hash)' } },
  async run(ctx) {
    const password = await ctx.readSecret('Password for the web GUI: ');
    if (password.length < 8) throw new HearthError('ERR_USAGE', 'the password must have at least 8 characters');
    const { hashPassword } = await import('../../web/server/auth.js');
    const key = ctx.values.readonly === true ? 'readonly_password_hash' : 'password_hash';
    ctx.out.line(`${key} = "${await hashPassword(password)}"`);
    return EXIT.OK;
  },
};
