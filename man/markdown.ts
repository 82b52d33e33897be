/**
 * The user docs (docs/*.md) as man page sections. marked parses the Markdown
 * (a well-kept parser; we only render). Rendering is ours because the ready
 * made renderer, marked-man, writes HTML entities (&quot;) into roff, breaks a
 * line at every source newline and cuts table cells at a `|` inside code.
 *
 * Markdown used in docs/: headings, paragraphs, fenced code, bullet lists,
 * tables, and inline code, bold, italics and links. A table becomes a list of
 * tagged paragraphs (tbl tables are hard to read at 80 columns): the first
 * column is the tag, a "meaning" column the body, other columns are named.
 */
import { lexer, type Token, type Tokens } from 'marked';
import { Roff, bold, italic, lineBreak, literal, text } from './roff.js';

/** Inline tokens to escaped roff text. Links keep their words, not their address. */
export function inline(tokens: readonly Token[] | undefined): string {
  let out = '';
  for (const t of tokens ?? []) {
    switch (t.type) {
      case 'text':
        out += 'tokens' in t && t.tokens ? inline(t.tokens) : text(decodeEntities(t.text));
        break;
      case 'escape':
        out += text(t.text);
        break;
      case 'codespan':
        out += literal(decodeEntities(t.text));
        break;
      case 'strong':
        out += bold(inline((t as Tokens.Strong).tokens));
        break;
      case 'em':
        out += italic(inline((t as Tokens.Em).tokens));
        break;
      case 'link':
        out += inline((t as Tokens.Link).tokens);
        break;
      case 'br':
        out += lineBreak;
        break;
      default:
        out += text(t.raw);
    }
  }
  return out;
}

/** marked's lexer leaves &amp; and friends as written; roff wants the characters. */
function decodeEntities(s: string): string {
  return s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

function cellText(cell: Tokens.TableCell): string {
  return inline(cell.tokens);
}

function renderTable(roff: Roff, table: Tokens.Table): void {
  const headers = table.header.map((h) => h.text.toLowerCase());
  const bodyColumn = headers.indexOf('meaning') >= 0 ? headers.indexOf('meaning') : headers.length - 1;
  for (const row of table.rows) {
    const extra = row
      .map((cell, i) => ({ i, value: cellText(cell) }))
      .filter(({ i, value }) => i !== 0 && i !== bodyColumn && value.trim() !== '')
      .map(({ i, value }) => `${text(capitalise(headers[i]!))}: ${value}.`);
    const body = cellText(row[bodyColumn]!);
    // Each named column on a line of its own below the meaning: "Default: 10s."
    roff.tagged(cellText(row[0]!), [body, ...extra].filter(Boolean).join(lineBreak));
  }
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

export interface MarkdownOptions {
  /** Keep only these "##" sections (by title); the text before the first "##" is kept unless skipIntro. */
  sections?: readonly string[];
  skipIntro?: boolean;
  /** Level of the first heading kept as a man section (.SH); deeper ones become .SS. */
  sectionLevel?: number;
}

/** Appends a Markdown document to the page, its "#" title left out (the page has a NAME). */
export function renderMarkdown(roff: Roff, markdown: string, options: MarkdownOptions = {}): void {
  const level = options.sectionLevel ?? 2;
  let keep = !options.skipIntro;
  for (const token of lexer(markdown)) {
    if (token.type === 'heading') {
      const h = token as Tokens.Heading;
      if (h.depth < level) continue;
      if (h.depth === level) {
        keep = options.sections === undefined || options.sections.includes(h.text);
        if (keep) roff.section(h.text);
      } else if (keep) roff.subsection(h.text);
      continue;
    }
    if (!keep) continue;
    renderBlock(roff, token);
  }
}

function renderBlock(roff: Roff, token: Token): void {
  switch (token.type) {
    case 'paragraph':
      roff.paragraph(inline((token as Tokens.Paragraph).tokens));
      break;
    case 'code':
      roff.example((token as Tokens.Code).text);
      break;
    case 'table':
      renderTable(roff, token as Tokens.Table);
      break;
    case 'list':
      for (const item of (token as Tokens.List).items) {
        const [first, ...rest] = item.tokens;
        roff.bullet(first && 'tokens' in first ? inline(first.tokens) : text(item.text));
        for (const more of rest) if (more.type !== 'space') renderBlock(roff, more);
      }
      break;
    case 'space':
    case 'hr':
      break;
    default:
      roff.paragraph(text(token.raw));
  }
}
