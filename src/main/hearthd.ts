/**
 * hearthd: the daemon, in the foreground. Parses flags, builds the Daemon,
 * serves the control API, renders events to stdout, and maps signals:
 * SIGHUP reloads the config, SIGTERM/SIGINT stop every service and exit 0.
 */
import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Daemon, describeEvent } from '../daemon/index.js';
import { startControlServer } from '../control/index.js';
import { defaultDirs } from '../client/index.js';
import { describeError } from '../errors/index.js';
import { isLoopbackListen } from '../config/index.js';
import { raiseNofileLimit } from '../process/index.js';
import { PACKAGE_ROOT, helperBuildAdvice, installKind, missingHelpers } from '../native/index.js';
import { HEARTHD_OPTIONS, hearthdUsage } from './hearthd-usage.js';
import { daemonOutput } from './daemon-output.js';
import { HeapRelease } from '../daemon/heap-release.js';
import { useLocalZone } from '../model/index.js';
import { localZoneAt } from '../util/time-zone.js';

// Local time and zone names as date(1) gives them, from the TZ database (see useLocalZone).
useLocalZone(localZoneAt);

const USAGE = hearthdUsage();
const say = daemonOutput();

function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string };
    return pkg.version;
  } catch {
    return '0.0.0';
  }
}

function fail(message: string, code = 2): never {
  say.err(`hearthd: ${message}\n`);
  process.exit(code);
}

/** How the user reaches this copy's CLI: "hearth" when installed, bin/hearth in a checkout. */
function cliName(): string {
  if (installKind() !== 'checkout') return 'hearth';
  const rel = relative(process.cwd(), join(PACKAGE_ROOT, 'bin', 'hearth'));
  return rel.startsWith('..') ? join(PACKAGE_ROOT, 'bin', 'hearth') : rel;
}

/**
 * Node reaps only the children it spawned: as PID 1 every orphan re-parented
 * to hearthd would stay a zombie. bin/hearthd starts the daemon under
 * hearth-init (or tini) when it is PID 1; reaching here as PID 1 means neither
 * was available, and running anyway would leak zombies without a word.
 */
function refuseToBeBarePid1(): void {
  if (process.pid !== 1) return;
  fail(
    'refusing to run as PID 1 without a reaper: orphaned processes would stay zombies.\n' +
      `The native helper hearth-init is missing (${join(PACKAGE_ROOT, 'native', 'build', 'hearth-init')}): ${helperBuildAdvice()}.\n` +
      'Or run hearthd under an init that reaps, such as tini: tini -- hearthd …',
    1,
  );
}

/** Said once at start: which helpers this copy lacks, what that costs, and how to get them. */
function missingHelpersReport(): string | undefined {
  const missing = missingHelpers();
  if (missing.length === 0) return undefined;
  return [
    `native helpers missing from ${join(PACKAGE_ROOT, 'native', 'build')}: ${missing.map((h) => h.name).join(', ')}`,
    ...missing.map((h) => `  without ${h.name}: ${h.without}`),
    `  to fix: ${helperBuildAdvice()}`,
  ].join('\n');
}

