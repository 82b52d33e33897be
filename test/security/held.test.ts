import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { eventually, freePortBase } from '../helpers/index.js';
import { rawRequest, startTarget, type AttackTarget } from './helpers.js';

/**
 * What held when hearthd was first probed, and must keep holding: the control
 * socket 0600 in a 0700 dir, logs 0640, the web token 0600, and a hearthd with
 * only 128 descriptors carrying 300 connections to an inetd service (each is
 * handed to its own server process) while its API and GUI keep answering.
 */
describe('security: what held before still holds', () => {
  let d: AttackTarget;
  let port = 0;
  const held: Socket[] = [];
  before(async () => {
    port = await freePortBase([0]);
    d = await startTarget(
      {
        'services/talker.toml': 'exec = ["/bin/sh", "-c", "echo hello; exec sleep 1000"]\n',
        'xinetd.d/cat': `service cat\n{\n\ttype = UNLISTED\n\tsocket_type = stream\n\tprotocol = tcp\n\tport = ${port}\n\twait = no\n\tserver = /bin/cat\n\tinstances = 400\n\tcps = 1000 1\n\tdisable = no\n}\n`,
      },
      { web: true, nofile: 128 },
    );
  });
  after(async () => {
    for (const s of held) s.destroy();
    await d?.stop();
  });

  const mode = (path: string): number => statSync(path).mode & 0o777;

  test('files keep their modes: socket 0600 in a 0700 dir, web token 0600, logs 0640', async () => {
    assert.equal(mode(d.socket), 0o600);
    assert.equal(mode(join(d.root, 'run')), 0o700);
    assert.equal(mode(join(d.root, 'run', 'web-token')), 0o600);
    await eventually(() => d.cli('logs', 'talker', '-n', '1').stdout.includes('hello'), 10_000, 'the talker to log');
    assert.equal(mode(join(d.logDir, 'talker.log')), 0o640);
  });

  test('a 128-descriptor hearthd carries 300 inetd connections and still answers', async () => {
    const echoed: string[] = [];
    for (let i = 0; i < 300; i++) {
      const s = connect({ host: '127.0.0.1', port });
      held.push(s);
      echoed.push('');
      s.on('data', (b) => (echoed[i] = (echoed[i] ?? '') + String(b)));
      s.on('error', () => undefined);
      s.write(`line ${i}\n`);
    }
    await eventually(() => echoed.every((e, i) => e === `line ${i}\n`), 30_000, `every connection served (${echoed.filter((e) => e).length} so far)`);
    assert.equal(d.cli('list', '--json').code, 0);
    const page = await rawRequest({ port: d.webPort }, 'GET', '/', { headers: { host: `127.0.0.1:${d.webPort}` } });
    assert.equal(page.status, 200);
    for (const s of held) s.write('still here\n');
    await eventually(() => held.every((s) => !s.destroyed), 5_000, 'every connection open');
  });
});
