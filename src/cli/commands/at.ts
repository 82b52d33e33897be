import { HearthError } from '../../errors/index.js';
import { formatTimestamp } from '../../model/index.js';
import type { Command, CommandContext } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { commandHelp } from '../help-text.js';

/** at and batch read their own syntax, so --help is theirs to notice: only before "--" (after it, it belongs to the job). */
function wantsHelp(ctx: CommandContext): boolean {
  const dash = ctx.rawArgs.indexOf('--');
  return (dash >= 0 ? ctx.rawArgs.slice(0, dash) : ctx.rawArgs).some((a) => a === '--help' || a === '-h');
}

function timeText(at: number): string {
  return formatTimestamp(at, { zone: true });
}

/** The command after "--", as one shell line (at's jobs are shell commands, as at(1) reads them from stdin). */
function commandOf(ctx: CommandContext, what: string): string {
  const dash = ctx.rawArgs.indexOf('--');
  const words = dash >= 0 ? ctx.rawArgs.slice(dash + 1) : [];
  if (words.length === 0) throw new HearthError('ERR_USAGE', `${what} needs a command after "--"`, { hint: `hearth ${what === 'batch' ? 'batch' : 'at now + 5 minutes'} -- make -C /srv/site` });
  return words.join(' ');
}

/** Queues the job and says when it will run, as at(1) does on stderr. */
async function queue(ctx: CommandContext, when: number | 'batch', what: string): Promise<number> {
  const job = await ctx.client().atAdd({ at: when, command: commandOf(ctx, what), cwd: ctx.cwd });
  if (ctx.json) ctx.out.json(job);
  else ctx.out.error(`job ${job.id} ${job.batch ? 'queued for when the load is low' : `at ${timeText(job.at)}`}`);
  return EXIT.OK;
}

export const at: Command = {
  name: 'at',
  summary: 'run a command once, later: at TIME -- COMMAND (atd in hearthd)',
  usage: 'at TIME -- COMMAND…',
  description:
    'TIME: now | now + N minutes|hours|days|weeks | HH:MM | noon | midnight | teatime [today|tomorrow] | YYYY-MM-DD HH:MM.\n' +
    'The command runs through /bin/sh, in the current directory, as hearthd\'s user; its output is in "hearth logs at-ID".',
  rawArgs: true,
  async run(ctx) {
    if (wantsHelp(ctx)) {
      ctx.out.line(commandHelp(at));
      return EXIT.OK;
    }
    const dash = ctx.rawArgs.indexOf('--');
    const timeWords = dash >= 0 ? ctx.rawArgs.slice(0, dash) : ctx.rawArgs;
    if (timeWords.length === 0) throw new HearthError('ERR_USAGE', 'at needs a TIME', { hint: 'hearth at now + 5 minutes -- COMMAND' });
    const { parseAtTime } = await import('../../schedule/index.js');
    return queue(ctx, parseAtTime(timeWords.join(' '), new Date()).getTime(), 'at');
  },
};

export const batch: Command = {
  name: 'batch',
  summary: 'run a command once, when the load average drops below 1.5',
  usage: 'batch -- COMMAND…',
  rawArgs: true,
  run(ctx) {
    if (!wantsHelp(ctx)) return queue(ctx, 'batch', 'batch');
    ctx.out.line(commandHelp(batch));
    return Promise.resolve(EXIT.OK);
  },
};

export const atq: Command = {
  name: 'atq',
  summary: 'list the jobs queued with at and batch',
  usage: 'atq [--json]',
  async run(ctx) {
    const jobs = await ctx.client().atList();
    if (ctx.json) ctx.out.json(jobs);
    else for (const j of jobs) ctx.out.line(`${j.id}\t${j.batch ? 'batch' : timeText(j.at)}\t${j.command}`);
    return EXIT.OK;
  },
};

export const atrm: Command = {
  name: 'atrm',
  summary: 'remove queued at/batch jobs by number',
  usage: 'atrm JOB…',
  async run(ctx) {
    if (ctx.args.length === 0 || !ctx.args.every((a) => /^\d+$/.test(a))) throw new HearthError('ERR_USAGE', 'atrm needs job numbers', { hint: 'see "hearth atq"' });
    const { missing } = await ctx.client().atRemove(ctx.args.map(Number));
    for (const id of missing) ctx.out.error(`${ctx.programName}: cannot find job ${id}`);
    return missing.length ? EXIT.FAILURE : EXIT.OK;
  },
};
