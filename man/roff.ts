/**
 * Writing man(7) pages: escaping and the handful of macros every man
 * formatter (groff, mandoc) understands. Inline text is built with the
 * helpers below and is already escaped; block methods take such text.
 */

/**
 * Plain text made safe for roff: a backslash would start an escape, and a
 * line that begins with "." or "'" would be read as a request.
 */
export function text(s: string): string {
  return s
    .replace(/\\/g, '\\e')
    .replace(/-/g, '\\-')
    .replace(/\u2026/g, '...')
    .replace(/\u2192/g, '->')
    .replace(/\u00d7/g, 'x')
    .replace(/\u2265/g, '>=')
    .replace(/\u2013|\u2014/g, '\\-');
}

export const bold = (s: string): string => `\\fB${s}\\fR`;
export const italic = (s: string): string => `\\fI${s}\\fR`;
/** Literal text, such as a key, a value or a command: bold, as man pages show what to type. */
export const literal = (s: string): string => bold(text(s));

/** Joins inline texts with a line break between them. */
const LINE_BREAK = '.br';
export const lineBreak = `\n${LINE_BREAK}\n`;

/** A line of roff text must not start with a control character. */
function safeLine(line: string): string {
  return /^[.']/.test(line) ? `\\&${line}` : line;
}

export interface PageHeader {
  title: string;
  section: number;
  date: string;
  source: string;
  manual: string;
}

export class Roff {
  private readonly lines: string[] = [];

  constructor(header: PageHeader) {
    const q = (s: string) => `"${s.replace(/"/g, '\\(dq')}"`;
    this.lines.push(`.TH ${q(header.title.toUpperCase())} ${header.section} ${q(header.date)} ${q(header.source)} ${q(header.manual)}`);
  }

  /** Inline text as lines (already escaped); a line of its own ".br" is the one request inline text may hold. */
  private body(inline: string): void {
    for (const raw of inline.split('\n')) {
      const line = raw.trim();
      if (line !== '') this.lines.push(line === LINE_BREAK ? line : safeLine(line));
    }
  }

  section(name: string): this {
    this.lines.push(`.SH ${JSON.stringify(name.toUpperCase())}`);
    return this;
  }

  subsection(name: string): this {
    this.lines.push(`.SS ${JSON.stringify(name)}`);
    return this;
  }

  paragraph(inline: string): this {
    this.lines.push('.PP');
    this.body(inline);
    return this;
  }

  /** A tagged paragraph: the tag on its own line, the body indented below it. */
  tagged(tag: string, inline: string): this {
    this.lines.push('.TP');
    this.body(tag.replace(/\n/g, ' '));
    this.body(inline);
    return this;
  }

  /** A further paragraph inside the current tagged one. */
  continuation(inline: string): this {
    this.lines.push('.IP');
    this.body(inline);
    return this;
  }

  bullet(inline: string): this {
    this.lines.push('.IP \\(bu 2');
    this.body(inline);
    return this;
  }

  /** Text shown as is, in a literal block (a file, a session). Plain text, escaped here. */
  example(code: string): this {
    this.lines.push('.PP', '.RS 4', '.nf');
    for (const line of code.replace(/\n$/, '').split('\n')) this.lines.push(line === '' ? '' : safeLine(text(line)));
    this.lines.push('.fi', '.RE');
    return this;
  }

  /** Indent what follows (options under a command), until outdent(). */
  indent(): this {
    this.lines.push('.RS');
    return this;
  }

  outdent(): this {
    this.lines.push('.RE');
    return this;
  }

  toString(): string {
    return `${this.lines.join('\n')}\n`;
  }
}
