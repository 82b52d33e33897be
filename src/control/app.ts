import { isAbsolute } from 'node:path';
import { HearthError, httpStatusOf } from '../errors/index.js';
import { json, Router, type HttpContext, type Reply } from '../http/index.js';
import { didYouMean } from '../model/index.js';
import { summarizeReload, type ActionResult, type DaemonApi, type LogRecord } from './daemon-api.js';
import { CONTROL_MAX_BODY_BYTES, quote } from './request-limits.js';
import { DEFAULT_FOLLOWER_BUFFER_BYTES, sseReply, type SseOptions } from './sse.js';
import { checkKeys, checkName, checkNames, checkStrings, parseLogQuery, readJsonObject as readBody } from './validate.js';
import { mountFleetRoutes } from './fleet-routes.js';

export interface ControlAppOptions {
  /** Interval of SSE keep-alive comments. */
  keepAliveMs?: number;
  /** Largest request body taken (default 256 KiB); larger ones get 413. */
  maxBodyBytes?: number;
  /** How far (bytes) a follower may fall behind before it is told and cut off (default 1 MiB). */
  followerBufferBytes?: number;
  /** How long a follower that was told gets to read the notice before its connection is closed. */
  followerGraceMs?: number;
}

const ACTIONS = ['start', 'stop', 'restart', 'reload'] as const;
type Action = (typeof ACTIONS)[number];

function unknownService(name: string, known: Iterable<string>): HearthError {
  const hint = didYouMean(name, known);
  return new HearthError('ERR_UNKNOWN_SERVICE', `unknown service "${name}"`, hint ? { hint } : { hint: 'see "hearth list"' });
}

function errorBody(e: HearthError): { error: { code: string; message: string; hint?: string } } {
  return { error: { code: e.code, message: e.message, ...(e.hint ? { hint: e.hint } : {}) } };
}

/**
 * The control API: a thin HTTP+JSON translation of DaemonApi. Every input is
 * validated here so the daemon only ever sees well-formed names and numbers;
 * every failure leaves as `{ error: { code, message, hint? } }`.
 */
