/**
 * Fitting a table to the terminal, as `systemctl list-units` does: a line
 * never wraps. When the table is too wide, the columns marked to shrink first
 * (descriptions) are cut with "…"; if that is not enough, whole columns go,
 * least useful first; only then do the remaining shrinkable columns (names)
 * give way. Piped output has no width limit and keeps every cell whole.
 */

export interface Column {
  header: string;
  align?: 'left' | 'right';
  /** May be cut with "…": 'first' before any column is dropped, 'last' after every droppable one is gone. */
  shrink?: 'first' | 'last';
  /** Narrowest a shrinking column may become (default: its header's width). */
  min?: number;
  /** Dropped when the table does not fit: lower numbers go first; never dropped when absent. */
  drop?: number;
}

export interface FittedTable {
  /** Indices of the columns that stay, in order. */
  kept: number[];
  /** The width of each kept column. */
  widths: number[];
}

export const GAP = 2;

/** Display width: code points (hearth's tables hold names, states and plain text). */
export function textWidth(s: string): number {
  return [...s].length;
}

/** `text` cut to `width` columns, ending in "…" when something was cut. */
export function truncate(text: string, width: number): string {
  const chars = [...text];
  if (chars.length <= width) return text;
  if (width <= 0) return '';
  return `${chars.slice(0, width - 1).join('')}…`;
}

/** Which columns stay and how wide each is, for a screen `maxWidth` columns wide. */
export function fitTable(columns: readonly Column[], rows: readonly (readonly string[])[], maxWidth: number): FittedTable {
  const natural = columns.map((c, i) => Math.max(textWidth(c.header), ...rows.map((r) => textWidth(r[i] ?? ''))));
  const floor = (i: number) => Math.min(natural[i]!, Math.max(columns[i]!.min ?? 0, textWidth(columns[i]!.header)));
  let kept = columns.map((_, i) => i);
  const total = (w: Map<number, number>) => [...w.values()].reduce((a, b) => a + b, 0) + GAP * Math.max(0, w.size - 1);

  for (;;) {
    const widths = new Map(kept.map((i) => [i, natural[i]!]));
    if (total(widths) <= maxWidth) return done(kept, widths);
    shrink(widths, kept.filter((i) => columns[i]!.shrink === 'first'), total(widths) - maxWidth, floor);
    if (total(widths) <= maxWidth) return done(kept, widths);
    const droppable = kept.filter((i) => columns[i]!.drop !== undefined).sort((a, b) => columns[a]!.drop! - columns[b]!.drop!);
    if (droppable.length > 0) {
      kept = kept.filter((i) => i !== droppable[0]);
      continue;
    }
    shrink(widths, kept.filter((i) => columns[i]!.shrink === 'last'), total(widths) - maxWidth, floor);
    return done(kept, widths);
  }
}

/** Takes `excess` columns away from `which`, the last of them first, none below its floor. */
function shrink(widths: Map<number, number>, which: number[], excess: number, floor: (i: number) => number): void {
  let left = excess;
  for (const i of [...which].reverse()) {
    if (left <= 0) return;
    const w = widths.get(i)!;
    const take = Math.min(left, w - floor(i));
    if (take > 0) {
      widths.set(i, w - take);
      left -= take;
    }
  }
}

function done(kept: number[], widths: Map<number, number>): FittedTable {
  return { kept, widths: kept.map((i) => widths.get(i)!) };
}

/**
 * The table as lines, each cell cut and padded to its column; `paint` colours
 * a cell after padding so escape codes never skew the widths. Row -1 is the header.
 */
export function renderTable(
  columns: readonly Column[],
  rows: readonly (readonly string[])[],
  maxWidth: number,
  paint: (row: number, col: number, padded: string) => string,
): string[] {
  const { kept, widths } = fitTable(columns, rows, maxWidth);
  const line = (cells: readonly string[], row: number): string =>
    kept
      .map((col, k) => {
        const last = k === kept.length - 1;
        const text = truncate(cells[col] ?? '', widths[k]!);
        const room = widths[k]! - textWidth(text);
        const padded = columns[col]!.align === 'right' ? ' '.repeat(room) + text : last ? text : text + ' '.repeat(room);
        return paint(row, col, padded);
      })
      .join(' '.repeat(GAP))
      .trimEnd();
  return [line(columns.map((c) => c.header), -1), ...rows.map((r, i) => line(r, i))];
}
