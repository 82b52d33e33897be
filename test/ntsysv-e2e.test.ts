import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { startDaemon, type RunningDaemon } from './helpers/daemon.js';
import { eventually, REPO } from './helpers/index.js';

/**
 * ntsysv in a real terminal: tmux runs it at 80x24, the test types with
 * send-keys and reads the screen with capture-pane, then checks the outcome
 * with the classic tool, `hearth chkconfig --list`.
 */

const hasTmux = spawnSync('tmux', ['-V']).status === 0;
const SERVER = `hearth-ntsysv-${process.pid}`;

function tmux(...args: string[]): string {
  const r = spawnSync('tmux', ['-L', SERVER, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`tmux ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

const screen = () => tmux('capture-pane', '-p', '-t', 'ntsysv');

/** The screen as tmux holds it, with the background colour of every cell (null: the terminal's default). */
function coloredScreen(): Array<Array<{ ch: string; bg: string | null }>> {
  return tmux('capture-pane', '-p', '-e', '-t', 'ntsysv')
    .split('\n')
    .map((line) => {
      const cells: Array<{ ch: string; bg: string | null }> = [];
      let bg: string | null = null;
      // eslint-disable-next-line no-control-regex
      for (const m of line.matchAll(/\x1b\[([0-9;:]*)m|([^\x1b])/gu)) {
        if (m[2] !== undefined) {
          cells.push({ ch: m[2], bg });
          continue;
        }
        const params = (m[1] || '0').split(';').map(Number);
        for (let i = 0; i < params.length; i++) {
          const p = params[i]!;
          if (p === 0 || p === 49) bg = null;
          else if ((p >= 40 && p <= 47) || (p >= 100 && p <= 107)) bg = String(p);
          else if (p === 48 && params[i + 1] === 5) (bg = `5;${params[i + 2]}`), (i += 2);
          else if (p === 48 && params[i + 1] === 2) (bg = params.slice(i + 2, i + 5).join(';')), (i += 4);
          else if (p === 38) i += params[i + 1] === 5 ? 2 : 4;
        }
      }
      return cells;
    });
}

/** Every cell from the window's top-left corner to its bottom-right one: [row, column, character, background]. */
function windowCells(): Array<[number, number, string, string | null]> {
  const rows = coloredScreen();
  const top = rows.findIndex((r) => r.some((c) => c.ch === '┌'));
  const bottom = rows.findIndex((r) => r.some((c) => c.ch === '└'));
  const left = rows[top]!.findIndex((c) => c.ch === '┌');
  const right = rows[top]!.findIndex((c) => c.ch === '┐');
  assert.ok(top >= 0 && bottom > top && right > left, 'the window is on screen');
  const out: Array<[number, number, string, string | null]> = [];
  for (let r = top; r <= bottom; r++) for (let c = left; c <= right; c++) out.push([r, c, rows[r]![c]?.ch ?? ' ', rows[r]![c]?.bg ?? null]);
  return out;
}

describe('hearth ntsysv in tmux', { skip: hasTmux ? false : 'tmux is not installed (apt-get install tmux)' }, () => {
  let d: RunningDaemon;
  let script = '';

  before(async () => {
    d = await startDaemon({
      'services/app.toml': 'description = "the application"\nexec = ["/bin/sleep", "1000"]\nrunlevels = [3, 5]\n',
      'services/worker.toml': 'description = "a background worker"\nexec = ["/bin/sleep", "1000"]\nrunlevels = [5]\n',
    });
    // The command runs in a shell inside tmux; its exit status is printed for the test to read.
    script = join(d.root, 'run-ntsysv.sh');
    writeFileSync(script, `#!/bin/sh\n"${process.execPath}" "${join(REPO, 'bin', 'hearth')}" --socket "${d.socket}" ntsysv "$@"\necho "EXIT=$?"\nsleep 60\n`);
    chmodSync(script, 0o755);
    // tmux exits when its last session ends; a new-session racing that exit fails with "server
    // exited unexpectedly". A session that lives for the whole file keeps this private server up.
    tmux('new-session', '-d', '-s', 'keeper', 'sleep', '100000');
  });
  after(async () => {
    spawnSync('tmux', ['-L', SERVER, 'kill-server']);
    await d?.stop();
  });

  async function open(...args: string[]): Promise<void> {
    spawnSync('tmux', ['-L', SERVER, 'kill-session', '-t', 'ntsysv']);
    tmux('new-session', '-d', '-s', 'ntsysv', '-x', '80', '-y', '24', '-e', 'TERM=xterm', '-e', 'LANG=C.UTF-8', '-e', 'NO_COLOR=', script, ...args);
    await eventually(() => screen().includes('What services should be automatically started?'), 10_000, 'the Services window');
  }

  const keys = (...k: string[]) => tmux('send-keys', '-t', 'ntsysv', ...k);
  const exitCode = () => eventually(() => /EXIT=(\d+)/.exec(screen())?.[1], 10_000, 'ntsysv to exit').then(Number);

  test('the window fits 80x24 and lists the services with [*] for the edited levels', async () => {
    await open('--level', '3');
    const text = screen();
    const lines = text.split('\n');
    assert.ok(lines.every((l) => [...l].length <= 80));
    assert.match(text, /\[\*\] app +running/);
    assert.match(text, /\[ \] worker +stopped/);
    assert.match(text, /Ok .* Cancel/);
    keys('Escape');
    assert.equal(await exitCode(), 1);
  });

  test('every cell of the window has the window\'s colours: no cell shows the terminal\'s own background', async () => {
    await open('--level', '3');
    // The cursor on a row, a state in colour, the heading, the empty rows and the risk legend are all in it.
    keys('Down');
    await eventually(() => windowCells().filter(([, , , bg]) => bg === '44').length > 0, 5000, 'the cursor row');
    const cells = windowCells();
    const defaults = cells.filter(([, , , bg]) => bg === null);
    assert.deepEqual(defaults.slice(0, 5), [], `${defaults.length} cells with the default background`);
    // Grey window, a blue cursor row, a red focused button: nothing else.
    assert.deepEqual([...new Set(cells.map(([, , , bg]) => bg))].sort(), ['44', '47']);
    keys('Escape');
    assert.equal(await exitCode(), 1);
  });

  test('the column heading stays put while the cursor moves; the kind is per row', async () => {
    await open('--level', '3');
    const heading = () => screen().split('\n').find((l) => /Name +State +Kind +Risk/.test(l));
    const first = heading();
    assert.ok(first);
    keys('Down');
    const cursorOn = (name: string) => coloredScreen().some((r) => r.map((c) => c.ch).join('').includes(`] ${name} `) && r.some((c) => c.bg === '44'));
    await eventually(() => cursorOn('worker'), 5000, 'the cursor on worker');
    assert.equal(heading(), first);
    assert.match(screen(), /\] app +running +native/);
    assert.doesNotMatch(screen(), /SysV init scripts/);
    keys('Escape');
    assert.equal(await exitCode(), 1);
  });

  test('toggle a service, press Ok: chkconfig shows it on in the edited levels', async () => {
    await open('--level', '3');
    keys('Down', 'Space');
    await eventually(() => /\[\*\] worker/.test(screen()), 5000, 'the box checked');
    keys('F12');
    assert.equal(await exitCode(), 0);
    assert.match(d.cli('chkconfig', '--list', 'worker').stdout, /3:on\t4:off\t5:on/);
  });

  test('Cancel changes nothing', async () => {
    const before = d.cli('chkconfig', '--list', 'app').stdout;
    await open('--level', '35');
    keys('Space', 'Tab', 'Tab', 'Enter');
    assert.equal(await exitCode(), 1);
    assert.equal(d.cli('chkconfig', '--list', 'app').stdout, before);
  });

  test('F1 shows the description; / finds a service as you type', async () => {
    await open();
    keys('F1');
    await eventually(() => screen().includes('the application'), 5000, 'the help window');
    keys('Space');
    keys('/', 'w', 'o', 'r');
    await eventually(() => screen().includes('Search: wor') && !/\] app /.test(screen()), 5000, 'the filtered list');
    keys('Escape', 'Escape');
    assert.equal(await exitCode(), 1);
  });

  test('the state column follows the daemon live', async () => {
    await open('--level', '3');
    assert.equal(d.cli('stop', 'app').code, 0);
    await eventually(() => /\] app +stopped/.test(screen()), 5000, 'app shown stopped');
    assert.equal(d.cli('start', 'app').code, 0);
    await eventually(() => /\] app +running/.test(screen()), 5000, 'app shown running');
    keys('Escape');
    assert.equal(await exitCode(), 1);
  });
});
