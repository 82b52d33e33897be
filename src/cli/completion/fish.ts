/**
 * fish completion for hearth, from the CompletionSpec. fish asks for service
 * names at the moment they are needed, through `hearth __complete services`.
 */
import type { CompletionFlag, CompletionSpec } from './spec.js';

/** A fish single-quoted string. */
function quote(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

function flagLine(condition: string, f: CompletionFlag): string {
  const parts = ['complete -c hearth', `-n ${quote(condition)}`, `-l ${f.long}`];
  if (f.short) parts.push(`-s ${f.short}`);
  if (f.takesValue) parts.push(f.long === 'socket' || f.long === 'config-dir' ? '-r -F' : '-x');
  if (f.description) parts.push(`-d ${quote(f.description)}`);
  return parts.join(' ');
}

export function fishCompletion(spec: CompletionSpec, version: string): string {
  const lines = [
    `# fish completion for hearth ${version}, written by "hearth completion fish".`,
    "# Verbs and flags come from hearth's command table; service names from the",
    '# running hearthd ("hearth __complete services").',
    '',
    'function __hearth_ask',
    '    set -l words (commandline -opc)',
    '    set -l socket',
    '    set -l i (contains -i -- --socket $words)',
    '    and set socket --socket $words[(math $i + 1)]',
    '    command -q $words[1]; or return',
    '    $words[1] $socket __complete $argv 2>/dev/null',
    'end',
    '',
    '# The arguments after the verb, flags left out.',
    'function __hearth_positionals',
    '    set -l words (commandline -opc)',
    '    set -e words[1]',
    '    set -l seen',
    '    set -l skip 0',
    '    for w in $words',
    '        if test $skip = 1',
    '            set skip 0',
    '        else if test "$w" = --socket',
    '            set skip 1',
    '        else if not string match -q -- "-*" $w',
    '            set seen $seen $w',
    '        end',
    '    end',
    '    set -e seen[1]',
    '    count $seen',
    'end',
    '',
    'complete -c hearth -f',
  ];
  for (const f of spec.globals) lines.push(flagLine('true', f));
  for (const c of spec.commands) {
    for (const name of [c.name, ...c.aliases]) lines.push(`complete -c hearth -n __fish_use_subcommand -a ${name} -d ${quote(c.summary)}`);
    const on = `__fish_seen_subcommand_from ${[c.name, ...c.aliases].join(' ')}`;
    // Global flags are offered everywhere already.
    for (const f of c.flags.filter((f) => !spec.globals.some((g) => g.long === f.long))) lines.push(flagLine(on, f));
    const dynamic = { services: '(__hearth_ask services)', catalog: '(__hearth_ask catalog)', commands: spec.commands.map((x) => x.name).join(' '), runlevels: '0 1 2 3 4 5 6', none: '' }[c.args];
    const first = c.secondWords.length ? `${on}; and test (__hearth_positionals) -eq 0` : on;
    const candidates = [c.words.join(' '), dynamic].filter(Boolean).join(' ');
    if (candidates) lines.push(`complete -c hearth -n ${quote(first)} -a ${quote(candidates)}`);
    if (c.secondWords.length) lines.push(`complete -c hearth -n ${quote(`${on}; and test (__hearth_positionals) -eq 1`)} -a ${quote(c.secondWords.join(' '))}`);
  }
  return `${lines.join('\n')}\n`;
}
