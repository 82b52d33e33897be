/**
 * hearth-spawner's service requests, driven directly: the process is created
 * inside the cgroup it names, its fds 0-2 are hearthd's descriptors reopened
 * with hearthd's access mode, and every bad request gets an error naming the
 * field while the helper carries on.
 */
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { closeSync, constants, mkdirSync, openSync, readFileSync, readSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ServerSpawner, nativeHelperPath, type ServerProcess, type ServiceSpawnRequest } from '../src/native/index.js';
import { CGROUP_V2_ROOT, tempDir } from './helpers/index.js';
import { withClone3Refused } from './helpers/refuse-clone3.js';

const HELPER = nativeHelperPath('hearth-spawner');
const skip = HELPER ? false : 'native/build/hearth-spawner is not built (no C compiler?)';

type Outcome = { pid: number; exit: Promise<{ code: number | null; signal: string | null }> } | { error: string };

/** Starts a request and waits for the pid (with its exit still to come) or the error. */
function start(spawner: ServerSpawner, r: Partial<ServiceSpawnRequest>): Promise<Outcome> {
  const p: ServerProcess = spawner.spawnService({ file: '/bin/true', argv: ['true'], env: {}, cwd: '/', stdio: [null, null, null], ...r });
  const exit = new Promise<{ code: number | null; signal: string | null }>((resolve) => p.once('exit', (code, signal) => resolve({ code, signal })));
  return new Promise((resolve) => {
    p.once('spawn', () => resolve({ pid: p.pid!, exit }));
    p.once('error', (e: Error) => resolve({ error: e.message }));
  });
}

function started(o: Outcome): { pid: number; exit: Promise<{ code: number | null; signal: string | null }> } {
  if ('error' in o) assert.fail(`expected a start, got: ${o.error}`);
  return o;
}

