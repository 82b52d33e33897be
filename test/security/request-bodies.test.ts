import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { eventually } from '../helpers/index.js';
import { readUntil, rawRequest, startTarget, type AttackTarget } from './helpers.js';

/**
 * Hole 4: neither the web server nor the control API limited request bodies:
 * 300 MB POSTs to the unauthenticated /login grew hearthd by a gigabyte, and
 * the control API echoed a 50 MB body back in its error. A body over the cap
 * is answered 413 before the rest is read, and errors quote input briefly.
 */
describe('security: request bodies are capped and never echoed back whole', () => {
  let d: AttackTarget;
  before(async () => {
    d = await startTarget({}, { web: true });
  });
  after(() => d.stop());

  /**
   * Sends the head and `sent` bytes of a body announced as larger, then waits
   * for a status line. hearthd may close the connection while the client is
   * still sending (that is the point): a write error ends the sending, not the test.
   */
  async function announceHuge(sock: Socket, head: string, sent: number): Promise<string> {
    let answer = '';
    sock.on('data', (d: Buffer) => (answer += d.toString('latin1')));
    sock.on('error', () => undefined);
    sock.write(head);
    sock.write(Buffer.alloc(sent, 0x20));
    await eventually(() => /^HTTP\/1\.1 \d{3}[^]*\r\n\r\n/.test(answer) || sock.destroyed, 10_000, 'an answer');
    return answer;
  }

  test('a 300 MB POST to /login gets 413 after 1 MB, without the rest being sent', async () => {
    const sock = connect({ host: '127.0.0.1', port: d.webPort });
    const before = d.rssBytes();
    const head = `POST /login HTTP/1.1\r\nHost: 127.0.0.1:${d.webPort}\r\nContent-Type: application/json\r\nContent-Length: ${300 * 1024 * 1024}\r\n\r\n`;
    const answer = await announceHuge(sock, head, 1024 * 1024);
    sock.destroy();
    assert.match(answer, /^HTTP\/1\.1 413 /);
    assert.ok(d.rssBytes() - before < 32 * 1024 * 1024, 'hearthd did not buffer the body');
  });

  test('a chunked body without a length is cut off at the cap with 413', async () => {
    const sock = connect({ host: '127.0.0.1', port: d.webPort });
    sock.write(`POST /login HTTP/1.1\r\nHost: 127.0.0.1:${d.webPort}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`);
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    let answer = '';
    sock.on('data', (b) => (answer += b.toString('latin1')));
    sock.on('error', () => undefined);
    for (let i = 0; i < 64 && !answer; i++) {
      sock.write(`${chunk.length.toString(16)}\r\n`);
      sock.write(chunk);
      sock.write('\r\n');
      await new Promise((r) => setTimeout(r, 5));
    }
    const status = await readUntil(sock, (t) => /^HTTP\/1\.1 \d{3}/.test(answer + t), 10_000).then((t) => answer + t);
    sock.destroy();
    assert.match(status, /^HTTP\/1\.1 413 /);
  });

  test('the control API answers 413 to a 50 MB body announced by its length', async () => {
    const sock = connect(d.socket);
    const head = `POST /v1/actions/start HTTP/1.1\r\nHost: hearth\r\nContent-Type: application/json\r\nContent-Length: ${50 * 1024 * 1024}\r\n\r\n`;
    const answer = await announceHuge(sock, head, 256 * 1024);
    sock.destroy();
    assert.match(answer, /^HTTP\/1\.1 413 /);
    assert.match(answer, /ERR_TOO_LARGE/);
  });

  test('an error never quotes a long input back in full', async () => {
    const longKey = 'k'.repeat(30_000);
    const cases: Array<[string, string]> = [
      ['/v1/actions/start', JSON.stringify({ [longKey]: 1 })],
      ['/v1/actions/start', JSON.stringify({ names: ['x'.repeat(30_000)] })],
      ['/v1/check', JSON.stringify({ configDir: 'relative/'.repeat(3000) })],
      ['/v1/init', JSON.stringify({ level: 'y'.repeat(30_000) })],
    ];
    for (const [path, body] of cases) {
      const res = await rawRequest({ socketPath: d.socket }, 'POST', path, { headers: { 'content-type': 'application/json' }, body });
      assert.equal(res.status, 400, `${path}: ${res.body.slice(0, 200)}`);
      assert.ok(res.body.length < 1024, `${path}: the error is ${res.body.length} bytes`);
    }
    const longPath = `/v1/${'p'.repeat(8000)}`;
    const res = await rawRequest({ socketPath: d.socket }, 'GET', longPath);
    assert.equal(res.status, 404);
    assert.ok(res.body.length < 1024, `unknown endpoint: the error is ${res.body.length} bytes`);
  });
});