export function createControlApp(api: DaemonApi, options: ControlAppOptions = {}): Router {
  const keepAliveMs = options.keepAliveMs ?? 15_000;
  const maxBody = options.maxBodyBytes ?? CONTROL_MAX_BODY_BYTES;
  const readJsonObject = (c: HttpContext) => readBody(c.req, maxBody);
  /** SSE settings: bounded per follower (the stream itself cuts off a socket that stops reading). */
  const stream: Omit<SseOptions, 'start'> = {
    keepAliveMs,
    ...(options.followerBufferBytes !== undefined ? { maxQueuedBytes: options.followerBufferBytes } : {}),
    ...(options.followerGraceMs !== undefined ? { graceMs: options.followerGraceMs } : {}),
  };
  const app = new Router();
  /** Every unit's name: only for an unknown name's "did you mean" (a full list, with each unit's usage). */
  const knownNames = (): string[] => api.list().map((s) => s.name);
  /**
   * A unit answers to this name: its own, or one it resolves ("nginx" for
   * nginx.service). Asked of the daemon by name, not by listing every unit:
   * at 10,000 units a list per `status` took 180 ms.
   */
  const isKnown = (name: string): boolean => (api.resolveName ? api.resolveName(name) !== undefined : knownNames().includes(name));

  /** Runs an action on known names; unknown ones become failed results with a hint. */
  const act = async (action: Action, names: string[]): Promise<ActionResult[]> => {
    const valid = names.filter(isKnown);
    let known: string[] | undefined;
    const done = valid.length > 0 ? await api[action](valid) : [];
    const byName = new Map(done.map((r) => [r.name, r]));
    return names.map((name) => {
      const r = byName.get(name);
      if (r) return r;
      if (isKnown(name)) return { name, ok: false, error: { code: 'ERR_INTERNAL', message: `no result for "${name}"` } };
      const e = unknownService(name, (known ??= knownNames()));
      return { name, ok: false, error: { code: e.code, message: e.message, ...(e.hint ? { hint: e.hint } : {}) } };
    });
  };

  app.onError((err, c) => {
    const e =
      err instanceof HearthError
        ? err
        : new HearthError('ERR_INTERNAL', `internal error: ${err instanceof Error ? err.message : String(err)}`);
    return json(errorBody(e), httpStatusOf(e.code));
  });

  app.notFound((c) =>
    json(
      errorBody(
        new HearthError('ERR_NOT_FOUND', `no such endpoint: ${c.method} ${quote(c.path)}`, {
          hint: 'the API lives under /v1; is the client newer than hearthd?',
        }),
      ),
      404,
    ),
  );

  app.use('/v1/*', async (_c, next) => {
    await api.untilConfigured?.();
    return next();
  });

  app.get('/v1/info', () => json(api.info()));

  app.get('/v1/services', () => json(api.list()));

  app.get('/v1/services/:name', async (c) => {
    const name = checkName(c.params.name);
    const detail = await api.status(name);
    if (!detail) throw unknownService(name, knownNames());
    return json(detail);
  });

  for (const action of ACTIONS) {
    app.post(`/v1/services/:name/${action}`, async (c) => {
      const name = checkName(c.params.name);
      checkKeys(await readJsonObject(c), []);
      const [result] = await act(action, [name]);
      if (result?.error?.code === 'ERR_UNKNOWN_SERVICE') throw unknownService(name, knownNames());
      return json(result);
    });

    app.post(`/v1/actions/${action}`, async (c) => {
      const body = await readJsonObject(c);
      checkKeys(body, ['names']);
      return json(await act(action, checkNames(body.names)));
    });
  }

  app.post('/v1/reload-config', async (c) => {
    const body = await readJsonObject(c);
    checkKeys(body, ['brief']);
    if (body.brief !== undefined && typeof body.brief !== 'boolean') throw new HearthError('ERR_BAD_REQUEST', '"brief" must be true or false');
    const report = await api.reloadConfig();
    return json(body.brief ? summarizeReload(report) : report);
  });

  app.post('/v1/check', async (c) => {
    const body = await readJsonObject(c);
    checkKeys(body, ['configDir']);
    const dir = body.configDir;
    if (dir !== undefined && (typeof dir !== 'string' || !isAbsolute(dir))) {
      // hearthd's working directory is not the caller's: only absolute paths mean the same to both.
      throw new HearthError('ERR_BAD_REQUEST', `"configDir" must be an absolute path, got ${quote(dir)}`);
    }
    return json(await api.check(dir));
  });

  const need = <K extends keyof DaemonApi>(key: K): NonNullable<DaemonApi[K]> => {
    const f = api[key];
    if (typeof f !== 'function') throw new HearthError('ERR_BAD_REQUEST', `this hearthd does not support ${String(key)}`);
    return (f as (...a: unknown[]) => unknown).bind(api) as NonNullable<DaemonApi[K]>;
  };

  app.post('/v1/init', async (c) => {
    const body = await readJsonObject(c);
    checkKeys(body, ['level', 'block']);
    const level = body.level;
    if (typeof level !== 'number' || !Number.isInteger(level) || level < 0 || level > 6) {
      throw new HearthError('ERR_BAD_REQUEST', `"level" must be a runlevel from 0 to 6, got ${quote(level)}`);
    }
    return json(await need('switchRunlevel')(level, body.block !== false));
  });

  app.post('/v1/enable', async (c) => {
    const body = await readJsonObject(c);
    checkKeys(body, ['name', 'levels', 'on']);
    const name = checkName(body.name);
    const levels = body.levels;
    if (levels !== undefined && !(Array.isArray(levels) && levels.every((l) => Number.isInteger(l) && l >= 0 && l <= 6))) {
      throw new HearthError('ERR_BAD_REQUEST', `"levels" must be an array of runlevels 0-6, got ${quote(levels)}`);
    }
    if (typeof body.on !== 'boolean') throw new HearthError('ERR_BAD_REQUEST', '"on" must be true or false');
    if (!isKnown(name)) throw unknownService(name, knownNames());
    return json(await need('setEnabled')(name, levels as number[] | undefined, body.on));
  });

  app.post('/v1/chkconfig', async (c) => {
    const body = await readJsonObject(c);
    checkKeys(body, ['argv']);
    const argv = checkStrings('argv', body.argv, 64);
    return json(await need('chkconfig')(argv));
  });

  app.post('/v1/systemctl', async (c) => {
    const body = await readJsonObject(c);
    checkKeys(body, ['argv']);
    const argv = checkStrings('argv', body.argv, 256);
    return json(await need('systemctl')(argv));
  });

  app.post('/v1/service', async (c) => {
    const body = await readJsonObject(c);
    checkKeys(body, ['name', 'action', 'args']);
    const name = checkName(body.name);
    const action = body.action;
    // An action is a word, never an option: nothing reaches the script that it could take for one.
    if (typeof action !== 'string' || !/^([A-Za-z0-9][A-Za-z0-9_.-]{0,63})?$/.test(action)) {
      throw new HearthError('ERR_BAD_REQUEST', `"action" must be a word like "configtest", got ${JSON.stringify(action)}`);
    }
    const args = checkStrings('args', body.args ?? [], 32);
    if (!isKnown(name)) throw unknownService(name, knownNames());
    return json(await need('passThrough')(name, action, args));
  });

  app.get('/v1/analyze', (c) => {
    const which = c.query('which') ?? 'boot';
    if (which !== 'boot' && which !== 'last') {
      throw new HearthError('ERR_BAD_REQUEST', `"which" must be "boot" or "last", got ${quote(which)}`);
    }
    return json(need('analyze')(which) ?? null);
  });

  app.get('/v1/audit', async () => json(await need('audit')()));

  app.get('/v1/at', async () => json(await need('atList')()));

  app.post('/v1/at', async (c) => {
    const body = await readJsonObject(c);
    checkKeys(body, ['at', 'command', 'cwd']);
    const at = body.at;
    if (at !== 'batch' && !(typeof at === 'number' && Number.isFinite(at) && at > 0)) {
      throw new HearthError('ERR_BAD_REQUEST', `"at" must be a time (epoch milliseconds) or "batch", got ${quote(at)}`);
    }
    if (typeof body.command !== 'string' || body.command.trim() === '') throw new HearthError('ERR_BAD_REQUEST', '"command" must be a non-empty string');
    if (body.cwd !== undefined && !(typeof body.cwd === 'string' && isAbsolute(body.cwd))) throw new HearthError('ERR_BAD_REQUEST', '"cwd" must be an absolute path');
    return json(await need('atAdd')({ at, command: body.command, ...(body.cwd !== undefined ? { cwd: body.cwd as string } : {}) }));
  });

  app.post('/v1/at/remove', async (c) => {
    const body = await readJsonObject(c);
    checkKeys(body, ['ids']);
    const ids = body.ids;
    if (!Array.isArray(ids) || ids.length === 0 || !ids.every((i) => Number.isInteger(i) && i > 0)) throw new HearthError('ERR_BAD_REQUEST', '"ids" must be a list of job numbers');
    return json(await need('atRemove')(ids as number[]));
  });

  mountFleetRoutes(app, api, { maxBody, stream });

  app.get('/v1/logs', async (c) => json(await api.logs(parseLogQuery(c.target))));

  app.get('/v1/logs/follow', (c) => followLogs(c, api, stream));

  app.get('/v1/events', () =>
    sseReply({
      ...stream,
      start: (sink) => api.subscribe((e) => sink.send('event', e)),
    }),
  );

  return app;
}

