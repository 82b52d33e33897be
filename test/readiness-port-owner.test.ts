/**
 * ready = "tcp:…" counts only the service's own listener: a port that
 * another process already holds (an old instance, a second copy) is not the
 * service being ready. The start times out instead, naming the holder.
 */
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Supervisor } from '../src/supervisor/index.js';
import { EventBus } from '../src/events/index.js';
import { nativeHelperPath } from '../src/native/index.js';
import { openTracking } from '../src/boundary/index.js';
import { FIXTURE_BIN, makeDef, tempDir, eventually, freePort } from './helpers/index.js';

function harness(mode: 'auto' | 'process-group') {
  const dir = tempDir();
  const bus = new EventBus();
  const tracking = openTracking({ runtimeDir: dir.path, mode, cgexec: nativeHelperPath('hearth-cgexec') });
  const sup = new Supervisor({
    tracking,
    emit: (e) => bus.emit(e),
    logSink: () => ({ write: () => undefined, end: () => undefined }),
    configDir: dir.path,
  });
  return {
    sup,
    bus,
    cleanup: async () => {
      await sup.stopAll();
      sup.close();
      tracking.close();
      dir.cleanup();
    },
  };
}

/** Another program on the port: a listener hearthd did not start, that shrugs off the probes. */
async function holdPort(port: number) {
  const script = `require("net").createServer((s) => s.on("error", () => {}).end()).listen(${port}, "127.0.0.1", () => console.log("listening"))`;
  const holder = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    holder.stdout!.once('data', () => resolve());
    holder.once('exit', (code) => reject(new Error(`the port holder exited with ${code}`)));
  });
  return holder;
}

for (const mode of ['auto', 'process-group'] as const) {
  describe(`tcp readiness and the owner of the port (tracking: ${mode})`, () => {
    const h = harness(mode);
    after(() => h.cleanup());

    test("a service whose port is held by another process stays starting, times out, and the message names the holder", async () => {
      const port = await freePort();
      const holder = await holdPort(port);
      try {
        // The second copy never listens itself (as one that retries its bind would not).
        await h.sup.define(makeDef('second', { exec: ['/bin/sleep', '1000'], ready: { kind: 'tcp', host: '127.0.0.1', port }, startTimeoutMs: 1500, restart: 'never' }));
        const states: string[] = [];
        const off = h.bus.subscribe((e) => e.type === 'service.state' && e.name === 'second' && states.push(e.to));
        const error = await h.sup.start('second').then(
          () => undefined,
          (e: Error) => e,
        );
        off();
        assert.ok(error, `start() must fail while another process holds the port; the states were ${states.join(' -> ')}`);
        assert.match(error.message, new RegExp(`"second" did not become ready within 1\\.5s \\(ready = tcp\\): port ${port} is held by pid ${holder.pid} \\(\\S*node\\b.*\\), not by the service`));
        assert.ok(!states.includes('running'), `never running: ${states.join(' -> ')}`);
        await eventually(() => h.sup.get('second').state === 'exited', 5000, 'the timed-out start to end');
      } finally {
        holder.kill();
      }
    });

    test('a listener held by a child of the service counts as the service\'s', async () => {
      const port = await freePort();
      await h.sup.define(
        makeDef('parent', {
          // The shell stays the main process; the listener is its child's.
          exec: ['/bin/sh', '-c', `"${process.execPath}" "${join(FIXTURE_BIN, 'tcp-ready.mjs')}" & wait`],
          environment: { PORT: String(port), DELAY_MS: '100' },
          ready: { kind: 'tcp', host: '127.0.0.1', port },
          startTimeoutMs: 10_000,
        }),
      );
      await h.sup.start('parent');
      assert.equal(h.sup.get('parent').state, 'running');
      await h.sup.stop('parent');
    });

    test('a service that binds the port once the other program lets go becomes ready', async () => {
      let probes = 0;
      const holder = createServer((s) => {
        probes++;
        s.destroy();
      });
      await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
      const port = (holder.address() as AddressInfo).port;
      // Binds as soon as it can: the first tries fail while the holder is there.
      const retry = `const go=()=>require("net").createServer().listen(${port},"127.0.0.1").on("error",()=>setTimeout(go,50));go()`;
      await h.sup.define(makeDef('patient', { exec: [process.execPath, '-e', retry], ready: { kind: 'tcp', host: '127.0.0.1', port }, startTimeoutMs: 20_000 }));
      const started = h.sup.start('patient');
      try {
        // A second probe reaching the holder means the first was turned down.
        await eventually(() => probes >= 2, 10_000, 'two readiness probes turned down by the holder');
        assert.equal(h.sup.get('patient').state, 'starting');
      } finally {
        await new Promise<void>((resolve) => holder.close(() => resolve()));
      }
      await started;
      assert.equal(h.sup.get('patient').state, 'running');
      await h.sup.stop('patient');
    });
  });
}
