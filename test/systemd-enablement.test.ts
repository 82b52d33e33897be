/**
 * Enablement against the real thing: two identical trees, one changed by
 * Debian's own `systemctl --root=DIR enable|disable|mask|unmask` (works
 * without systemd running), the other by applying hearth's plans. After
 * every step the symlinks under etc/ must be the same, and `systemctl
 * is-enabled` must agree with hearth for every unit, in a tree made of real
 * Debian units plus units written for the corner cases (Also=,
 * DefaultInstance=, templates, drop-in [Install], runtime masks, linked files).
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { planDisable, planEnable, planMask, planUnmask, unitFileState, type InstallPaths, type LinkPlan } from '../src/systemd/index.js';
import { debianTree } from './helpers/debian-units.js';

const tree = debianTree();
const systemctl = spawnSync('systemctl', ['--version']).status === 0;
const skip = typeof tree === 'string' ? tree : !systemctl ? 'systemctl (systemd package) not installed' : false;

const DEBIAN_UNITS = ['nginx.service', 'ssh.service', 'ssh.socket', 'redis-server.service', 'cron.service', 'rsyslog.service', 'syslog.socket', 'postgresql@.service', 'postgresql.service', 'e2scrub_all.timer', 'e2scrub_all.service', 'fstrim.timer', 'fstrim.service', 'getty@.service', 'multi-user.target', 'graphical.target', 'rescue.target', 'sockets.target', 'timers.target', 'basic.target', 'sysinit.target'];

const CRAFTED: Record<string, string> = {
  'also-a.service': '[Service]\nExecStart=/bin/true\n[Install]\nAlso=also-b.service also-c.socket missing.service\n',
  'also-b.service': '[Service]\nExecStart=/bin/true\n[Install]\nWantedBy=multi-user.target\n',
  'also-c.socket': '[Socket]\nListenStream=1234\n[Install]\nWantedBy=sockets.target\n',
  'tmpl@.service': '[Service]\nExecStart=/bin/echo %i\n[Install]\nWantedBy=multi-user.target\nDefaultInstance=foo\n',
  'notdefault@.service': '[Service]\nExecStart=/bin/echo %i\n[Install]\nWantedBy=multi-user.target\nAlias=other@.service\n',
  'reqby.service': '[Service]\nExecStart=/bin/true\n[Install]\nRequiredBy=rescue.target\nWantedBy=graphical.target %p-extra.target\n',
  'static.service': '[Service]\nExecStart=/bin/true\n',
  'dropin.service': '[Service]\nExecStart=/bin/true\n',
  'dropin.service.d/install.conf': '[Install]\nWantedBy=multi-user.target\n',
  'multi.service': '[Service]\nExecStart=/bin/true\n[Install]\nWantedBy=multi-user.target graphical.target\nAlias=multi-alias.service multi-alias2.service\n',
};

const NAMES = [
  ...DEBIAN_UNITS, 'sshd.service', 'redis.service', 'postgresql@15-main.service', 'postgresql@16-main.service', 'getty@tty1.service',
  'also-a.service', 'also-b.service', 'also-c.socket', 'tmpl@.service', 'tmpl@foo.service', 'tmpl@bar.service', 'notdefault@.service',
  'notdefault@x.service', 'other@x.service', 'reqby.service', 'static.service', 'dropin.service', 'multi.service', 'multi-alias.service',
  'rt.service', 'linked.service', 'nonexistent.service',
];

function makeRoot(unitDir: string): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-enable-'));
  const lib = path.join(root, 'lib/systemd/system');
  fs.mkdirSync(lib, { recursive: true });
  fs.mkdirSync(path.join(root, 'etc/systemd/system'), { recursive: true });
  fs.mkdirSync(path.join(root, 'run/systemd/system'), { recursive: true });
  fs.mkdirSync(path.join(root, 'opt'), { recursive: true });
  for (const u of DEBIAN_UNITS) fs.copyFileSync(path.join(unitDir, u), path.join(lib, u));
  for (const [name, text] of Object.entries(CRAFTED)) {
    fs.mkdirSync(path.dirname(path.join(lib, name)), { recursive: true });
    fs.writeFileSync(path.join(lib, name), text);
  }
  fs.symlinkSync('/dev/null', path.join(root, 'run/systemd/system/rt.service'));
  fs.writeFileSync(path.join(root, 'opt/linked.service'), '[Service]\nExecStart=/bin/true\n[Install]\nWantedBy=multi-user.target\n');
  return root;
}

function pathsOf(root: string): InstallPaths {
  return {
    searchPath: ['etc/systemd/system', 'run/systemd/system', 'usr/local/lib/systemd/system', 'lib/systemd/system', 'usr/lib/systemd/system'].map((p) => path.join(root, p)),
    configPath: path.join(root, 'etc/systemd/system'),
    runtimePaths: [path.join(root, 'run/systemd/system')],
  };
}

/** Every symlink under etc/, with the root taken off both ends. */
function links(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isSymbolicLink()) out.push(`${path.relative(root, p)} -> ${fs.readlinkSync(p).replace(root, '')}`);
    }
  };
  walk(path.join(root, 'etc'));
  return out.sort();
}

