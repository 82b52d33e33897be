/**
 * hearthd: the daemon, in the foreground. Parses flags, builds the Daemon,
 * serves the control API, renders events to stdout, and maps signals:
 * SIGHUP reloads the config, SIGTERM/SIGINT stop every service and exit 0.
 */
import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Daemon, describeEvent } from '../daemon/index.js';
import { startControlServer } from '../control/index.js';
import { defaultDirs } from '../client/index.js';
import { describeError } from '../errors/index.js';
import { isLoopbackListen } from '../config/index.js';

const USAGE = `usage: hearthd --config-dir DIR [--state-dir DIR] [--runtime-dir DIR] [--log-dir DIR] [--runlevel N]

Runs the hearth daemon in the foreground.

  --config-dir DIR   services/, init.d/, xinetd.conf, xinetd.d/, inetd.conf, hearth.toml
  --state-dir DIR    enablement and other persistent state
  --runtime-dir DIR  control socket (hearth.sock) and other runtime files
  --log-dir DIR      service logs
  --runlevel N       runlevel to enter (default: hearth.toml's, else 3)
  --web-listen ADDR  web GUI address, HOST:PORT or "off" (default: hearth.toml's [web] listen)
  --quiet            do not echo events to stdout
  -h, --help         this text
  --version          print the version

Defaults: as root /etc/hearth, /var/lib/hearth, /run/hearth, /var/log/hearth;
otherwise directories under your own config, state and runtime dirs.
Signals: HUP reloads the config; TERM or INT stops every service, then exits 0.`;

function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(fileURLToPath(new URL('../../package.json', import.meta.url)), 'utf8')) as { version: string };
    return pkg.version;
  } catch {
    return '0.0.0';
  }
}

function fail(message: string, code = 2): never {
  process.stderr.write(`hearthd: ${message}\n`);
  process.exit(code);
}

async function main(): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      options: {
        'config-dir': { type: 'string' },
        'state-dir': { type: 'string' },
        'runtime-dir': { type: 'string' },
        'log-dir': { type: 'string' },
        runlevel: { type: 'string' },
        'web-listen': { type: 'string' },
        quiet: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
        version: { type: 'boolean', default: false },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (e) {
    fail(`${(e as Error).message}\n${USAGE}`);
  }
  const v = parsed.values;
  if (v.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  if (v.version) {
    process.stdout.write(`hearthd ${version()}\n`);
    process.exit(0);
  }
  let runlevel: number | undefined;
  if (v.runlevel !== undefined) {
    if (!/^[0-6]$/.test(v.runlevel)) fail(`--runlevel must be a number from 0 to 6, got "${v.runlevel}"`);
    runlevel = Number(v.runlevel);
  }
  const defaults = defaultDirs(process.getuid?.() ?? 0, process.env);
  const daemon = new Daemon({
    configDir: v['config-dir'] ?? defaults.configDir,
    stateDir: v['state-dir'] ?? defaults.stateDir,
    runtimeDir: v['runtime-dir'] ?? defaults.runtimeDir,
    logDir: v['log-dir'] ?? defaults.logDir,
    ...(runlevel !== undefined ? { runlevel } : {}),
    version: version(),
  });

  if (!v.quiet) {
    daemon.bus.subscribe((e) => {
      const text = describeEvent(e);
      if (text) process.stdout.write(`${new Date(e.at).toISOString()} ${text}\n`);
    });
  }

  // The control socket comes up before services start, so `hearth list` works during a long boot.
  let control: { close(): Promise<void> };
  try {
    const { socketMode, socketGroup } = daemon.settings.control;
    control = await startControlServer({ api: daemon, socketPath: daemon.socketPath, mode: socketMode, ...(socketGroup ? { group: socketGroup } : {}) });
  } catch (e) {
    fail(describeError(e), 1);
  }
  process.stdout.write(`hearthd: control socket ${daemon.socketPath}\n`);
  process.stdout.write(`hearthd: try "bin/hearth --socket ${daemon.socketPath} list"\n`);

  let closeWeb: (() => Promise<void>) | undefined;
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`hearthd: ${signal}: stopping services\n`);
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
    daemon.reloadConfig().catch((e) => process.stderr.write(`hearthd: reload failed: ${describeError(e)}\n`));
  });

  try {
    await daemon.boot();
  } catch (e) {
    process.stderr.write(`hearthd: ${describeError(e)}\n`);
    await control.close().catch(() => undefined);
    process.exit(1);
  }

  // The GUI comes up once the boot is done: services first, the page after.
  const web = { ...daemon.settings.web, ...(v['web-listen'] !== undefined ? { listen: v['web-listen'] } : {}) };
  if (web.listen !== 'off') {
    if (!isLoopbackListen(web.listen) && web.tlsCert === undefined) {
      process.stderr.write(`hearthd: not serving the web GUI on "${web.listen}": other machines could reach it without TLS (set [web] tls_cert and tls_key)\n`);
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
      closeWeb = gui.close;
      process.stdout.write(`hearthd: web GUI ${gui.url} (log in once with ${gui.url}?token=${gui.token})\n`);
    } catch (e) {
      process.stderr.write(`hearthd: web GUI not started: ${describeError(e)}\n`);
    }
  }
}

main().catch((e) => {
  process.stderr.write(`hearthd: ${describeError(e)}\n`);
  process.exit(1);
});
