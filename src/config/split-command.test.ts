import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { SplitCommandError, splitCommand, splitCommandDetailed } from './split-command.js';

describe('splitCommand', () => {
  test('splits on runs of blanks, tabs and newlines', () => {
    assert.deepEqual(splitCommand('  /usr/bin/python3 \t -m   http.server\n8080 '), ['/usr/bin/python3', '-m', 'http.server', '8080']);
  });

  test('keeps single-quoted text literally, backslashes included', () => {
    assert.deepEqual(splitCommand(`nginx -g 'daemon off; \\n'`), ['nginx', '-g', 'daemon off; \\n']);
  });

  test('honours only the sh escapes inside double quotes', () => {
    assert.deepEqual(splitCommand(String.raw`echo "a \"b\" \\ \$HOME \n"`), ['echo', 'a "b" \\ $HOME \\n']);
  });

  test('joins quoted and unquoted parts of one word', () => {
    assert.deepEqual(splitCommand(`--name="my app"'s'x`), ['--name=my apps' + 'x']);
  });

  test('keeps empty quoted arguments', () => {
    assert.deepEqual(splitCommand(`prog "" ''`), ['prog', '', '']);
  });

  test('a backslash outside quotes escapes the next character', () => {
    assert.deepEqual(splitCommand(String.raw`touch my\ file \"x\"`), ['touch', 'my file', '"x"']);
  });

  test('backslash-newline continues the line', () => {
    assert.deepEqual(splitCommand('prog \\\n  --flag'), ['prog', '--flag']);
  });

  test('expands nothing: variables, globs and tildes stay as written', () => {
    assert.deepEqual(splitCommand('ls $HOME *.log ~/x'), ['ls', '$HOME', '*.log', '~/x']);
  });

  test('an empty or blank command gives no words', () => {
    assert.deepEqual(splitCommand(''), []);
    assert.deepEqual(splitCommand('   '), []);
  });

  test('rejects an unterminated single quote, naming the column', () => {
    assert.throws(() => splitCommand(`echo 'oops`), (e: unknown) => e instanceof SplitCommandError && /unterminated single quote at column 6/.test(e.message));
  });

  test('rejects an unterminated double quote', () => {
    assert.throws(() => splitCommand(`echo "oops \\"`), /unterminated double quote/);
  });

  test('rejects a trailing backslash', () => {
    assert.throws(() => splitCommand('echo \\'), /trailing backslash/);
  });
});

describe('splitCommandDetailed', () => {
  test('lists unquoted words a shell would have acted on', () => {
    const r = splitCommandDetailed('prog $HOME | tee >out 2>&1 && x *.c');
    assert.deepEqual(r.shellish, ['$HOME', '|', '>out', '2>&1', '&&', '*.c']);
  });

  test('does not flag the same characters when they are quoted', () => {
    const r = splitCommandDetailed(`prog '$HOME' "|" '*.c' --x=a`);
    assert.deepEqual(r.argv, ['prog', '$HOME', '|', '*.c', '--x=a']);
    assert.deepEqual(r.shellish, []);
  });
});
