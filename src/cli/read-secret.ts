/**
 * Reads a secret for a command: typed at a terminal without echo (after a
 * prompt on stderr), or the first line of piped stdin.
 */
export function readSecret(prompt: string, input: NodeJS.ReadStream = process.stdin, output: NodeJS.WriteStream = process.stderr): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    if (!input.isTTY) {
      input.setEncoding('utf8');
      input.on('data', (c: string) => (text += c));
      input.on('end', () => resolve(text.split(/\r?\n/)[0] ?? ''));
      input.on('error', reject);
      return;
    }
    output.write(prompt);
    input.setRawMode(true);
    input.setEncoding('utf8');
    const done = (value: string | null) => {
      input.setRawMode(false);
      input.pause();
      input.off('data', onData);
      output.write('\n');
      if (value === null) reject(new Error('cancelled'));
      else resolve(value);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') return done(text);
        if (ch === '\u0003' || ch === '\u0004') return done(null);
        if (ch === '\u007f' || ch === '\b') text = text.slice(0, -1);
        else if (ch >= ' ') text += ch;
      }
    };
    input.on('data', onData);
    input.resume();
  });
}
