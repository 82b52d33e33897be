import { createServer as createHttpServer } from 'node:http';
import { readFileSync, readdirSync, writeFileSync, rmSync } from 'node:fs';
import { extname, join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { HearthError } from '../../errors/index.js';
import { rebuildAdvice } from '../../native/index.js';
import { refuseLargeBodies, WEB_MAX_BODY_BYTES, type DaemonApi } from '../../control/index.js';
import type { WebSettings } from '../../config/index.js';
import { currentNofileSoft } from '../../process/index.js';
import { randomToken } from './auth.js';
import { connectionLimitsFor, guardConnections, type ConnectionLimits } from './connection-guard.js';
import { allowedHostNames } from './host-check.js';
import { createWebApp, type WebAssets } from './web-app.js';

export interface WebServerOptions {
  api: DaemonApi;
  settings: WebSettings;
  runtimeDir: string;
  /** The built page (dist/gui). */
  guiDir: string;
  log(message: string): void;
  /** More host names the GUI answers to (a name in front of it, a reverse proxy's): [web] hosts. */
  hosts?: readonly string[];
  /** Defaults from hearthd's descriptor limit (see connection-guard.ts); tests make them small. */
  limits?: Partial<ConnectionLimits>;
}

export interface WebServer {
  /** http(s)://HOST:PORT/ as bound (port 0 resolved). */
  url: string;
  token: string;
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.map': 'application/json',
};

/** The page is a handful of small files: read once, served from memory. */
export function loadGuiAssets(dir: string): WebAssets {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (e) {
    throw new HearthError('ERR_WEB', `the web GUI is not built ("${dir}" is missing)`, { hint: rebuildAdvice(), cause: e });
  }
  const assets = new Map<string, { body: Uint8Array; type: string }>();
  for (const name of names) {
    const type = TYPES[extname(name)];
    if (type) assets.set(name, { body: readFileSync(join(dir, name)), type });
  }
  if (!assets.has('index.html')) throw new HearthError('ERR_WEB', `the web GUI is not built ("${join(dir, 'index.html')}" is missing)`, { hint: rebuildAdvice() });
  return assets;
}

function splitListen(listen: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(listen);
  if (!m) throw new HearthError('ERR_CONFIG_VALUE', `"web.listen" must be "HOST:PORT", got "${listen}"`, { file: 'hearth.toml', key: 'web.listen' });
  return { host: m[1] ?? m[2]!, port: Number(m[3]) };
}

/**
 * Starts the GUI on [web] listen: a fresh login token (printed by hearthd and
 * written 0600 to RUNTIME_DIR/web-token), TLS when configured, and the bound
 * address in RUNTIME_DIR/web-address for scripts and tests.
 */
export async function startWebServer(options: WebServerOptions): Promise<WebServer> {
  const { settings, runtimeDir } = options;
  const { host, port } = splitListen(settings.listen);
  const tls = settings.tlsCert !== undefined && settings.tlsKey !== undefined;
  const token = randomToken();
  const limits = { ...connectionLimitsFor(currentNofileSoft()), ...options.limits };
  const app = createWebApp({
    allowedHosts: allowedHostNames(host, options.hosts ?? settings.hosts),
    api: options.api,
    token,
    ...(settings.passwordHash ? { passwordHash: settings.passwordHash } : {}),
    ...(settings.readonlyPasswordHash ? { readonlyPasswordHash: settings.readonlyPasswordHash } : {}),
    assets: loadGuiAssets(options.guiDir),
    secure: tls,
    log: options.log,
  });
  const listener = refuseLargeBodies(app.listener, WEB_MAX_BODY_BYTES);
  const timeouts = { headersTimeout: limits.headersTimeoutMs, requestTimeout: limits.requestTimeoutMs, connectionsCheckingInterval: Math.min(1000, limits.headersTimeoutMs) };
  // node:https (and tls) only for a GUI that serves TLS: loaded at boot, they are memory every hearthd holds.
  const server = tls
    ? (await import('node:https')).createServer({ cert: readFileSync(settings.tlsCert!), key: readFileSync(settings.tlsKey!), ...timeouts }, listener)
    : createHttpServer(timeouts, listener);
  server.timeout = limits.idleTimeoutMs;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(new HearthError('ERR_WEB', `cannot serve the web GUI on "${settings.listen}": ${e.code ?? e.message}`, { hint: 'change [web] listen in hearth.toml, or set it to "off"', cause: e })),
    );
    server.listen({ host, port }, () => resolve());
  });
  guardConnections(server, limits, tls, options.log);
  const bound = server.address() as AddressInfo;
  const shownHost = bound.family === 'IPv6' ? `[${bound.address}]` : bound.address;
  const url = `${tls ? 'https' : 'http'}://${shownHost}:${bound.port}/`;
  writeFileSync(join(runtimeDir, 'web-token'), `${token}\n`, { mode: 0o600 });
  writeFileSync(join(runtimeDir, 'web-address'), `${url}\n`, { mode: 0o644 });
  return {
    url,
    token,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        rmSync(join(runtimeDir, 'web-token'), { force: true });
        rmSync(join(runtimeDir, 'web-address'), { force: true });
      }),
  };
}
