/**
 * Terminal input → key names. Escape sequences arrive whole in one read in
 * practice (a terminal writes them at once), so a chunk is decoded on its own;
 * a lone ESC is the Escape key.
 */
export type Key =
  | 'up' | 'down' | 'left' | 'right' | 'pgup' | 'pgdn' | 'home' | 'end'
  | 'tab' | 'backtab' | 'enter' | 'space' | 'esc' | 'backspace' | 'f1' | 'f12' | 'ctrl-c'
  | { char: string };

const SEQUENCES: Record<string, Key> = {
  '\x1b[A': 'up', '\x1bOA': 'up',
  '\x1b[B': 'down', '\x1bOB': 'down',
  '\x1b[C': 'right', '\x1bOC': 'right',
  '\x1b[D': 'left', '\x1bOD': 'left',
  '\x1b[5~': 'pgup', '\x1b[6~': 'pgdn',
  '\x1b[H': 'home', '\x1bOH': 'home', '\x1b[1~': 'home', '\x1b[7~': 'home',
  '\x1b[F': 'end', '\x1bOF': 'end', '\x1b[4~': 'end', '\x1b[8~': 'end',
  '\x1b[Z': 'backtab',
  '\x1bOP': 'f1', '\x1b[11~': 'f1', '\x1b[[A': 'f1',
  '\x1b[24~': 'f12',
};

export function decodeKeys(input: string): Key[] {
  const keys: Key[] = [];
  let i = 0;
  while (i < input.length) {
    const ch = input[i]!;
    if (ch === '\x1b') {
      const seq = Object.keys(SEQUENCES).filter((s) => input.startsWith(s, i)).sort((a, b) => b.length - a.length)[0];
      if (seq) {
        keys.push(SEQUENCES[seq]!);
        i += seq.length;
        continue;
      }
      // An unknown CSI sequence is skipped whole rather than read as letters.
      const csi = /^\x1b\[[0-9;]*[~A-Za-z]/.exec(input.slice(i));
      if (csi) {
        i += csi[0].length;
        continue;
      }
      keys.push('esc');
      i++;
      continue;
    }
    i++;
    if (ch === '\t') keys.push('tab');
    else if (ch === '\r' || ch === '\n') keys.push('enter');
    else if (ch === ' ') keys.push('space');
    else if (ch === '\x7f' || ch === '\b') keys.push('backspace');
    else if (ch === '\x03') keys.push('ctrl-c');
    else if (ch >= ' ') keys.push({ char: ch });
  }
  return keys;
}
