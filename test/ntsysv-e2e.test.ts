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
