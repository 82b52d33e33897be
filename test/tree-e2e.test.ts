import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDaemon, type RunningDaemon } from './helpers/daemon.js';
import { eventually } from './helpers/index.js';

interface Node {
  pid: number;
  user: string;
  command: string;
  service?: string;
  hearth?: boolean;
  rssBytes: number;
  children: Node[];
}

describe('hearth tree', () => {
  let d: RunningDaemon;
  before(async () => {
    d = await startDaemon({
      'services/forker.toml': 'exec = ["/bin/sh", "-c", "sleep 1001 & exec sleep 1002"]\n',
      'services/lone.toml': 'exec = ["/bin/sleep", "1003"]\n',
      // A double fork: the sleep's parent exits, so it is re-parented away from hearthd's tree.
      'services/runaway.toml': 'exec = ["/bin/sh", "-c", "(setsid sleep 1004 &); exec sleep 1005"]\n',
    });
  });
  after(() => d?.stop());

  test('hearthd at the root, its services labelled, and what they forked beneath them', async () => {
    const root = await eventually(() => {
      const r = d.cli('tree', '--json');
      const t = JSON.parse(r.stdout) as Node;
      const forker = t.children.find((c) => c.service === 'forker');
      return forker && forker.children.some((c) => c.command === 'sleep 1001') ? t : undefined;
    }, 5000, 'the forked child under its service');
    assert.equal(root.service, 'hearthd');
    assert.ok(root.rssBytes > 0);
    assert.ok(root.children.some((c) => c.service === 'lone' && c.command === '/bin/sleep 1003'));
    assert.ok(root.children.every((c) => typeof c.user === 'string'));
  });

  test('with cgroups, a process that left hearthd\'s tree (a double fork) is still shown, under its unit\'s name', async () => {
    const info = JSON.parse(d.cli('status', 'runaway', '--json').stdout) as { cgroup?: string };
    if (!info.cgroup?.startsWith('/sys/fs/cgroup')) return; // tracked by process groups here: nothing to attribute
    const root = await eventually(() => {
      const t = JSON.parse(d.cli('tree', '--json').stdout) as Node;
      return t.children.some((c) => c.command === 'sleep 1004') ? t : undefined;
    }, 5000, 'the escaped sleep under hearthd');
    assert.equal(root.children.find((c) => c.command === 'sleep 1004')?.service, "runaway (left hearthd's tree)");
  });

  test('the text view draws the tree with pid, user, CPU and memory', () => {
    const r = d.cli('tree');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^ +PID USER +CPU +RSS +PROCESS$/m);
    assert.match(r.stdout, /^ +\d+ \S+ +\d+\.\d\ds +\d+\.\dM +hearthd /m);
    assert.match(r.stdout, /(`-|└─|├─) (forker|lone) /);
  });

  test('--all shows every process, with hearth\'s marked', () => {
    const roots = JSON.parse(d.cli('tree', '--all', '--json').stdout) as Node[];
    const all: Node[] = [];
    const walk = (n: Node) => {
      all.push(n);
      n.children.forEach(walk);
    };
    roots.forEach(walk);
    assert.ok(all.some((n) => n.pid === process.pid), 'this test process is in it too');
    assert.ok(all.filter((n) => n.hearth).some((n) => n.service === 'lone'));
    assert.equal(all.find((n) => n.pid === process.pid)!.hearth, undefined);
  });
});
