/**
 * hearth-spawner's "cgroups": a server joins the cgroup.procs files it is
 * given between fork and exec, so it is inside its service before its
 * program runs; without the helper, Node's spawn goes through hearth-cgexec
 * to the same effect. Bad entries are refused and the connection closed.
 */
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { ServerSpawner, nativeHelperPath, type ServerProcess } from '../src/native/index.js';
import { openTracking } from '../src/boundary/index.js';
import { waitFor } from './fixtures/xinetd/harness.js';
import { tempDir } from './helpers/index.js';

const HELPER = nativeHelperPath('hearth-spawner');
const CGEXEC = nativeHelperPath('hearth-cgexec');
const cgroupsHere = existsSync('/sys/fs/cgroup/unified/cgroup.procs') || existsSync('/sys/fs/cgroup/cgroup.procs');
const skip = !HELPER || !CGEXEC ? 'the native helpers are not built' : cgroupsHere ? false : 'this host has no cgroup v2 hierarchy';

/** The shell itself opens /proc/self/cgroup: what it prints is where it was before it ran anything else. */
const PRINT = 'umask; echo "$0"; while read -r l; do echo "$l"; done < /proc/self/cgroup';

const cleanups: Array<() => void> = [];
after(() => {
  for (const c of cleanups.reverse()) c();
});

function serveOnce(sp: ServerSpawner, file: string, args: string[], cgroups: string[]): Promise<{ out: string; server: ServerProcess; failure: Promise<string | undefined> }> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer({ pauseOnConnect: true }, (socket) => {
      const server = sp.spawn(file, args, { socket, env: { PATH: '/usr/bin:/bin' }, argv0: 'served', umask: 0o027, cgroups });
      const failure = new Promise<string | undefined>((r) => {
        server.once('error', (e: Error) => r(e.message));
        server.once('exit', () => r(undefined));
      });
      let out = '';
      client.on('data', (d) => (out += d.toString()));
      client.on('close', () => {
        srv.close();
        resolve({ out, server, failure });
      });
    });
    let client: net.Socket;
    srv.listen(0, '127.0.0.1', () => {
      client = net.connect((srv.address() as net.AddressInfo).port, '127.0.0.1');
      client.on('error', reject);
    });
  });
}

describe('per-connection servers joining their service\'s cgroups', { skip }, () => {
  const rt = tempDir('hearth-spawner-cg-');
  const tracking = openTracking({ runtimeDir: rt.path, mode: 'cgroup', cgexec: CGEXEC });
  const unit = tracking.unit('inetd', `spawned-${process.pid}`);
  const files = unit.joinFiles() ?? [];
  cleanups.push(() => {
    tracking.close();
    rt.cleanup();
  });

  for (const helperPath of [undefined, null]) {
    const how = helperPath === null ? 'Node\'s spawn through hearth-cgexec' : 'the spawner helper';
    test(`a server started by ${how} is in every cgroup given from its first instruction, argv0 and umask kept`, async () => {
      assert.equal(tracking.mode, 'cgroup');
      const sp = new ServerSpawner({ helperPath });
      cleanups.push(() => sp.close());
      const { out, failure } = await serveOnce(sp, '/bin/sh', ['-c', PRINT], files);
      assert.equal(await failure, undefined);
      const lines = out.trim().split('\n');
      assert.deepEqual(lines.slice(0, 2), ['0027', 'served']);
      assert.match(lines.find((l) => l.startsWith('0::')) ?? '', new RegExp(`/spawned-${process.pid}\\.inetd$`), out);
      // Each v1 hierarchy joined (hybrid hosts): its line names the unit too.
      for (const f of files.slice(1)) {
        // /sys/fs/cgroup/pids/hearth-…/NAME.inetd/cgroup.procs → the "N:pids:/hearth-…/NAME.inetd" line
        const controllers = f.split('/')[4]!.split(',');
        const line = lines.find((l) => l.split(':')[1]?.split(',').some((c) => controllers.includes(c)));
        assert.match(line ?? '', new RegExp(`/spawned-${process.pid}\\.inetd$`), `${f}\n${out}`);
      }
    });
  }

  test('a cgroup that does not exist is an error event naming it, and the connection is closed', async () => {
    const sp = new ServerSpawner();
    cleanups.push(() => sp.close());
    const missing = join(files[0]!, '..', 'gone', 'cgroup.procs');
    const { out, failure } = await serveOnce(sp, '/bin/sh', ['-c', PRINT], [missing]);
    assert.equal(out, '');
    assert.match((await failure) ?? '', /cannot join the cgroup of .*gone\/cgroup\.procs: No such file/);
  });

  test('entries that are not cgroup.procs paths are refused before anything starts', async () => {
    const helper = spawn(HELPER!, [], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    cleanups.push(() => helper.kill('SIGKILL'));
    const replies: Array<{ id?: number; error?: string; pid?: number }> = [];
    helper.on('message', (m) => replies.push(m as (typeof replies)[number]));
    const srv = net.createServer({ pauseOnConnect: true });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    cleanups.push(() => srv.close());
    const port = (srv.address() as net.AddressInfo).port;
    const bad = [
      'relative/cgroup.procs',
      '/tmp/not-a-procs-file',
      `${files[0]!.replace(/cgroup\.procs$/, '')}../../cgroup.procs`,
      42,
      Array.from({ length: 9 }, () => files[0]!),
    ];
    for (const [i, cgroups] of bad.entries()) {
      const client = net.connect(port, '127.0.0.1');
      client.on('error', () => undefined);
      const sock = await new Promise<net.Socket>((r) => srv.once('connection', r));
      helper.send({ id: i + 1, file: '/bin/sh', argv: ['sh', '-c', 'echo ran'], env: [], cgroups: Array.isArray(cgroups) ? cgroups : [cgroups] }, sock);
      await new Promise((r) => client.once('close', r));
    }
    await waitFor(() => replies.filter((r) => r.id !== undefined).length === bad.length);
    const answers = replies.filter((r) => r.id !== undefined);
    assert.ok(answers.every((r) => r.pid === undefined && /cgroup/.test(r.error ?? '')), JSON.stringify(answers));
    assert.match(answers[4]!.error!, /more than 8/);
  });
});
