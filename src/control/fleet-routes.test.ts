import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createControlApp } from './app.js';
import { FakeDaemonApi } from './fake-daemon-api.js';
import type { FleetApi, FleetOverview } from './daemon-api.js';
import { request } from '../testing/http-request.js';

const OVERVIEW: FleetOverview = {
  self: {
    host: 'web1',
    labels: { role: 'web' },
    endpoints: ['http://127.0.0.1:2379'],
    link: { state: 'connected', since: 1, endpoint: 'http://127.0.0.1:2379' },
    desired: 'in-sync',
    units: [],
    shadowed: [],
    conflicts: [],
    report: { writes: 0, bytes: 0, failures: 0 },
  },
  view: { state: 'live', hosts: [], at: 1 },
};

/** A daemon in a fleet: records restarts, and lets the test push overviews to subscribers. */
function inFleet() {
  const restarts: unknown[] = [];
  const listeners = new Set<(o: FleetOverview) => void>();
  const fleet: FleetApi = {
    overview: () => OVERVIEW,
    subscribe: (on) => (listeners.add(on), () => listeners.delete(on)),
    restart: async (spec) => (restarts.push(spec), { id: 'r1', unit: spec.unit, selector: spec.selector ?? '*', maxUnavailable: spec.maxUnavailable ?? 1, startedAt: 1, hosts: [], progress: {} }),
    audit: async () => [],
  };
  const api = Object.assign(new FakeDaemonApi(), { fleetApi: () => fleet });
  return { app: createControlApp(api, { keepAliveMs: 50 }), restarts, listeners };
}

const post = (body: unknown): RequestInit => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('control API: /v1/fleet', () => {
  test('a hearthd without [fleet] answers 404 with a hint', async () => {
    const res = await request(createControlApp(new FakeDaemonApi()), '/v1/fleet');
    assert.equal(res.status, 404);
    const body = (await res.json()) as { error: { code: string; hint: string } };
    assert.equal(body.error.code, 'ERR_NOT_FOUND');
    assert.match(body.error.hint, /\[fleet\]/);
  });

  test('GET /v1/fleet gives the overview; the event stream starts with it and follows changes', async () => {
    const { app, listeners } = inFleet();
    assert.deepEqual(await (await request(app, '/v1/fleet')).json(), OVERVIEW);
    const res = await request(app, '/v1/fleet/events');
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    const readUntil = async (what: string) => {
      while (!text.includes(what)) text += decoder.decode((await reader.read()).value, { stream: true });
    };
    try {
      await readUntil('}}\n\n');
      assert.match(text, /event: fleet\ndata: \{"self":\{"host":"web1"/);
      assert.equal(listeners.size, 1);
      for (const on of listeners) on({ ...OVERVIEW, view: { ...OVERVIEW.view, at: 2 } });
      await readUntil('"at":2');
    } finally {
      await reader.cancel();
    }
    assert.equal(listeners.size, 0, 'a closed stream unsubscribes');
  });

  test('POST /v1/fleet/restart takes a unit, a selector and a count, and refuses anything else', async () => {
    const { app, restarts } = inFleet();
    const ok = await request(app, '/v1/fleet/restart', post({ unit: 'api', selector: 'role=web,dc=fra1', maxUnavailable: 2 }));
    assert.equal(ok.status, 200);
    assert.deepEqual(restarts, [{ unit: 'api', selector: 'role=web,dc=fra1', maxUnavailable: 2 }]);
    for (const bad of [{ unit: '../x' }, { unit: 'api', selector: 'role=web; rm' }, { unit: 'api', maxUnavailable: 0 }, { unit: 'api', extra: 1 }]) {
      const res = await request(app, '/v1/fleet/restart', post(bad));
      assert.equal(res.status, 400, JSON.stringify(bad));
    }
    assert.equal(restarts.length, 1);
  });
});
