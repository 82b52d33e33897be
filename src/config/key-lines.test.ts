import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'smol-toml';
import { findKeyLines } from './key-lines.js';

/** Every source used here must be valid TOML: the scanner only runs on parsed files. */
function lines(text: string) {
  parse(text);
  return findKeyLines(text);
}

describe('findKeyLines', () => {
  test('finds top-level keys after comments and blank lines', () => {
    const l = lines('# web\n\ndescription = "x"\n  exec = ["/bin/true"] # trailing\nnice = 5\n');
    assert.equal(l.lineOf(['description']), 3);
    assert.equal(l.lineOf(['exec']), 4);
    assert.equal(l.lineOf(['nice']), 5);
  });

  test('counts the lines of a multi-line array, comments inside included', () => {
    const l = lines('exec = [\n  "/bin/sh", # the shell\n  "-c",\n  "echo ]",\n]\nrestart = "always"\n');
    assert.equal(l.lineOf(['exec']), 1);
    assert.equal(l.lineOf(['restart']), 6);
  });

  test('counts the lines of multi-line strings of both kinds', () => {
    const l = lines('a = """\nline\n"quoted" \\\n  x\n"""\nb = \'\'\'\n[not a table]\nc = 1\n\'\'\'\nd = 2\n');
    assert.equal(l.lineOf(['b']), 6);
    assert.equal(l.lineOf(['d']), 10);
    assert.equal(l.lineOf(['c']), undefined);
  });

  test('places keys under [table] headers in their table', () => {
    const l = lines('exec = "x"\n[rlimits]\nnofile = 10\ncore = 0\n\n[environment]\nLANG = "C"\n');
    assert.equal(l.lineOf(['rlimits']), 2);
    assert.equal(l.lineOf(['rlimits', 'nofile']), 3);
    assert.equal(l.lineOf(['rlimits', 'core']), 4);
    assert.equal(l.lineOf(['environment', 'LANG']), 7);
    assert.equal(l.lineOf(['nofile']), undefined);
  });

  test('handles quoted and dotted keys', () => {
    const l = lines('"quoted key" = 1\nrlimits.nofile = 5\nenvironment."A B" = "x"\n[ "odd table" . sub ]\nk = 1\n');
    assert.equal(l.lineOf(['quoted key']), 1);
    assert.equal(l.lineOf(['rlimits', 'nofile']), 2);
    assert.equal(l.lineOf(['environment', 'A B']), 3);
    assert.equal(l.lineOf(['odd table', 'sub', 'k']), 5);
  });

  test('finds keys inside inline tables, even over several lines of a multi-line array', () => {
    const l = lines('a = [1,\n2]\nenvironment = { A = "1", B = "2" }\nrlimits = { nofile = 1 }\n');
    assert.equal(l.lineOf(['environment', 'B']), 3);
    assert.equal(l.lineOf(['rlimits', 'nofile']), 4);
  });

  test('falls back to the nearest written ancestor', () => {
    const l = lines('[rlimits]\nnofile = 1\n');
    assert.equal(l.lineOf(['rlimits', 'nofile', 'deeper']), 2);
    assert.equal(l.lineOf(['rlimits', 'missing']), 1);
  });

  test('handles [[array of tables]] headers', () => {
    const l = lines('[[timer]]\nat = "x"\n[[timer]]\nat = "y"\nevery = "1h"\n');
    assert.equal(l.lineOf(['timer']), 1);
    assert.equal(l.lineOf(['timer', 'at']), 2);
    assert.equal(l.lineOf(['timer', 'every']), 5);
  });

  test('is not fooled by "=" or "#" inside strings, nor by CRLF line ends', () => {
    const l = lines('a = "x = 1 # no"\r\nb = \'[c]\'\r\nc = 1979-05-27 07:32:00\r\nd = 1\r\n');
    assert.equal(l.lineOf(['b']), 2);
    assert.equal(l.lineOf(['c']), 3);
    assert.equal(l.lineOf(['d']), 4);
  });

  test('terminates on malformed input instead of looping', () => {
    const l = findKeyLines('a = [1, }\n= = =\n[x\nb = "unterminated\nc = 1');
    assert.equal(l.lineOf(['a']), 1);
  });
});
