/**
 * hearth's five man pages, each built from the source the program itself
 * uses, so the pages cannot drift from `--help` or from the docs:
 *
 *   hearth(1)          the CLI's command registry (what `hearth help` prints)
 *   hearthd(8)         hearthd's option table (what `hearthd --help` prints)
 *   hearth.toml(5)     docs/hearth-toml.md
 *   hearth.service(5)  docs/services.md and the timer keys of docs/timers.md
 *   hearth-inetd(5)    docs/inetd-services.md
 *
 * Only the short framing text (NAME lines, FILES, SEE ALSO) is written here.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { COMMANDS, EXIT, GLOBAL_OPTIONS, PERSONALITIES, type OptionSpec } from '../src/cli/index.js';
import { HEARTHD_NOTES, HEARTHD_OPTIONS, HEARTHD_SUMMARY, HEARTHD_SYNOPSIS, type DaemonOptionSpec } from '../src/main/hearthd-usage.js';
import { renderMarkdown } from './markdown.js';
import { Roff, bold, italic, lineBreak, literal, text } from './roff.js';

export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

export interface ManPage {
  /** File name: hearth.1, hearth.service.5. */
  file: string;
  render(meta: { version: string; date: string }): string;
}

const SEE_ALSO = ['hearth(1)', 'hearthd(8)', 'hearth.toml(5)', 'hearth.service(5)', 'hearth-inetd(5)'];

function seeAlso(roff: Roff, self: string, others: string[] = []): void {
  const refs = [...SEE_ALSO.filter((r) => r !== self), ...others].map((r) => {
    const m = /^(.+)\((\d)\)$/.exec(r)!;
    return `${bold(text(m[1]!))}(${m[2]})`;
  });
  roff.section('See also').paragraph(refs.join(',\n'));
}

function doc(name: string): string {
  return readFileSync(join(REPO_ROOT, 'docs', name), 'utf8');
}

function header(name: string, section: number, meta: { version: string; date: string }): Roff {
  return new Roff({ title: name, section, date: meta.date, source: `hearth ${meta.version}`, manual: 'hearth manual' });
}

function optionFlag(name: string, o: OptionSpec | DaemonOptionSpec): string {
  return `${o.short ? `${literal(`-${o.short}`)}, ` : ''}${literal(`--${name}`)}${o.type === 'string' ? ` ${italic(text(o.valueName ?? 'VALUE'))}` : ''}`;
}

/** "status NAME… [--json]": the command in bold, placeholders in italics. */
function usageText(usage: string): string {
  return usage
    .split(/(\s+)/)
    .map((word, i) => (i === 0 ? literal(word) : /^[A-Z][A-Z0-9_.…]*$/.test(word.replace(/[[\]|…]/g, '')) && /[A-Z]/.test(word) ? italic(text(word)) : text(word)))
    .join('');
}

/** Help text written for a terminal: lines of one paragraph joined, blank lines between paragraphs. */
function helpParagraphs(s: string): string[] {
  return s.split(/\n\s*\n/).map((p) => p.split('\n').map((l) => l.trim()).join(' '));
}

const hearth1: ManPage = {
  file: 'hearth.1',
  render(meta) {
    const roff = header('hearth', 1, meta);
    roff.section('Name').paragraph(`hearth ${text('- control hearthd, the daemon manager')}`);
    const personalities = Object.keys(PERSONALITIES).map((name) => `${bold(text(name))} ...`);
    roff.section('Synopsis').paragraph([`${bold('hearth')} [${literal('--socket')} ${italic('PATH')}] [${literal('--json')}] ${italic('COMMAND')} [${italic('ARGS')}...]`, ...personalities].join(lineBreak));
    roff.section('Description').paragraph(
      text('hearth talks to hearthd(8), the daemon manager, over its control socket: it lists, starts, stops and inspects services, switches runlevels, and speaks the syntax of the classic tools (chkconfig, service, telinit, runlevel, ntsysv). "hearth help COMMAND" and "hearth COMMAND --help" print the same text as this page, from the same table.'),
    );

    roff.section('Commands');
    for (const cmd of COMMANDS.filter((c) => !c.hidden)) {
      const aliases = cmd.aliases?.length ? ` (${text(`also: ${cmd.aliases.join(', ')}`)})` : '';
      roff.tagged(`${bold('hearth')} ${usageText(cmd.usage)}${aliases}`, text(cmd.summary));
      for (const p of helpParagraphs(cmd.description ?? '')) if (p) roff.continuation(text(p));
      const options = Object.entries(cmd.options ?? {});
      if (options.length > 0) {
        roff.indent();
        for (const [name, o] of options) roff.tagged(optionFlag(name, o), text(o.description));
        roff.outdent();
      }
    }

    roff.section('Global options').paragraph(text('Given before the command, or after it.'));
    for (const [name, o] of Object.entries(GLOBAL_OPTIONS)) roff.tagged(optionFlag(name, o), text(o.description));

    roff.section('Other names').paragraph(
      text('Run through a link with one of these names, hearth takes the whole command line in that tool\'s own syntax and answers with its output and exit codes:'),
    );
    for (const [name, command] of Object.entries(PERSONALITIES)) roff.tagged(literal(name), text(`as "hearth ${command}"`));

    roff
      .section('Exit status')
      .tagged(literal(String(EXIT.OK)), text('success'))
      .tagged(literal(String(EXIT.FAILURE)), text('failure, or hearthd could not be reached'))
      .tagged(literal(String(EXIT.USAGE)), text('usage error'))
      .tagged(literal(String(EXIT.NOT_RUNNING)), text('status: the service is not running (as LSB says)'))
      .tagged(literal(String(EXIT.UNKNOWN_SERVICE)), text('status: no such service'));

    roff
      .section('Environment')
      .tagged(literal('HEARTH_SOCKET'), text('the control socket, when --socket is not given'))
      .tagged(literal('NO_COLOR'), text('no colours even on a terminal; FORCE_COLOR forces them'))
      .tagged(literal('HEARTH_DEBUG'), text('print the stack of an internal error'));
    roff
      .section('Files')
      .tagged(literal('/run/hearth/hearth.sock'), text("hearthd's control socket when it runs as root; an ordinary user's hearthd listens in $XDG_RUNTIME_DIR/hearth/"));
    seeAlso(roff, 'hearth(1)');
    return roff.toString();
  },
};