function apply(plan: LinkPlan): void {
  for (const op of plan.ops) {
    if (op.op === 'symlink') {
      fs.mkdirSync(path.dirname(op.path), { recursive: true });
      if (op.replace) fs.rmSync(op.path, { force: true });
      fs.symlinkSync(op.target, op.path);
    } else {
      fs.rmSync(op.path, { force: true });
      // As systemd does: empty .wants/.requires directories go with their last link.
      const dir = path.dirname(op.path);
      if (/\.(wants|requires)$/.test(dir) && fs.readdirSync(dir).length === 0) fs.rmdirSync(dir);
    }
  }
}

/** systemctl is-enabled for each name; it stops at the first unit it cannot find, so go on after it ("not-found"). */
function isEnabled(root: string, names: readonly string[]): string[] {
  const out: string[] = [];
  while (out.length < names.length) {
    const rest = names.slice(out.length);
    const lines = spawnSync('systemctl', [`--root=${root}`, 'is-enabled', ...rest], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
    out.push(...lines.slice(0, rest.length));
    if (out.length < names.length && lines.length < rest.length) out.push('not-found');
  }
  return out;
}

describe('enablement', { skip }, () => {
  const { unitDir } = tree as Exclude<typeof tree, string>;

  test('enable, disable, mask and unmask make the same links as systemctl --root, and is-enabled agrees throughout', (t) => {
    const real = makeRoot(unitDir);
    const mine = makeRoot(unitDir);
    fs.symlinkSync('/opt/linked.service', path.join(real, 'etc/systemd/system/linked.service'));
    fs.symlinkSync(path.join(mine, 'opt/linked.service'), path.join(mine, 'etc/systemd/system/linked.service'));
    const paths = pathsOf(mine);
    const steps: Array<[string, string[]]> = [
      ['enable', ['nginx.service', 'ssh.service', 'redis-server.service', 'e2scrub_all.timer', 'ssh.socket', 'fstrim.timer']],
      ['enable', ['postgresql@15-main.service']],
      ['enable', ['postgresql@.service']],
      ['enable', ['also-a.service']],
      ['enable', ['tmpl@.service']],
      ['enable', ['tmpl@bar.service']],
      ['enable', ['notdefault@x.service']],
      ['enable', ['notdefault@.service']],
      ['enable', ['reqby.service', 'static.service', 'dropin.service', 'multi.service']],
      ['enable', ['linked.service']],
      ['enable', ['nonexistent.service']],
      ['enable', ['rt.service']],
      ['disable', ['sshd.service']],
      ['disable', ['redis.service', 'also-a.service']],
      ['disable', ['tmpl@.service', 'multi-alias.service']],
      ['mask', ['cron.service', 'nginx.service']],
      ['enable', ['cron.service']],
      ['unmask', ['cron.service', 'nginx.service']],
      ['disable', ['postgresql@15-main.service', 'linked.service', 'nonexistent.service']],
    ];
    let compared = 0;
    try {
      for (const [verb, names] of steps) {
        const r = spawnSync('systemctl', [`--root=${real}`, '--no-reload', verb, ...names], { encoding: 'utf8' });
        const plan = verb === 'enable' ? planEnable(names, paths) : verb === 'disable' ? planDisable(names, paths) : verb === 'mask' ? planMask(names, paths) : planUnmask(names, paths);
        assert.equal(plan.errors.length > 0, r.status !== 0, `${verb} ${names.join(' ')}: systemctl said ${r.stderr.trim()} / hearth ${plan.errors.join('; ')}`);
        if (plan.errors.length === 0) apply(plan);
        const realStates = isEnabled(real, NAMES);
        assert.deepEqual(links(mine), links(real), `links after ${verb} ${names.join(' ')}`);
        const ours = NAMES.map((n) => unitFileState(n, paths));
        assert.deepEqual(Object.fromEntries(NAMES.map((n, i) => [n, ours[i]])), Object.fromEntries(NAMES.map((n, i) => [n, realStates[i]])), `is-enabled after ${verb} ${names.join(' ')}`);
        compared += NAMES.length;
      }
      t.diagnostic(`${steps.length} steps, ${links(real).length} links at the end, ${compared} is-enabled answers identical`);
    } finally {
      fs.rmSync(real, { recursive: true, force: true });
      fs.rmSync(mine, { recursive: true, force: true });
    }
  });
});
