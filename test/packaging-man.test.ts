/**
 * The man pages come from the tables the programs use (the CLI registry,
 * hearthd's options, the service-file schema, hearth.toml's keys) and from
 * docs/: every verb and every key must have its entry, and every page must
 * format without a single warning (the check lintian runs).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './helpers/index.js';
import { buildManPages } from '../man/build.js';
import { COMMANDS } from '../src/cli/index.js';
import { DAEMON_SETTINGS_KEYS, SERVICE_KEYS } from '../src/config/index.js';
import { HEARTHD_OPTIONS } from '../src/main/hearthd-usage.js';

const dir = tempDir('hearth-man-');
let pages: Record<string, string> = {};

/** The tags of a page's tagged paragraphs (the line after each .TP), as roff source. */
function tags(source: string): string[] {
  const lines = source.split('\n');
  return lines.flatMap((line, i) => (line === '.TP' && lines[i + 1] !== undefined ? [lines[i + 1]!] : []));
}

const literal = (s: string) => `\\fB${s.replace(/-/g, '\\-')}\\fR`;

describe('man pages', () => {
  after(() => dir.cleanup());
  before(() => {
    for (const path of buildManPages(dir.path)) pages[path.slice(dir.path.length + 1)] = readFileSync(path, 'utf8');
  });

  test('all five pages are written', () => {
    assert.deepEqual(Object.keys(pages).sort(), ['hearth-inetd.5', 'hearth.1', 'hearth.service.5', 'hearth.toml.5', 'hearthd.8']);
  });

  test('each page formats with man -l, without a warning from groff', () => {
    for (const file of Object.keys(pages)) {
      const path = join(dir.path, file);
      const r = spawnSync('man', ['--warnings', '-E', 'UTF-8', '-l', '-Tutf8', '-Z', path], { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C.UTF-8', MANWIDTH: '80' } });
      assert.equal(r.status, 0, `${file}: ${r.stderr}`);
      assert.equal(r.stderr, '', `${file} has formatting warnings`);
      const shown = spawnSync('man', ['-l', path], { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C.UTF-8', MANWIDTH: '80', MANPAGER: 'cat', PAGER: 'cat' } });
      assert.equal(shown.status, 0, shown.stderr);
      assert.match(shown.stdout, /^NAME\n/m, `${file} has a NAME section`);
    }
  });

  test('hearth(1) has an entry for every command, with its options', () => {
    const entries = tags(pages['hearth.1']!);
    for (const cmd of COMMANDS.filter((c) => !c.hidden)) {
      assert.ok(entries.some((t) => t.startsWith(`\\fBhearth\\fR ${literal(cmd.name)}`)), `no entry for "hearth ${cmd.name}"`);
      for (const option of Object.keys(cmd.options ?? {})) assert.ok(entries.some((t) => t.includes(literal(`--${option}`))), `"hearth ${cmd.name} --${option}" missing`);
    }
  });

  test('hearthd(8) has every option of hearthd --help', () => {
    const entries = tags(pages['hearthd.8']!);
    for (const option of Object.keys(HEARTHD_OPTIONS)) assert.ok(entries.some((t) => t.includes(literal(`--${option}`))), `--${option} missing`);
  });

  test('hearth.service(5) has an entry for every key a service file accepts', () => {
    const entries = tags(pages['hearth.service.5']!);
    const missing = SERVICE_KEYS.filter((key) => !entries.some((t) => t.includes(literal(key)) || t.includes(literal(`[${key}]`))));
    assert.deepEqual(missing, []);
  });

  test('hearth.toml(5) has every key under its [section]', () => {
    const source = pages['hearth.toml.5']!;
    const sections = source.split(/^\.SH /m);
    const missing = DAEMON_SETTINGS_KEYS.filter((full) => {
      const [section, key] = full.includes('.') ? full.split('.') : [undefined, full];
      const where = section === undefined ? sections : sections.filter((s) => s.split('\n')[0]!.includes(`[${section.toUpperCase()}]`));
      return !where.some((s) => tags(`\n${s}`).some((t) => t.includes(literal(key!))));
    });
    assert.deepEqual(missing, []);
  });
});