const hearthd8: ManPage = {
  file: 'hearthd.8',
  render(meta) {
    const roff = header('hearthd', 8, meta);
    roff.section('Name').paragraph(`hearthd ${text('- the hearth daemon manager')}`);
    roff.section('Synopsis').paragraph(usageText(HEARTHD_SYNOPSIS));
    roff
      .section('Description')
      .paragraph(text(HEARTHD_SUMMARY))
      .paragraph(
        text(
          'hearthd supervises native services (hearth.service(5)), SysV init scripts, pre-forked worker pools, inetd-style services through its super-server (hearth-inetd(5)) and timers, in runlevels 0 to 6 with dependency order. hearth(1) controls it over a unix socket; it also serves a web GUI on 127.0.0.1:9119 unless hearth.toml(5) says otherwise.',
        ),
      );
    roff.section('Options');
    for (const [name, spec] of Object.entries(HEARTHD_OPTIONS)) roff.tagged(optionFlag(name, spec), text(spec.description));
    roff.section('Directories and signals');
    for (const note of HEARTHD_NOTES) roff.paragraph(text(note));
    roff
      .section('As PID 1')
      .paragraph(
        text(
          'In a container hearthd may be the first process. Node reaps only the children it started, so hearthd then runs under hearth-init, a small native helper that reaps orphaned processes and passes signals on; without it, under tini if that is installed; with neither it refuses to start rather than leave zombies behind. SIGTERM to PID 1 stops every service in order and ends with exit status 0.',
        ),
      );
    roff
      .section('Environment')
      .tagged(literal('HEARTH_SUBREAPER'), text('when set, hearthd runs under hearth-init as a subreaper even when it is not PID 1, so processes its services leave behind stay under it'));
    roff
      .section('Files')
      .tagged(literal('/etc/hearth/hearth.toml'), text('daemon settings, hearth.toml(5)'))
      .tagged(literal('/etc/hearth/services/'), text('native service files, hearth.service(5)'))
      .tagged(literal('/etc/hearth/init.d/'), text('SysV init scripts with LSB or chkconfig headers'))
      .tagged(`${literal('/etc/hearth/xinetd.conf')}, ${literal('/etc/hearth/xinetd.d/')}, ${literal('/etc/hearth/inetd.conf')}`, text('inetd-style services, hearth-inetd(5)'))
      .tagged(`${literal('/etc/hearth/crontab')}, ${literal('/etc/hearth/cron.d/')}`, text('cron tables, run unchanged'))
      .tagged(literal('/run/hearth/hearth.sock'), text('the control socket'))
      .tagged(literal('/var/lib/hearth/'), text('enablement and other state'))
      .tagged(literal('/var/log/hearth/'), text("each service's log, and hearthd's own"));
    seeAlso(roff, 'hearthd(8)');
    return roff.toString();
  },
};

function docPage(file: string, name: string, section: number, summary: string, render: (roff: Roff) => void): ManPage {
  return {
    file,
    render(meta) {
      const roff = header(name, section, meta);
      roff.section('Name').paragraph(`${text(name)} ${text(`- ${summary}`)}`);
      roff.section('Description');
      render(roff);
      seeAlso(roff, `${name}(${section})`);
      return roff.toString();
    },
  };
}

const hearthToml5 = docPage('hearth.toml.5', 'hearth.toml', 5, "hearthd's own settings", (roff) => renderMarkdown(roff, doc('hearth-toml.md')));

const hearthService5 = docPage('hearth.service.5', 'hearth.service', 5, 'native service files of hearth', (roff) => {
  renderMarkdown(roff, doc('services.md'));
  renderMarkdown(roff, doc('timers.md'), { sections: ['Native timers'], skipIntro: true });
});

const hearthInetd5 = docPage('hearth-inetd.5', 'hearth-inetd', 5, "what hearth's super-server reads of xinetd.conf, xinetd.d and inetd.conf", (roff) =>
  renderMarkdown(roff, doc('inetd-services.md'), {
    sections: ['xinetd files, read unchanged', 'Native TOML spelling', 'What a server gets', 'How servers are started'],
  }),
);

export const MAN_PAGES: readonly ManPage[] = [hearth1, hearthd8, hearthToml5, hearthService5, hearthInetd5];
