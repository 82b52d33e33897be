/**
 * examples/container without docker (no engine runs here): the image's layout
 * is rebuilt in namespaces of its own. /etc and /var are overlays whose upper
 * layer holds the example's /etc/hearth, /run is a fresh tmpfs, the network
 * is a loopback of its own, the host's systemd units and /tmp are hidden (the
 * image has neither), and hearthd starts as PID 1 with no arguments, as
 * the image's ENTRYPOINT does. `hearth` is then used through nsenter, as
 * `docker exec` would, and SIGTERM to PID 1 is `docker stop`.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO, eventually, tempDir, zombiesUnder } from './helpers/index.js';
import { inNamespace, startAsPid1 } from './helpers/pid-namespace.js';

const EXAMPLE = join(REPO, 'examples', 'container');
const work = tempDir('hearth-container-');

/** The shell that sets up the image's file system, then becomes hearthd (still PID 1). */
function initScript(upper: string, scratch: string): string {
  return [
    'set -e',
    `mount -t overlay overlay -o lowerdir=/etc,upperdir=${upper}/etc,workdir=${scratch}/etc /etc`,
    `mount -t overlay overlay -o lowerdir=/var,upperdir=${upper}/var,workdir=${scratch}/var /var`,
    'mount -t tmpfs tmpfs /run',
    // The image (node:20-bookworm-slim) has no systemd units and a /tmp of its own. This host has
    // both: its enabled units would all start here (systemd-tmpfiles --boot among them, which empties
    // /tmp), and the host's /tmp must never be the container's.
    ...['/etc/systemd', '/lib/systemd/system', '/usr/lib/systemd/system', '/tmp']
      .map((d) => `if [ -d ${d} ]; then mount -t tmpfs tmpfs ${d}; fi`),
    'ip link set lo up',
    `exec ${join(REPO, 'bin', 'hearthd')}`,
  ].join('\n');
}

interface ServiceRow {
  name: string;
  state: string;
}

describe('examples/container, with hearthd as PID 1', () => {
  after(() => work.cleanup());

  test('the Dockerfile copies the config this test runs and starts hearthd as the entry point', () => {
    const dockerfile = readFileSync(join(EXAMPLE, 'Dockerfile'), 'utf8');
    assert.match(dockerfile, /^FROM node:20-bookworm-slim\b/m);
    assert.match(dockerfile, /^COPY hearth\/ \/etc\/hearth\/$/m);
    assert.match(dockerfile, /^ENTRYPOINT \["hearthd"\]$/m);
    assert.match(dockerfile, /^STOPSIGNAL SIGTERM$/m);
  });

  test('services start, hearth works through nsenter, orphans are reaped, SIGTERM stops all in order and exits 0', async () => {
    const upper = join(work.path, 'upper');
    const scratch = join(work.path, 'work');
    for (const d of ['etc', 'var']) {
      mkdirSync(join(upper, d), { recursive: true });
      mkdirSync(join(scratch, d), { recursive: true });
    }
    cpSync(join(EXAMPLE, 'hearth'), join(upper, 'etc', 'hearth'), { recursive: true });
    // One more service than the example, to prove reaping: every 100 ms a child
    // leaves a grandchild behind, which ends as a zombie unless PID 1 reaps it.
    writeFileSync(join(upper, 'etc', 'hearth', 'services', 'orphans.toml'), 'exec = ["/bin/sh", "-c", "while :; do sh -c \'sleep 0.05 & exit 0\'; sleep 0.1; done"]\nstop_timeout = "3s"\n');
    writeFileSync(join(work.path, 'init.sh'), initScript(upper, scratch));

    const init = await startAsPid1(['/bin/sh', join(work.path, 'init.sh')], process.env, ['--net']);
    try {
      const hearth = (...args: string[]) => inNamespace(init.initPid, [join(REPO, 'bin', 'hearth'), ...args]);
      const expected = ['echo-stream', 'hello', 'hello-web', 'orphans', 'ticker', 'xinetd'];
      await eventually(() => {
        const r = hearth('list', '--json');
        if (r.code !== 0) return false;
        const rows = JSON.parse(r.stdout) as ServiceRow[];
        return expected.every((name) => rows.some((s) => s.name === name && s.state === 'running'));
      }, 30_000, 'every service of the example running');

      // The services answer on the container's own loopback.
      assert.equal(inNamespace(init.initPid, ['curl', '-s', 'http://127.0.0.1:8080/']).stdout, 'hello from hello-web\n');
      assert.equal(inNamespace(init.initPid, ['nc', '-q1', '127.0.0.1', '7'], 'ping\n').stdout, 'ping\n');
      assert.match(inNamespace(init.initPid, ['nc', '-q1', '127.0.0.1', '2323'], '').stdout, /^hello from a server started for this connection\n/);
      assert.equal(hearth('status', 'ticker').code, 0);
      assert.equal(hearth('runlevel').stdout.trim(), 'N 3');

      // PID 1 is hearth-init, hearthd its child; orphans made meanwhile are gone.
      assert.equal(readFileSync(`/proc/${init.initPid}/comm`, 'utf8').trim(), 'hearth-init');
      const sample = Date.now() + 1500;
      await eventually(() => Date.now() > sample, 5000, 'orphans made');
      // A zombie may be caught in the instant before it is reaped; leaked ones pile up and never go.
      await eventually(() => zombiesUnder(init.initPid) === 0, 5000, 'no zombie left in the container');

      init.signal('SIGTERM');
      const { code } = await init.exited;
      const out = init.output();
      assert.equal(code, 0, out);
      // Every service was stopped, none had to be killed for running past its stop_timeout.
      for (const name of ['hello-web', 'orphans', 'ticker']) assert.match(out, new RegExp(`${name}: stopping -> stopped`), `${name} was not stopped`);
      assert.doesNotMatch(out, /did not stop within/);
      // Reverse order: hello-web starts after ticker, so it stops before ticker begins to.
      assert.ok(out.indexOf('hello-web: stopping -> stopped') < out.indexOf('ticker: running -> stopping'), out);
      assert.match(out, /hearthd stopped/);
    } finally {
      init.kill();
    }
  });
});
