import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { eventually } from '../helpers/index.js';
import { openIdle, rawRequest, startTarget, type AttackTarget } from './helpers.js';

/**
 * Hole 3: any local user could open idle TCP connections to the web GUI until
 * hearthd ran out of descriptors; then root's `hearth list` failed and service
 * starts failed with a wrong reason. Here hearthd has 256 descriptors and a
 * stranger opens 600 idle connections from eight loopback addresses.
 */
describe('security: web GUI connections cannot exhaust hearthd descriptors', () => {
  let d: AttackTarget | undefined;
  const socks: Socket[] = [];
  after(async () => {
    for (const s of socks) s.destroy();
    await d?.stop();
  });

  test('600 idle connections: the control socket answers, a service restarts, the GUI still serves another client', async () => {
    d = await startTarget({ 'services/svc.toml': 'exec = ["/bin/sleep", "1000"]\n' }, { web: true, nofile: 256 });
    const port = d.webPort;
    for (let i = 0; i < 600; i++) socks.push(await openIdle(port, `127.0.0.${1 + (i % 8)}`));
    assert.equal(d.child.exitCode, null, `hearthd is alive: ${d.output()}`);
    const list = d.cli('list', '--json');
    assert.equal(list.code, 0, `hearth list works: ${list.stderr}`);
    const restart = d.cli('restart', 'svc');
    assert.equal(restart.code, 0, `a service restarts: ${restart.stdout}${restart.stderr}`);
    await eventually(() => JSON.parse(d!.cli('status', 'svc', '--json').stdout).state === 'running', 10_000, 'svc running');
    // The cap refused the flood; a client from an address that is not flooding is served.
    const page = await rawRequest({ port }, 'GET', '/', { headers: { host: `127.0.0.1:${port}` } });
    assert.ok(page.status === 200 || page.status === 503, `the GUI answers (${page.status})`);
    const open = (): number => socks.filter((s) => !s.destroyed && s.readyState === 'open').length;
    await eventually(() => open() <= 64, 10_000, `hearthd to hold at most a quarter of its 256 descriptors for the GUI (${open()} open)`);
    assert.equal(d.child.exitCode, null, 'hearthd is still alive');
  });
});