async function main(): Promise<void> {
  // First: hearthd runs at its hard descriptor limit; services keep the limit it was started with.
  raiseNofileLimit();
  let parsed;
  try {
    parsed = parseArgs({ options: HEARTHD_OPTIONS, strict: true, allowPositionals: false });
  } catch (e) {
    fail(`${(e as Error).message}\n${USAGE}`);
  }
  const v = parsed.values;
  if (v.help) {
    say.out(`${USAGE}\n`);
    process.exitCode = 0;
    return;
  }
  if (v.version) {
    say.out(`hearthd ${version()}\n`);
    process.exitCode = 0;
    return;
  }
  refuseToBeBarePid1();
  let runlevel: number | undefined;
  if (v.runlevel !== undefined) {
    if (!/^[0-6]$/.test(v.runlevel)) fail(`--runlevel must be a number from 0 to 6, got "${v.runlevel}"`);
    runlevel = Number(v.runlevel);
  }
  const defaults = defaultDirs(process.getuid?.() ?? 0, process.env);
  // After the boot (below), a reload or a runlevel switch: give the burst's memory back.
  const heap = new HeapRelease();
  const daemon = new Daemon({
    configDir: v['config-dir'] ?? defaults.configDir,
    stateDir: v['state-dir'] ?? defaults.stateDir,
    runtimeDir: v['runtime-dir'] ?? defaults.runtimeDir,
    logDir: v['log-dir'] ?? defaults.logDir,
    ...(runlevel !== undefined ? { runlevel } : {}),
    version: version(),
    afterBurst: () => heap.afterBurst(),
  });

  // Into the journal (the subscriber below is not there yet) and once to stderr.
  const helpers = missingHelpersReport();
  if (helpers) {
    daemon.bus.emit({ type: 'daemon.log', at: Date.now(), level: 'warn', message: helpers });
    say.err(`hearthd: ${helpers}\n`);
  }

  if (!v.quiet) {
    daemon.bus.subscribe((e) => {
      const text = describeEvent(e);
      if (text) say.out(`${new Date(e.at).toISOString()} ${text}\n`);
    });
  }

  // The control socket comes up before services start, so `hearth list` works during a long boot.
  let control: { close(): Promise<void> };
  try {
    const { socketMode, socketGroup } = daemon.settings.control;
    control = await startControlServer({
      api: daemon,
      socketPath: daemon.socketPath,
      mode: socketMode,
      ...(socketGroup ? { group: socketGroup } : {}),
      onError: (e) => daemon.bus.emit({ type: 'daemon.log', at: Date.now(), level: 'error', message: describeError(e) }),
    });
  } catch (e) {
    fail(describeError(e), 1);
  }
  say.out(`hearthd: control socket ${daemon.socketPath}\n`);
  say.out(`hearthd: try "${cliName()} --socket ${daemon.socketPath} list"\n`);

  let closeWeb: (() => Promise<void>) | undefined;
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    heap.stop();
    say.out(`hearthd: ${signal}: stopping services\n`);
    try {
      await closeWeb?.().catch(() => undefined);
      await daemon.shutdown();
    } finally {
      await control.close().catch(() => undefined);
    }
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGHUP', () => {
    daemon.reloadConfig().catch((e) => say.err(`hearthd: reload failed: ${describeError(e)}\n`));
  });

  try {
    await daemon.boot();
  } catch (e) {
    say.err(`hearthd: ${describeError(e)}\n`);
    await control.close().catch(() => undefined);
    process.exit(1);
  }

  try {
    await startWeb(daemon, v['web-listen'], (close) => (closeWeb = close));
  } finally {
    heap.afterBurst();
  }
}

/** The GUI comes up once the boot is done: services first, the page after. */
async function startWeb(daemon: Daemon, listen: string | undefined, onStarted: (close: () => Promise<void>) => void): Promise<void> {
  const web = { ...daemon.settings.web, ...(listen !== undefined ? { listen } : {}) };
  if (web.listen === 'off') return;
  if (!isLoopbackListen(web.listen) && web.tlsCert === undefined) {
    say.err(`hearthd: not serving the web GUI on "${web.listen}": other machines could reach it without TLS (set [web] tls_cert and tls_key)\n`);
    return;
  }
  try {
    const { startWebServer, guiDir } = await import('../web/index.js');
    const gui = await startWebServer({
      api: daemon,
      settings: web,
      runtimeDir: daemon.info().runtimeDir,
      guiDir: guiDir(),
      log: (message) => daemon.bus.emit({ type: 'daemon.log', at: Date.now(), level: 'info', message }),
    });
    onStarted(gui.close);
    say.out(`hearthd: web GUI ${gui.url} (log in once with ${gui.url}?token=${gui.token})\n`);
  } catch (e) {
    say.err(`hearthd: web GUI not started: ${describeError(e)}\n`);
  }
}

main().catch((e) => {
  say.err(`hearthd: ${describeError(e)}\n`);
  process.exit(1);
});