describe('hearth-spawner: service requests', { skip }, () => {
  const dir = tempDir('hearth-spawner-req-');
  const spawner = new ServerSpawner();
  after(() => {
    spawner.close();
    dir.cleanup();
  });

  test('output goes to the file behind hearthd\'s descriptor, appended when hearthd opened it to append; a FIFO is reopened as one', async () => {
    const log = join(dir.path, 'out.log');
    writeFileSync(log, 'before\n');
    const appendFd = openSync(log, 'a');
    const fifo = join(dir.path, 'out.fifo');
    execFileSync('mkfifo', [fifo]);
    const fifoFd = openSync(fifo, 'r+');
    try {
      const s = started(await start(spawner, { file: '/bin/sh', argv: ['sh', '-c', 'echo one; echo two >&2'], stdio: [null, appendFd, fifoFd] }));
      assert.deepEqual(await s.exit, { code: 0, signal: null });
      assert.equal(readFileSync(log, 'utf8'), 'before\none\n');
      // The FIFO holds what the program wrote (hearthd's own copy is open for reading too).
      const buf = Buffer.alloc(64);
      const n = readSync(fifoFd, buf);
      assert.equal(buf.subarray(0, n).toString(), 'two\n');
    } finally {
      closeSync(appendFd);
      closeSync(fifoFd);
    }
  });

  test('a FIFO named by its path is opened read-write: hearthd holds nothing for the start', async () => {
    const fifo = join(dir.path, 'by-path.fifo');
    execFileSync('mkfifo', [fifo]);
    const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
    try {
      // The program checks it got its stdout read-write and blocking, as a service's pipe from hearthd is.
      const s = started(await start(spawner, { file: '/bin/sh', argv: ['sh', '-c', 'grep -E "^flags:" /proc/self/fdinfo/1; echo written'], stdio: [null, fifo, fifo] }));
      assert.deepEqual(await s.exit, { code: 0, signal: null });
      const buf = Buffer.alloc(256);
      const text = buf.subarray(0, readSync(reader, buf)).toString();
      const [flags, written] = text.trim().split('\n');
      const mode = parseInt(flags!.split(/\s+/)[1]!, 8);
      assert.equal(mode & 3, constants.O_RDWR, text); // the access mode bits (Node has no O_ACCMODE)
      assert.equal(mode & constants.O_NONBLOCK, 0, text);
      assert.equal(written, 'written');
    } finally {
      closeSync(reader);
    }
  });

  test('the working directory, umask, environment, limits and a session of its own', async () => {
    const out = join(dir.path, 'facts');
    const fd = openSync(out, 'w');
    try {
      const script = 'echo "$(pwd) $(umask) $(ulimit -Sn):$(ulimit -Hn) $GREETING $(ps -o sid= -p $$) $$"';
      const s = started(
        await start(spawner, { file: '/bin/sh', argv: ['sh', '-c', script], env: { GREETING: 'hi', PATH: '/usr/bin:/bin' }, cwd: '/usr', umask: 0o077, rlimits: ['nofile=111:222'], stdio: [null, fd, fd] }),
      );
      assert.deepEqual(await s.exit, { code: 0, signal: null });
      const [cwd, umask, nofile, greeting, sid, pid] = readFileSync(out, 'utf8').trim().split(/\s+/);
      assert.deepEqual([cwd, umask, nofile, greeting], ['/usr', '0077', '111:222', 'hi']);
      assert.equal(sid, pid, 'it leads its own session');
    } finally {
      closeSync(fd);
    }
  });

  test('nothing blocked or ignored: the helper\'s own signal settings do not reach the program', async () => {
    const out = join(dir.path, 'signals');
    const fd = openSync(out, 'w');
    try {
      const s = started(await start(spawner, { file: '/bin/grep', argv: ['grep', '-E', '^Sig(Blk|Ign):', '/proc/self/status'], stdio: [null, fd, fd] }));
      assert.deepEqual(await s.exit, { code: 0, signal: null });
      assert.equal(readFileSync(out, 'utf8'), 'SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n');
    } finally {
      closeSync(fd);
    }
  });

  /**
   * Starts `cat /proc/self/cgroup` through `through` in a fresh cgroup NAME (killed through
   * cgroup.kill first with `killed`); checks it ran and returns the cgroup it read as its own.
   */
  async function cgroupSeenInside(through: ServerSpawner, name: string, killed = false): Promise<string | undefined> {
    const cg = join(CGROUP_V2_ROOT!, name);
    mkdirSync(cg, { recursive: true });
    if (killed) writeFileSync(join(cg, 'cgroup.kill'), '1');
    const out = join(dir.path, `${name}.out`);
    const fd = openSync(out, 'w');
    try {
      const s = started(await start(through, { file: '/bin/cat', argv: ['cat', '/proc/self/cgroup'], cgroup: cg, stdio: [null, fd, fd] }));
      assert.deepEqual(await s.exit, { code: 0, signal: null });
      return /^0::(.*)$/m.exec(readFileSync(out, 'utf8'))?.[1];
    } finally {
      closeSync(fd);
      rmdirSync(cg);
    }
  }
  const needsCgroups = { skip: CGROUP_V2_ROOT ? false : 'needs root and a cgroup v2 hierarchy' };

  test('the process is created inside the cgroup v2 the request names', needsCgroups, async () => {
    const name = `hearth-spawner-test-${process.pid}`;
    assert.equal(await cgroupSeenInside(spawner, name), `/${name}`);
  });

  test('where a seccomp profile refuses clone3, the process still starts, inside its cgroup', needsCgroups, async () => {
    const helper = withClone3Refused(HELPER!, dir.path);
    assert.ok(helper, 'the fixture compiles where the helpers did');
    const refused = new ServerSpawner({ helperPath: helper });
    try {
      const name = `hearth-spawner-seccomp-${process.pid}`;
      assert.equal(await cgroupSeenInside(refused, name), `/${name}`);
    } finally {
      refused.close();
    }
  });

  test('a cgroup once killed through cgroup.kill still gets its process, inside it', needsCgroups, async () => {
    // Kernel 6.18 SIGKILLs every CLONE_INTO_CGROUP child of a cgroup that was
    // killed once; the helper sees it die unborn and starts it by a move instead.
    const name = `hearth-spawner-killed-${process.pid}`;
    assert.equal(await cgroupSeenInside(spawner, name, true), `/${name}`);
  });

  test('the exit status: a code, or the signal that ended it', async () => {
    const a = started(await start(spawner, { file: '/bin/sh', argv: ['sh', '-c', 'exit 7'] }));
    assert.deepEqual(await a.exit, { code: 7, signal: null });
    const b = started(await start(spawner, { file: '/bin/sleep', argv: ['sleep', '30'] }));
    process.kill(b.pid, 'SIGKILL');
    assert.deepEqual(await b.exit, { code: null, signal: 'SIGKILL' });
  });

  test('what keeps a program from running is an error, and no exit follows', async () => {
    const cases: Array<[Partial<ServiceSpawnRequest>, RegExp]> = [
      [{ file: '/nonexistent/program' }, /cannot run \/nonexistent\/program: No such file/],
      [{ cwd: '/nonexistent-dir' }, /cannot enter the working directory \/nonexistent-dir/],
      [{ stdio: [null, 987654, null] }, /cannot open hearthd's descriptor 987654 for fd 1/],
      [{ stdio: [null, '/etc/hostname', null] }, /"stdio"\[1\]: \/etc\/hostname is not a FIFO/],
      [{ stdio: [null, null, '/nonexistent/pipe'] }, /cannot open the pipe \/nonexistent\/pipe for fd 2: No such file/],
      [{ cgroup: '/nonexistent-cgroup' }, /cannot join the cgroup \/nonexistent-cgroup/],
      [{ joins: ['/nonexistent/cgroup.procs'] }, /cannot join the cgroup of \/nonexistent\/cgroup\.procs/],
    ];
    for (const [request, message] of cases) {
      const o = await start(spawner, request);
      assert.ok('error' in o, `${JSON.stringify(request)} started`);
      assert.match(o.error, message);
    }
  });
});

describe('hearth-spawner: a service request without the helper', () => {
  test('is an error event saying the helper is not available (the runner then starts it itself)', async () => {
    const sp = new ServerSpawner({ helperPath: null });
    try {
      const o = await start(sp, {});
      assert.ok('error' in o);
      assert.match(o.error, /"hearth-spawner" is not available/);
    } finally {
      sp.close();
    }
  });
});

describe('hearth-spawner: malformed service requests', { skip }, () => {
  test('each is refused with the field it got wrong, and the helper carries on', async () => {
    const h = spawn(HELPER!, [], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], serialization: 'json' });
    const replies = new Map<number, string>();
    h.on('message', (m: { id?: number; error?: string; pid?: number }) => {
      if (typeof m.id === 'number') replies.set(m.id, m.error ?? `pid ${m.pid}`);
    });
    const ok = { file: '/bin/true', argv: ['true'], env: [], stdio: [null, null, null] };
    const bad: Array<[Record<string, unknown>, RegExp]> = [
      [{ file: 'bin/true' }, /"file" must be an absolute path/],
      [{ cwd: 'tmp' }, /"cwd" must be an absolute path/],
      [{ stdio: [null, null] }, /"stdio" must be an array of three entries/],
      [{ stdio: [null, 'x', null] }, /"stdio"\[1\] must be an absolute path/],
      [{ stdio: [null, true, null] }, /"stdio"\[1\] must be null, a FIFO's path or a descriptor number/],
      [{ rlimits: ['nofile=12'] }, /"rlimits"\[0\] must be a "NAME=SOFT:HARD" string/],
      [{ rlimits: ['bogus=1:2'] }, /"rlimits"\[0\]/],
      [{ rlimits: 'nofile=1:2' }, /"rlimits" must be an array of "NAME=SOFT:HARD" strings/],
      [{ rlimits: [7] }, /"rlimits"\[0\] must be a "NAME=SOFT:HARD" string/],
      [{ rlimits: Array.from({ length: 100 }, () => 'nofile=1:2') }, /"rlimits" has more than \d+ entries/],
      [{ joins: '/sys/fs/cgroup/memory/x/cgroup.procs' }, /"joins" must be an array of cgroup.procs paths/],
      [{ joins: Array.from({ length: 100 }, () => '/sys/fs/cgroup/memory/x/cgroup.procs') }, /"joins" has more than \d+ entries/],
      [{ cgroup: '/sys/fs/cgroup/../etc' }, /"cgroup" must be the absolute path/],
      [{ joins: ['/etc/passwd'] }, /"joins"\[0\] must be the absolute path of a cgroup.procs file/],
      [{ env: ['NOEQUALS'] }, /"env"\[0\] must be a "NAME=value" string/],
      [{ argv: [] }, /"argv" must not be empty/],
      [{ umask: 512 }, /"umask" must be an integer from 0 to 0777/],
    ];
    try {
      bad.forEach(([fields], i) => h.send({ ...ok, ...fields, id: i + 1 }));
      h.send({ ...ok, id: 100 });
      const deadline = Date.now() + 10_000;
      while (replies.size < bad.length + 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      bad.forEach(([fields, message], i) => assert.match(replies.get(i + 1) ?? '(no reply)', message, JSON.stringify(fields)));
      assert.match(replies.get(100) ?? '', /^pid \d+$/, 'a good request after the bad ones still starts');
    } finally {
      h.disconnect();
    }
  });
});
