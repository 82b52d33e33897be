/** Where a command's text goes, and whether it may be colored. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env?: Record<string, string | undefined>;
  /** Is stdout a terminal? Colors are only used on one. */
  isTTY?: boolean;
  /** The terminal's width in columns, when stdout is one: tables are fitted to it. */
  columns?: number;
  cwd?: string;
  signal?: AbortSignal;
  /** A secret typed without echo, or piped in (web-password). */
  readSecret?: (prompt: string) => Promise<string>;
}

import { renderTable, type Column } from './table.js';

const CODES = { red: 31, green: 32, yellow: 33, blue: 34, cyan: 36, bold: 1, dim: 2 } as const;
export type ColorName = keyof typeof CODES;

/**
 * Line-oriented output. Colors follow the NO_COLOR convention and are off when
 * stdout is not a terminal, so pipes and tests see plain text.
 */
export class Output {
  readonly color: boolean;
  /** Columns a line may take: the terminal's width ($COLUMNS overrides it); unlimited when piped. */
  readonly width: number;

  constructor(private readonly io: CliIo) {
    const env = io.env ?? {};
    const forced = env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '' && env.FORCE_COLOR !== '0';
    this.color = forced || (Boolean(io.isTTY) && !env.NO_COLOR && env.TERM !== 'dumb');
    const fromEnv = Number(env.COLUMNS);
    if (Number.isInteger(fromEnv) && fromEnv > 0) this.width = fromEnv;
    else if (io.isTTY && io.columns && io.columns > 0) this.width = io.columns;
    else this.width = Infinity;
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

  /**
   * Columns padded to the widest cell and fitted to the terminal (see table.ts);
   * colors are applied after padding so they do not skew widths.
   */
  table(columns: ReadonlyArray<Column | string>, rows: string[][], paintCell?: (row: number, col: number, padded: string) => string): void {
    const specs = columns.map((c) => (typeof c === 'string' ? { header: c } : c));
    const lines = renderTable(specs, rows, this.width, (row, col, padded) => {
      if (row < 0) return this.paint('bold', padded);
      return paintCell ? paintCell(row, col, padded) : padded;
    });
    // One write for the whole table: a 1000-row list is one system call, not 1000.
    this.io.stdout(`${lines.join('\n')}\n`);
  }
}