const sameRecord = (a: LogRecord, b: LogRecord): boolean =>
  a.ts === b.ts && a.service === b.service && a.stream === b.stream && a.text === b.text;

/**
 * History then live records, without a gap: subscribe first and hold new records
 * while the history is read, then send the history and the held records that the
 * history did not already contain. What is held is bounded like the live buffer.
 */
function followLogs(c: HttpContext, api: DaemonApi, settings: Omit<SseOptions, 'start'>): Reply {
  const query = parseLogQuery(c.target);
  const { lines, ...live } = query;
  const maxHeld = settings.maxQueuedBytes ?? DEFAULT_FOLLOWER_BUFFER_BYTES;
  return sseReply({
    ...settings,
    start: (sink) => {
      let held: LogRecord[] | undefined = [];
      let heldBytes = 0;
      const unsubscribe = api.followLogs(live, (r) => {
        if (!held) return sink.send('log', r);
        heldBytes += r.text.length + (r.b64?.length ?? 0) + 64;
        if (heldBytes > maxHeld) sink.behind();
        else held.push(r);
      });
      const history = lines ? api.logs(query) : Promise.resolve([]);
      history
        .then((past) => {
          for (const r of past) sink.sendBacklog('log', r);
          const cutoff = past.length ? past[past.length - 1]!.ts : -Infinity;
          const tail = past.filter((r) => r.ts === cutoff);
          for (const r of held ?? []) {
            if (r.ts < cutoff) continue;
            if (r.ts === cutoff && tail.some((t) => sameRecord(t, r))) continue;
            sink.sendBacklog('log', r);
          }
          held = undefined;
        })
        .catch((err: unknown) => {
          sink.sendBacklog('error', {
            code: err instanceof HearthError ? err.code : 'ERR_INTERNAL',
            message: err instanceof Error ? err.message : String(err),
          });
          sink.close();
        });
      return unsubscribe;
    },
  });
}
