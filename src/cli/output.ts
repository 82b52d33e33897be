/** Where a command's text goes, and whether it may be colored. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env?: Record<string, string | undefined>;
  /** Is stdout a terminal? Colors are only used on one. */
  isTTY?: boolean;
  cwd?: string;
  signal?: AbortSignal;
  /** A secret typed without echo, or piped in (web-password). */
  readSecret?: (prompt: string) => Promise<string>;
}

const CODES = { red: 31, green: 32, yellow: 33, blue: 34, cyan: 36, bold: 1, dim: 2 } as const;
export type ColorName = keyof typeof CODES;

/**
 * Line-oriented output. Colors follow the NO_COLOR convention and are off when
 * stdout is not a terminal, so pipes and tests see plain text.
 */
export class Output {
  readonly color: boolean;

  constructor(private readonly io: CliIo) {
    const env = io.env ?? {};
    const forced = env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '' && env.FORCE_COLOR !== '0';
    this.color = forced || (Boolean(io.isTTY) && !env.NO_COLOR && env.TERM !== 'dumb');
  }

  line(text = ''): void {
    this.io.stdout(`${text}\n`);
  }

  error(text: string): void {
    this.io.stderr(`${text}\n`);
  }

  /** Exactly these bytes, no newline added: classic tools' output that scripts parse. */
  raw(stdout: string, stderr = ''): void {
    if (stdout) this.io.stdout(stdout);
    if (stderr) this.io.stderr(stderr);
  }

  json(value: unknown): void {
    this.io.stdout(`${JSON.stringify(value, null, 2)}\n`);
  }

  paint(name: ColorName, text: string): string {
    return this.color ? `\x1b[${CODES[name]}m${text}\x1b[0m` : text;
  }

  /** Columns padded to the widest cell; colors applied after padding so they do not skew widths. */
  table(headers: string[], rows: string[][], paintCell?: (row: number, col: number, padded: string) => string): void {
    const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
    const render = (cells: string[], row: number): string =>
      cells
        .map((c, i) => {
          const last = i === cells.length - 1;
          const padded = last ? c : c.padEnd(widths[i]!);
          if (row < 0) return this.paint('bold', padded);
          return paintCell ? paintCell(row, i, padded) : padded;
        })
        .join('  ')
        .trimEnd();
    // One write for the whole table: a 1000-row list is one system call, not 1000.
    const lines = [render(headers, -1), ...rows.map((r, i) => render(r, i))];
    this.io.stdout(`${lines.join('\n')}\n`);
  }
}
