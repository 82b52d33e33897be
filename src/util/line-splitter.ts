/**
 * Cuts a stream of text into lines: `line` is called with each complete line
 * (without its "\n"), and an unfinished one waits for the next chunk. For the
 * line protocols of hearth's helpers, where Node's readline would be a module
 * loaded at every boot for a few lines of work.
 */
export function lineSplitter(line: (text: string) => void): (chunk: string) => void {
  let pending = '';
  return (chunk) => {
    const text = pending === '' ? chunk : pending + chunk;
    let start = 0;
    let nl: number;
    while ((nl = text.indexOf('\n', start)) >= 0) {
      line(text.slice(start, nl));
      start = nl + 1;
    }
    pending = text.slice(start);
  };
}
