/**
 * Shell completion is generated from the command registry; service names come
 * from the running hearthd. The bash script is sourced into a real bash and
 * asked for candidates the way bash itself asks (COMP_WORDS, COMP_CWORD); the
 * fish script is asked through fish's own `complete -C`; zsh's is parsed.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO, tempDir } from './helpers/index.js';
import { runCli, startDaemon, type RunningDaemon } from './helpers/daemon.js';
import { COMMANDS } from '../src/cli/index.js';

const HEARTH = join(REPO, 'bin', 'hearth');
const tag = `c${process.pid}`;
const scripts = tempDir('hearth-completion-');
let daemon: RunningDaemon;

function script(shell: string): string {
  const r = runCli(undefined, ['completion', shell]);
  assert.equal(r.code, 0, r.stderr);
  const path = join(scripts.path, `hearth.${shell}`);
  writeFileSync(path, r.stdout);
  return path;
}

/** The candidates bash's completion function offers for `words` (the last one is being completed). */
function bashCandidates(words: string[]): string[] {
  const quoted = words.map((w) => `'${w.replace(/'/g, `'\\''`)}'`).join(' ');
  const r = spawnSync('bash', ['--norc', '--noprofile', '-c', `source '${script('bash')}'; COMP_WORDS=(${quoted}); COMP_CWORD=${words.length - 1}; _hearth; printf '%s\\n' "\${COMPREPLY[@]}"`], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.split('\n').filter(Boolean).sort();
}

function fishCandidates(line: string): string[] {
  const r = spawnSync('fish', ['--no-config', '-c', `source '${script('fish')}'; complete -C '${line}'`], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.split('\n').filter(Boolean).map((l) => l.split('\t')[0]!).sort();
}

describe('shell completion', () => {
  before(async () => {
    daemon = await startDaemon({
      [`services/web-${tag}.toml`]: 'exec = ["/bin/sleep", "1000"]\nrunlevels = []\n',
      [`services/worker-${tag}.toml`]: 'exec = ["/bin/sleep", "1000"]\nrunlevels = []\n',
      [`services/db-${tag}.toml`]: 'exec = ["/bin/sleep", "1000"]\nrunlevels = []\n',
    });
  });
  after(async () => {
    await daemon.stop();
    scripts.cleanup();
  });

  test('bash offers every visible verb of the registry, and no hidden one', () => {
    const verbs = COMMANDS.filter((c) => !c.hidden).flatMap((c) => [c.name, ...(c.aliases ?? [])]).sort();
    assert.deepEqual(bashCandidates([HEARTH, '']), verbs);
    assert.deepEqual(bashCandidates([HEARTH, 'st']), ['start', 'status', 'stop']);
  });

  test("bash completes a command's flags, with the global ones", () => {
    const flags = bashCandidates([HEARTH, 'logs', '--']);
    for (const f of ['--follow', '--lines', '--since', '--until', '--grep', '--priority', '--json', '--socket']) assert.ok(flags.includes(f), `${f} missing from ${flags.join(' ')}`);
  });

  test('bash asks the running hearthd for service names, through the --socket on the line', () => {
    assert.deepEqual(bashCandidates([HEARTH, '--socket', daemon.socket, 'status', 'w']), [`web-${tag}`, `worker-${tag}`]);
    assert.deepEqual(bashCandidates([HEARTH, '--socket', daemon.socket, 'restart', `web-${tag}`, 'd']), [`db-${tag}`]);
  });

  test('bash completes service NAME ACTION, chkconfig states and runlevels', () => {
    assert.deepEqual(bashCandidates([HEARTH, '--socket', daemon.socket, 'service', `db-${tag}`, 're']), ['reload', 'restart']);
    assert.deepEqual(bashCandidates([HEARTH, 'chkconfig', `db-${tag}`, 'o']), ['off', 'on']);
    assert.deepEqual(bashCandidates([HEARTH, 'init', '']), ['0', '1', '2', '3', '4', '5', '6', 'q']);
    assert.deepEqual(bashCandidates([HEARTH, 'catalog', 'telne']), ['telnet']);
  });

  test('without a hearthd, bash offers no names and does not hang', () => {
    const started = Date.now();
    assert.deepEqual(bashCandidates([HEARTH, '--socket', join(scripts.path, 'nothing.sock'), 'status', '']), []);
    assert.ok(Date.now() - started < 15_000);
  });

  test('fish offers the same verbs and service names', () => {
    assert.deepEqual(fishCandidates(`${HEARTH} st`), ['start', 'status', 'stop']);
    assert.deepEqual(fishCandidates(`${HEARTH} --socket ${daemon.socket} stop wo`), [`worker-${tag}`]);
    assert.deepEqual(fishCandidates(`${HEARTH} service db-${tag} force`), ['force-reload']);
  });

  test('the zsh script is a #compdef file that zsh parses', () => {
    const path = script('zsh');
    const r = spawnSync('zsh', ['-n', path], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(runCli(undefined, ['completion', 'zsh']).stdout, /^#compdef hearth\n/);
  });

  test('hearth completion refuses an unknown shell', () => {
    const r = runCli(undefined, ['completion', 'tcsh']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /bash, zsh, fish/);
  });
});
