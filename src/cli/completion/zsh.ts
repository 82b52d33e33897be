/**
 * zsh completion for hearth (a #compdef file for a directory on $fpath), from
 * the CompletionSpec: verbs with their summaries, each command's flags with
 * their descriptions, service names from the running hearthd.
 */
import type { CompletionCommand, CompletionFlag, CompletionSpec } from './spec.js';

/** Text inside an _arguments spec's [description] or a _describe entry, in single quotes. */
function describe(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/'/g, "'\\''").replace(/([[\]:])/g, '\\$1');
}

function flagSpec(f: CompletionFlag): string[] {
  const value = f.takesValue ? `:${f.long}:${f.long === 'config-dir' || f.long === 'socket' ? '_files' : ' '}` : '';
  const text = describe(f.description || f.long);
  if (!f.short) return [`'--${f.long}[${text}]${value}'`];
  return [`'(-${f.short} --${f.long})'{-${f.short},--${f.long}}'[${text}]${value}'`];
}

function argSpec(c: CompletionCommand): string[] {
  const words = c.words.join(' ');
  switch (c.args) {
    case 'services':
      if (c.secondWords.length) return [`'1:service:_hearth_services'`, `'2:action:(${c.secondWords.join(' ')})'`];
      return [`'*:service:_hearth_services${words ? ` ${words}` : ''}'`];
    case 'catalog':
      return [`'1:daemon:_hearth_catalog'`];
    case 'commands':
      return [`'1:command:_hearth_commands'`];
    case 'runlevels':
      return [`'1:runlevel:(0 1 2 3 4 5 6)'`];
    case 'none':
      return words ? [`'*:word:(${words})'`] : [];
  }
}

export function zshCompletion(spec: CompletionSpec, version: string): string {
  const verbs = spec.commands.flatMap((c) => [c, ...c.aliases.map((a) => ({ ...c, name: a }))]).map((c) => `    '${c.name}:${describe(c.summary)}'`);
  const cases = spec.commands.map((c) => {
    const specs = [...c.flags.flatMap(flagSpec), ...argSpec(c)];
    return `    ${[c.name, ...c.aliases].join('|')})\n      _arguments -s ${specs.join(' \\\n        ')} ;;`;
  });
  return `#compdef hearth
# zsh completion for hearth ${version}, written by "hearth completion zsh".
# Verbs and flags come from hearth's command table; service names from the
# running hearthd ("hearth __complete services").

# _arguments narrows $words to the verb's own arguments: the whole line is kept in _hearth_line.
_hearth_ask() {
  local -a socket
  local i=\${_hearth_line[(I)--socket]}
  (( i > 0 )) && socket=(--socket "\${_hearth_line[i+1]}")
  \${_hearth_line[1]} "\${socket[@]}" __complete "$1" 2>/dev/null
}

# Extra arguments are fixed words offered beside the names (analyze blame).
_hearth_services() {
  local -a names
  names=(\${(f)"$(_hearth_ask services)"})
  (( $# )) && compadd -- "$@"
  _describe -t services 'service' names
}

_hearth_catalog() {
  local -a names
  names=(\${(f)"$(_hearth_ask catalog)"})
  _describe -t daemons 'daemon' names
}

_hearth_commands() {
  local -a verbs
  verbs=(
${verbs.join('\n')}
  )
  _describe -t commands 'hearth command' verbs
}

_hearth() {
  local -a _hearth_line=("\${words[@]}")
  local curcontext="$curcontext" state line
  typeset -A opt_args
  _arguments -C \\
    ${spec.globals.flatMap(flagSpec).join(' \\\n    ')} \\
    '1:command:_hearth_commands' \\
    '*::argument:->command'
  [[ $state == command ]] || return
  curcontext="\${curcontext%:*:*}:hearth-$line[1]:"
  case $line[1] in
${cases.join('\n')}
  esac
}

_hearth "$@"
`;
}
