/**
 * /v1/fleet: the fleet as this hearthd sees it through etcd, for the GUI's
 * Fleet page (the browser never talks to etcd). Present in every hearthd;
 * one without [fleet] answers 404 with a hint.
 */
import { HearthError } from '../errors/index.js';
import { json, type Router } from '../http/index.js';
import type { DaemonApi, FleetApi } from './daemon-api.js';
import { quote } from './request-limits.js';
import { sseReply, type SseOptions } from './sse.js';
import { checkKeys, checkName, readJsonObject } from './validate.js';

/** What a selector may hold: label pairs, host=NAME, or "*" (the fleet library parses it fully). */
const SELECTOR = /^(\*|[A-Za-z0-9._=,-]{1,512})$/;

function checkSelector(value: unknown): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string' || !SELECTOR.test(value)) {
    throw new HearthError('ERR_BAD_REQUEST', `"selector" must be like "role=web", "role=web,dc=fra1", "host=web1" or "*", got ${quote(value)}`);
  }
  return value;
}

export function mountFleetRoutes(app: Router, api: DaemonApi, options: { maxBody: number; stream: Omit<SseOptions, 'start'> }): void {
  const fleet = (): FleetApi => {
    const f = api.fleetApi?.();
    if (!f) throw new HearthError('ERR_NOT_FOUND', 'this hearthd is not in a fleet', { hint: 'add a [fleet] section to hearth.toml (see hearth.toml(5))' });
    return f;
  };

  app.get('/v1/fleet', () => json(fleet().overview()));

  app.get('/v1/fleet/events', () => {
    const f = fleet();
    return sseReply({
      ...options.stream,
      start: (sink) => {
        sink.send('fleet', f.overview());
        return f.subscribe((o) => sink.send('fleet', o));
      },
    });
  });

  app.post('/v1/fleet/restart', async (c) => {
    const body = await readJsonObject(c.req, options.maxBody);
    checkKeys(body, ['unit', 'selector', 'maxUnavailable']);
    const unit = checkName(body.unit);
    const selector = checkSelector(body.selector);
    const max = body.maxUnavailable ?? 1;
    if (typeof max !== 'number' || !Number.isInteger(max) || max < 1 || max > 10_000) {
      throw new HearthError('ERR_BAD_REQUEST', `"maxUnavailable" must be a whole number from 1, got ${quote(max)}`);
    }
    return json(await fleet().restart({ unit, ...(selector ? { selector } : {}), maxUnavailable: max }));
  });

  app.get('/v1/fleet/audit', async (c) => json(await fleet().audit(checkSelector(c.query('selector')))));
}
