/**
 * bash completion for hearth, from the CompletionSpec. Service names come
 * from the running hearthd through the same hearth binary being completed
 * (`${COMP_WORDS[0]}`), with the --socket already typed on the line.
 */
import { flagWords, type CompletionSpec } from './spec.js';

/** A word list for compgen -W: our words are [a-z0-9-] only, nothing to quote. */
const list = (words: readonly string[]): string => words.join(' ');

export function bashCompletion(spec: CompletionSpec, version: string): string {
  const globals = flagWords(spec.globals);
  const valueFlags = (flags: CompletionSpec['globals']) => flagWords(flags.filter((f) => f.takesValue));
  const names = spec.commands.flatMap((c) => [c.name, ...c.aliases]);
  const cases = spec.commands.map((c) => {
    const pattern = [c.name, ...c.aliases].join('|');
    return [
      `    ${pattern})`,
      `      flags="${list(flagWords(c.flags))}"`,
      `      value_flags="${list(valueFlags(c.flags))}"`,
      `      words="${list(c.words)}"; second="${list(c.secondWords)}"; args=${c.args} ;;`,
    ].join('\n');
  });
  return `# bash completion for hearth ${version}, written by "hearth completion bash".
# Verbs and flags come from hearth's command table; service names from the
# running hearthd ("hearth __complete services").

_hearth_ask() {
  local i socket=()
  for ((i = 1; i < \${#COMP_WORDS[@]} - 1; i++)); do
    if [[ \${COMP_WORDS[i]} == --socket ]]; then socket=(--socket "\${COMP_WORDS[i + 1]}"); fi
  done
  "\${COMP_WORDS[0]}" "\${socket[@]}" __complete "$1" 2>/dev/null
}

_hearth() {
  local cur=\${COMP_WORDS[COMP_CWORD]} prev=\${COMP_WORDS[COMP_CWORD - 1]}
  local i cmd="" positionals=0 flags words second value_flags args=none
  COMPREPLY=()
  for ((i = 1; i < COMP_CWORD; i++)); do
    case \${COMP_WORDS[i]} in
      --socket) ((i++)) ;;
      -*) ;;
      *) if [[ -z $cmd ]]; then cmd=\${COMP_WORDS[i]}; else ((positionals++)); fi ;;
    esac
  done
  if [[ $prev == --socket ]]; then
    COMPREPLY=($(compgen -f -- "$cur"))
    return
  fi
  if [[ -z $cmd ]]; then
    if [[ $cur == -* ]]; then
      COMPREPLY=($(compgen -W "${list(globals)}" -- "$cur"))
    else
      COMPREPLY=($(compgen -W "${list(names)}" -- "$cur"))
    fi
    return
  fi
  case $cmd in
${cases.join('\n')}
    *) return ;;
  esac
  local f
  for f in $value_flags; do
    if [[ $prev == "$f" ]]; then
      [[ $f == --config-dir ]] && COMPREPLY=($(compgen -d -- "$cur"))
      return
    fi
  done
  if [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "$flags" -- "$cur"))
    return
  fi
  if [[ -n $second && $positionals -ge 1 ]]; then
    COMPREPLY=($(compgen -W "$second" -- "$cur"))
    return
  fi
  local dynamic=""
  case $args in
    services) dynamic=$(_hearth_ask services) ;;
    catalog) dynamic=$(_hearth_ask catalog) ;;
    commands) dynamic="${list(names)}" ;;
    runlevels) dynamic="0 1 2 3 4 5 6" ;;
  esac
  COMPREPLY=($(compgen -W "$words $dynamic" -- "$cur"))
}

complete -F _hearth hearth
`;
}
