import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { REPO } from '../helpers/index.js';
import { startTarget, type AttackTarget } from './helpers.js';
import { untilClosed } from '../../src/testing/socket.js';

/**
 * The GUI's files are read once at start from dist/gui into memory and served
 * by name: no request path reaches the disk. Here every classic traversal
 * spelling is sent byte for byte (no client library to tidy the path first),
 * aiming at the repository's package.json beside dist/ and at /etc/passwd.
 */

/** One request written as given; resolves with the whole answer once the server closes. */
function rawGet(port: number, target: string): Promise<string> {
  const s = connect(port, '127.0.0.1');
  const answer = untilClosed(s, 10_000, 'latin1');
  s.write(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`);
  return answer;
}

const ATTACKS = [
  '/assets/../../package.json',
  '/assets/..%2f..%2fpackage.json',
  '/assets/%2e%2e%2f%2e%2e%2fpackage.json',
  '/assets/%2e%2e/%2e%2e/package.json',
  '/assets/..%5c..%5cpackage.json',
  '/assets/..\\..\\package.json',
  '/assets/%252e%252e%252f%252e%252e%252fpackage.json',
  '/assets/....//....//package.json',
  '/assets/..%c0%af..%c0%afpackage.json',
  '/assets/app.js%00/../../../package.json',
  '/assets/..%2f..%2f..%2f..%2f..%2f..%2fetc%2fpasswd',
  '/../../../../../../etc/passwd',
  '//etc/passwd',
  '/assets//etc/passwd',
  '/assets/%2fetc%2fpasswd',
  '/assets/..',
  '/assets/.',
  '/assets/',
  '/package.json',
  'http://127.0.0.1/assets/../../package.json',
];

describe('security: static files of the GUI', () => {
  let d: AttackTarget;
  before(async () => {
    d = await startTarget({}, { web: true });
  });
  after(() => d.stop());

  test('the GUI script is served from memory by its name', async () => {
    const got = await rawGet(d.webPort, '/assets/app.js');
    assert.match(got, /^HTTP\/1\.1 200 /);
    assert.ok(got.endsWith(readFileSync(join(REPO, 'dist', 'gui', 'app.js'), 'latin1')), 'the built script, whole');
  });

  test('no traversal spelling reaches a file outside the GUI', async () => {
    const packageJson = readFileSync(join(REPO, 'package.json'), 'utf8');
    assert.match(packageJson, /"name": "hearth"/);
    const page = readFileSync(join(REPO, 'dist', 'gui', 'index.html'), 'latin1');
    for (const target of ATTACKS) {
      const got = await rawGet(d.webPort, target);
      const status = Number(/^HTTP\/1\.1 (\d{3}) /.exec(got)?.[1]);
      // "/assets/.." is "/" once its dot segments are resolved, as a browser resolves them: the page itself.
      const isThePage = status === 200 && got.endsWith(`\r\n\r\n${page}`);
      assert.ok(status === 400 || status === 404 || isThePage, `${target}: ${got.slice(0, 80)}`);
      assert.doesNotMatch(got, /"name": "hearth"|"dependencies"|root:x:0:/, target);
    }
  });
});
