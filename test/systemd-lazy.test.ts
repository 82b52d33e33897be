/**
 * A hearthd without systemd units must not pay for them: src/systemd (the
 * unit reader) and src/systemd-run (the backend and systemctl) are a quarter
 * of its code, imported only when the unit directories hold something or a
 * systemctl request comes. Checked on hearthd as it runs, not on an import
 * graph: a module hook records every file it loads (an import() made too
 * early counts too), and the built chunks' source maps say what they hold.
 * A unit added later, by a reload, must then work as if it had been there.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { startDaemon, type RunningDaemon } from './helpers/daemon.js';
import { eventually, REPO, tempDir } from './helpers/index.js';

/**
 * The parts of src/systemd a hearthd without units still loads, each a leaf
 * that imports nothing else of the library: where unit directories are
 * (to see whether they hold anything), and what the supervisor applies to
 * any service it starts (EnvironmentFile= contents, $VAR in arguments) or
 * reports (a unit's diagnostics as an error).
 */
const LEAVES = ['src/systemd/search-path.ts', 'src/systemd/environment-file.ts', 'src/systemd/exec-variables.ts', 'src/systemd/diagnostics.ts'];

const isSystemd = (source: string) => source.startsWith('src/systemd-run/') || (source.startsWith('src/systemd/') && !LEAVES.includes(source));

/** Files hook.mjs and register.mjs that make a node process append every file it loads to a log. */
function moduleRecorder(dir: string): { env: NodeJS.ProcessEnv; loadedSources(): string[] } {
  const log = join(dir, 'modules.log');
  writeFileSync(
    join(dir, 'hook.mjs'),
    `import { appendFileSync } from 'node:fs';\nlet log;\nexport function initialize(data) { log = data.log; }\n` +
      `export async function load(url, context, next) { if (url.startsWith('file:')) appendFileSync(log, url + '\\n'); return next(url, context); }\n`,
  );
  writeFileSync(
    join(dir, 'register.mjs'),
    `import { register } from 'node:module';\nregister(new URL('./hook.mjs', import.meta.url), { data: { log: ${JSON.stringify(log)} } });\n`,
  );
  const importFlag = `--import=${pathToFileURL(join(dir, 'register.mjs')).href}`;
  return {
    env: { ...process.env, NODE_OPTIONS: [process.env.NODE_OPTIONS, importFlag].filter(Boolean).join(' ') },
    loadedSources: () => {
      const files = existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean).map((u) => fileURLToPath(u)) : [];
      return [...new Set(files.flatMap(sourcesOf))];
    },
  };
}

/** The repo's sources in a loaded file: itself (run from source through tsx), or what its source map lists (the build). */
function sourcesOf(file: string): string[] {
  const own = relative(REPO, file);
  if (own.startsWith('src/')) return [own];
  if (!own.startsWith('dist/')) return [];
  const map = `${file}.map`;
  assert.ok(existsSync(map), `${own} has no source map: build with "npm run build" (source maps on)`);
  const { sources } = JSON.parse(readFileSync(map, 'utf8')) as { sources: string[] };
  return sources.map((s) => relative(REPO, resolve(dirname(file), s)));
}

function systemdLoaded(recorder: { loadedSources(): string[] }): string[] {
  return recorder.loadedSources().filter(isSystemd);
}

const NATIVE = { 'services/web.toml': 'exec = ["/bin/sleep", "1000"]\n' };

async function startRecorded(work: string): Promise<{ d: RunningDaemon; recorder: ReturnType<typeof moduleRecorder> }> {
  const recorder = moduleRecorder(work);
  const d = await startDaemon(NATIVE, [], { env: recorder.env });
  await eventually(() => /running/.test(d.cli('status', 'web').stdout), 10_000, 'web running');
  return { d, recorder };
}

test('hearthd without unit files loads no systemd code, until a systemctl request needs it', async () => {
  const work = tempDir('hearth-sd-lazy-');
  const { d, recorder } = await startRecorded(work.path);
  try {
    assert.ok(recorder.loadedSources().includes('src/daemon/daemon.ts'), 'the recorder sees hearthd’s own modules');
    assert.deepEqual(systemdLoaded(recorder), [], 'a hearthd without units loaded systemd code at boot');

    // A reload that finds no unit either loads nothing more.
    assert.equal(d.cli('reload-config').code, 0);
    assert.deepEqual(systemdLoaded(recorder), [], 'a reload without units loaded systemd code');

    const files = d.cli('systemctl', 'list-unit-files');
    assert.equal(files.code, 0, files.stdout + files.stderr);
    assert.match(files.stdout, /0 unit files listed\./);
    const units = d.cli('systemctl', 'list-units', '--all');
    assert.match(units.stdout, /^ +web +loaded active running/m, 'systemctl still sees every unit, of every kind');
    assert.ok(systemdLoaded(recorder).includes('src/systemd-run/systemctl/run.ts'), 'systemctl was loaded for the request');
  } finally {
    await d.stop();
    work.cleanup();
  }
});

test('a unit file added after a start without units: the reload loads it, starts it when enabled, and removes it again', async () => {
  const work = tempDir('hearth-sd-lazy-');
  const { d, recorder } = await startRecorded(work.path);
  try {
    assert.deepEqual(systemdLoaded(recorder), []);
    const unitDir = join(d.configDir, 'systemd');
    mkdirSync(join(unitDir, 'multi-user.target.wants'), { recursive: true });
    writeFileSync(
      join(unitDir, 'hello.service'),
      `[Unit]\nDescription=Added later\n[Service]\nExecStart=/bin/sh -c 'echo hello from a late unit; exec sleep 1000'\n[Install]\nWantedBy=multi-user.target\n`,
    );
    // Enabled as `systemctl enable` would, without asking systemctl (which would load the backend itself).
    symlinkSync('../hello.service', join(unitDir, 'multi-user.target.wants', 'hello.service'));
    assert.deepEqual(systemdLoaded(recorder), [], 'nothing is loaded before the reload');

    const reload = d.cli('reload-config');
    assert.equal(reload.code, 0, reload.stdout + reload.stderr);
    assert.ok(systemdLoaded(recorder).includes('src/systemd-run/backend.ts'), 'the reload loaded the systemd backend');
    await eventually(() => d.cli('systemctl', 'is-active', 'hello').stdout.trim() === 'active', 10_000, 'hello active');
    const listed = JSON.parse(d.cli('list', '--json').stdout) as Array<{ name: string; kind: string; state: string }>;
    assert.deepEqual(listed.map((s) => `${s.name}:${s.kind}:${s.state}`).sort(), ['hello.service:systemd:running', 'web:service:running']);
    assert.equal(d.cli('systemctl', 'is-enabled', 'hello').stdout.trim(), 'enabled');
    await eventually(() => /hello from a late unit/.test(d.cli('logs', 'hello').stdout), 5000, 'its output in the journal');
    assert.equal(d.cli('status', 'hello').code, 0, 'found by its name without ".service"');

    // Its files gone, the next reload stops it and forgets it, as for a unit there from the start.
    rmSync(unitDir, { recursive: true, force: true });
    assert.equal(d.cli('reload-config').code, 0);
    assert.equal(d.cli('systemctl', 'is-active', 'hello').stdout.trim(), 'inactive');
    assert.deepEqual((JSON.parse(d.cli('list', '--json').stdout) as Array<{ name: string }>).map((s) => s.name), ['web']);
  } finally {
    await d.stop();
    work.cleanup();
  }
});
