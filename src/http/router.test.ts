import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from '../testing/http-request.js';
import { readBodyText } from '../control/request-limits.js';
import { Router } from './router.js';
import { json, text } from './reply.js';
import { readCookie, serializeCookie } from './cookies.js';
import { untilClosed } from '../testing/socket.js';

/** Sends raw bytes to a server and resolves with everything it answers until it closes. */
function raw(server: Server, bytes: string, timeoutMs = 5000): Promise<string> {
  const { port } = server.address() as AddressInfo;
  const s = connect(port, '127.0.0.1');
  const answer = untilClosed(s, timeoutMs);
  s.write(bytes);
  return answer;
}

async function listen(app: Router): Promise<Server> {
  const server = createServer(app.listener);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return server;
}

describe('Router', () => {
  test('routes by method and path, with decoded parameters, and 404 for the rest', async () => {
    const app = new Router()
      .get('/items/:name', (c) => json({ name: c.params.name }))
      .post('/items/:name/start', (c) => json({ started: c.params.name }));
    assert.deepEqual(await (await request(app, '/items/a%40b')).json(), { name: 'a@b' });
    assert.deepEqual(await (await request(app, '/items/x/start', { method: 'POST' })).json(), { started: 'x' });
    const wrongVerb = await request(app, '/items/x/start');
    assert.equal(wrongVerb.status, 404);
    assert.equal(await wrongVerb.text(), '404 Not Found');
    assert.equal((await request(app, '/items/')).status, 404, 'an empty parameter matches nothing');
    assert.equal((await request(app, '/items/x/')).status, 404, 'a trailing slash is another path');
  });

  test('HEAD runs the GET route and sends its head without the body', async () => {
    const app = new Router().get('/page', () => text('hello'));
    const res = await request(app, '/page', { method: 'HEAD' });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-length'), '5');
    assert.equal(await res.text(), '');
  });

  test('middleware runs in order around the route, and still sees a reply when the route throws', async () => {
    const seen: string[] = [];
    const app = new Router()
      .onError((e) => json({ error: (e as Error).message }, 500))
      .use('*', async (c, next) => {
        seen.push(`before ${c.path}`);
        const reply = await next();
        reply.headers['x-outer'] = 'yes';
        return reply;
      })
      .get('/ok', () => text('fine'))
      .get('/boom', () => {
        throw new Error('it broke');
      });
    const ok = await request(app, '/ok');
    assert.equal(ok.headers.get('x-outer'), 'yes');
    const boom = await request(app, '/boom');
    assert.equal(boom.status, 500);
    assert.deepEqual(await boom.json(), { error: 'it broke' });
    assert.equal(boom.headers.get('x-outer'), 'yes');
    const missing = await request(app, '/nothing');
    assert.equal(missing.status, 404);
    assert.equal(missing.headers.get('x-outer'), 'yes');
    assert.deepEqual(seen, ['before /ok', 'before /boom', 'before /nothing']);
  });

  test('a header value with a line break is never sent: the answer is a plain 500', async () => {
    const app = new Router().get('/inject', () => ({ status: 200, headers: { 'x-name': 'a\r\nset-cookie: evil=1' }, body: 'x' }));
    const server = await listen(app);
    try {
      const got = await raw(server, 'GET /inject HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
      assert.match(got, /^HTTP\/1\.1 500 /);
      assert.doesNotMatch(got, /evil/i);
      assert.match(got, /"code":"ERR_INTERNAL"/);
    } finally {
      server.close();
    }
  });

  test('requests without one plain Host, or with a backslash in the path, are 400 before any route runs', async () => {
    let reached = 0;
    const app = new Router().all('*', () => (reached++, text('route')));
    const server = await listen(app);
    try {
      const cases = [
        'GET / HTTP/1.0\r\n\r\n',
        'GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\nConnection: close\r\n\r\n',
        'GET / HTTP/1.1\r\nHost: evil@localhost\r\nConnection: close\r\n\r\n',
        'GET / HTTP/1.1\r\nHost: localhost/x\r\nConnection: close\r\n\r\n',
        'GET /a\\..\\b HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n',
      ];
      for (const c of cases) assert.match(await raw(server, c), /^HTTP\/1\.[01] 400 /, JSON.stringify(c));
      assert.equal(reached, 0);
      assert.match(await raw(server, 'GET /x?a=\\ HTTP/1.1\r\nHost: localhost:80\r\nConnection: close\r\n\r\n'), /^HTTP\/1\.1 200 /, 'a backslash in the query is only data');
      assert.equal(reached, 1);
    } finally {
      server.close();
    }
  });

  test('a chunked body past the cap is 413, and the connection is closed rather than read to the end', async () => {
    const app = new Router()
      .onError((e) => json({ error: (e as { code?: string }).code }, 413))
      .post('/in', async (c) => text(await readBodyText(c.req, 100)));
    const server = await listen(app);
    try {
      // Sends 200 bytes in chunks and never the last chunk: only the server can end this.
      const chunk = `${(50).toString(16)}\r\n${'x'.repeat(50)}\r\n`;
      const got = await raw(server, `POST /in HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n${chunk.repeat(4)}`);
      assert.match(got, /^HTTP\/1\.1 413 /);
      assert.match(got, /"error":"ERR_TOO_LARGE"/);
    } finally {
      server.close();
    }
  });
});

describe('cookies', () => {
  test('are read by name, first one wins, values decoded; malformed ones are skipped', () => {
    assert.equal(readCookie('a=1; hearth_session=abc%2Bd; hearth_session=second', 'hearth_session'), 'abc+d');
    assert.equal(readCookie('x_hearth_session=no', 'hearth_session'), undefined);
    assert.equal(readCookie('hearth_session="quoted"', 'hearth_session'), 'quoted');
    assert.equal(readCookie('hearth_session=a,b', 'hearth_session'), undefined);
    assert.equal(readCookie(undefined, 'hearth_session'), undefined);
  });

  test('are written with encoded values and refuse names or paths that would add attributes', () => {
    assert.equal(
      serializeCookie('hearth_session', 'v;1', { httpOnly: true, sameSite: 'Strict', secure: true, path: '/' }),
      'hearth_session=v%3B1; Path=/; HttpOnly; Secure; SameSite=Strict',
    );
    assert.equal(serializeCookie('d', 'x', { maxAge: 0 }), 'd=x; Max-Age=0; Path=/');
    assert.throws(() => serializeCookie('a;b', 'x'));
    assert.throws(() => serializeCookie('a', 'x', { path: '/\r\nx: y' }));
  });
});
