import { connect } from 'node:net';
import { chmod, chown, lstat, mkdir, stat, unlink } from 'node:fs/promises';
import { createServer, type IncomingMessage, type RequestListener, type ServerResponse } from 'node:http';
import { dirname } from 'node:path';
import { HearthError, descriptorShortage, describeError } from '../errors/index.js';
import type { ControlAppOptions } from './app.js';
import type { DaemonApi } from './daemon-api.js';
import { lookupGroupId, type GroupLookupOptions } from './group-id.js';
import { CONTROL_MAX_BODY_BYTES, refuseLargeBodies } from './request-limits.js';

export interface ControlServerOptions extends ControlAppOptions, GroupLookupOptions {
  api: DaemonApi;
  socketPath: string;
  /** Socket file mode; 0o660 makes sense with `group`. */
  mode?: number;
  /** Group (name or gid) that owns the socket and its directory, for shared access. */
  group?: string;
  /** Most connections held at once (default 512); more are closed at accept. */
  maxConnections?: number;
  /** Failures after the socket is up (accept under EMFILE): reported here, never thrown. */
  onError?: (e: HearthError) => void;
}

export interface ControlServer {
  socketPath: string;
  close(): Promise<void>;
}

/** Does anything accept connections on this unix socket? */
function answers(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(socketPath);
    const done = (alive: boolean): void => {
      s.destroy();
      resolve(alive);
    };
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
    s.setTimeout(2000, () => done(false));
  });
}

/**
 * A socket file left by a crashed hearthd is removed; a live one is never
 * stolen, and a path that is not a socket at all is never deleted.
 */
async function clearStaleSocket(socketPath: string): Promise<void> {
  const st = await lstat(socketPath).catch(() => undefined);
  if (!st) return;
  if (!st.isSocket()) {
    throw new HearthError('ERR_SOCKET_IN_USE', `control socket path "${socketPath}" exists and is not a socket`, {
      hint: 'remove it or choose another runtime dir',
    });
  }
  if (await answers(socketPath)) {
    throw new HearthError('ERR_SOCKET_IN_USE', `another hearthd is running on "${socketPath}"`, {
      hint: 'stop it first, or give this one another --runtime-dir',
    });
  }
  await unlink(socketPath);
}

/**
 * The socket's directory is what really guards it: the socket file is created
 * with the umask's mode and only chmod-ed a moment later, so the dir must
 * already keep others out (0700, or 0750 for the socket's group).
 */
async function secureDir(dir: string, mode: number, gid: number | undefined): Promise<void> {
  const uid = process.getuid?.() ?? 0;
  const existing = await stat(dir).catch(() => undefined);
  if (!existing) await mkdir(dir, { recursive: true, mode });
  const st = existing ?? (await stat(dir));
  // A shared sticky dir like /tmp is not ours to tighten; the socket's own mode protects it.
  if (st.mode & 0o1000) return;
  if (st.uid !== uid) {
    throw new HearthError('ERR_SOCKET_IN_USE', `socket directory "${dir}" belongs to uid ${st.uid}, not to us (uid ${uid})`, {
      hint: 'someone else may have created it first; remove it or choose another runtime dir',
    });
  }
  if (gid !== undefined && st.gid !== gid) await chown(dir, uid, gid);
  if ((st.mode & 0o7777) !== mode) await chmod(dir, mode);
}

/**
 * The routes are loaded on the first request rather than at start: compiling
 * them is not on a boot's critical path, while the socket itself must be there
 * before the first service starts.
 */
function lazyListener(api: DaemonApi, options: ControlAppOptions): RequestListener {
  let loading: Promise<RequestListener> | undefined;
  const load = async (): Promise<RequestListener> => {
    const { createControlApp } = await import('./app.js');
    return createControlApp(api, options).listener;
  };
  return (req: IncomingMessage, res: ServerResponse) => {
    loading ??= load();
    loading.then(
      (listener) => listener(req, res),
      (e: unknown) => {
        res.statusCode = 500;
        res.end(JSON.stringify({ error: { code: 'ERR_INTERNAL', message: `control API failed to load: ${(e as Error).message}` } }));
      },
    );
  };
}

/** Starts the control API on a unix socket; close() stops it and removes the socket. */
export async function startControlServer(options: ControlServerOptions): Promise<ControlServer> {
  const { api, socketPath } = options;
  const mode = options.mode ?? 0o600;
  const gid = options.group === undefined ? undefined : await lookupGroupId(options.group, options);
  await secureDir(dirname(socketPath), gid === undefined ? 0o700 : 0o750, gid);
  await clearStaleSocket(socketPath);

  const maxBody = options.maxBodyBytes ?? CONTROL_MAX_BODY_BYTES;
  const server = createServer(refuseLargeBodies(lazyListener(api, options), maxBody));
  server.maxConnections = options.maxConnections ?? 512;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(
        e.code === 'EADDRINUSE'
          ? new HearthError('ERR_SOCKET_IN_USE', `another hearthd is running on "${socketPath}"`, { cause: e })
          : e,
      ),
    );
    server.listen(socketPath, () => resolve());
  });
  // From now on an error is one failed accept, not a reason to stop answering.
  server.on('error', (e: NodeJS.ErrnoException) =>
    options.onError?.(descriptorShortage(e, 'accept a connection on the control socket') ?? new HearthError('ERR_INTERNAL', `control socket: ${describeError(e)}`, { cause: e })),
  );
  await chmod(socketPath, mode);
  if (gid !== undefined) await chown(socketPath, process.getuid?.() ?? 0, gid);
  const ino = (await lstat(socketPath)).ino;

  let closing: Promise<void> | undefined;
  return {
    socketPath,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        // SSE streams never end on their own.
        server.closeAllConnections();
      }).then(async () => {
        // Only remove the file if it is still ours (not a successor's socket).
        const st = await lstat(socketPath).catch(() => undefined);
        if (st?.ino === ino) await unlink(socketPath).catch(() => {});
      });
      return closing;
    },
  };
}
