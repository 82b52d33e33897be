import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hasXinetd } from './fixtures/xinetd/harness.js';
import { FIXTURES, REPO, tempDir } from './helpers/index.js';

/**
 * What a server is, and what it sees, under xinetd and under hearth: user,
 * group and supplementary groups (issue 20 item 6) and the environment (item
 * 9). Both super-servers run side by side inside a private mount namespace
 * whose /etc/passwd and /etc/group add a user with a supplementary group
 * (the machine's own files are never touched), started with supplementary
 * groups of their own, so that inheriting them would show.
 */

const USER = 'hearthprobe';
const UID = 42_420;
const EXTRA_GID = 42_421;
const DAEMON_GROUPS = '0,4,24';

const id = (name: string, port: number, lines: string): string =>
  `service ${name}\n{\n\ttype = UNLISTED\n\tsocket_type = stream\n\tprotocol = tcp\n\tport = PORT(${port})\n\twait = no\n\tflags = IPv4\n${lines}\n}\n`;

/** ids.sh prints its argv[0], then `id -u`, `id -g` and `id -G`. */
function template(banner: string, ids: string): string {
  return [
    id('as-root', 0, `\tuser = root\n\tserver = ${ids}`),
    id('as-user', 1, `\tuser = ${USER}\n\tserver = ${ids}`),
    id('as-user-groups', 2, `\tuser = ${USER}\n\tgroups = yes\n\tserver = ${ids}`),
    id('group-only', 3, `\tuser = root\n\tgroup = daemon\n\tserver = ${ids}`),
    id('user-and-group', 4, `\tuser = ${USER}\n\tgroup = daemon\n\tgroups = yes\n\tserver = ${ids}`),
    // id names itself (its argv[0]) in its complaint, on stderr, which is the connection too.
    id('nice-and-argv0', 9, `\tuser = ${USER}\n\tnice = 5\n\tserver = /usr/bin/id\n\tserver_args = --bogus`),
    id('env-all', 5, '\tuser = root\n\tserver = /usr/bin/env'),
    id('env-pass', 6, '\tuser = root\n\tserver = /usr/bin/env\n\tpassenv = PATH HEARTH_PROBE_A\n\tenv = FOO=bar HEARTH_PROBE_A=overridden'),
    id('env-none', 7, '\tuser = root\n\tserver = /usr/bin/env\n\tpassenv =\n\tenv = ONLY=this'),
    id('env-banner', 8, `\tuser = root\n\tserver = /usr/bin/env\n\tbanner = ${banner}`),
  ].join('');
}

interface Probe {
  results: Record<string, { xinetd: string; hearth: string }>;
  errors: string[];
  parseErrors: string[];
}

describe('user, groups and environment against the real xinetd', { skip: hasXinetd ? false : 'xinetd is not installed (apt-get install xinetd)' }, () => {
  const dir = tempDir('hearth-identity-test-');
  const probes: Partial<Record<'hearth' | 'xinetd', Probe>> = {};

  function probe(envCompat: 'hearth' | 'xinetd'): Probe {
    const passwd = join(dir.path, 'passwd');
    const group = join(dir.path, 'group');
    writeFileSync(passwd, `${readFileSync('/etc/passwd', 'utf8').trimEnd()}\n${USER}:x:${UID}:${UID}::/nonexistent:/usr/sbin/nologin\n`);
    writeFileSync(group, `${readFileSync('/etc/group', 'utf8').trimEnd()}\n${USER}:x:${UID}:\nhearthprobe-extra:x:${EXTRA_GID}:${USER}\n`);
    const banner = join(dir.path, 'banner');
    writeFileSync(banner, 'hello from the banner\n');
    // Where the probe's user can read and run it.
    chmodSync(dir.path, 0o755);
    const ids = join(dir.path, 'ids.sh');
    writeFileSync(ids, '#!/bin/sh\necho "$0 $*"\nid -u\nid -g\nid -G\n', { mode: 0o755 });
    const conf = join(dir.path, 'template.conf');
    writeFileSync(conf, template(banner, ids));
    // unshare --mount makes the bind mounts private to this process tree.
    const script = 'mount --bind "$1" /etc/passwd && mount --bind "$2" /etc/group && shift 2 && exec "$@"';
    const r = spawnSync('unshare', ['--mount', '--', 'sh', '-c', script, 'sh', passwd, group,
      process.execPath, '--import', 'tsx', join(FIXTURES, 'xinetd', 'identity-probe.ts'), conf, envCompat, DAEMON_GROUPS,
    ], { cwd: REPO, encoding: 'utf8', env: { ...process.env, HEARTH_PROBE_A: 'from-the-daemon', HEARTH_PROBE_B: 'also' }, timeout: 60_000 });
    assert.equal(r.status, 0, `probe failed: ${r.stderr}`);
    const p = JSON.parse(r.stdout) as Probe;
    assert.deepEqual(p.parseErrors, []);
    assert.deepEqual(p.errors, []);
    return p;
  }

  before(() => {
    probes.xinetd = probe('xinetd');
    probes.hearth = probe('hearth');
  });
  after(() => dir.cleanup());

  test('user, group and groups = yes give the server exactly the ids xinetd gives', () => {
    const r = probes.xinetd!.results;
    for (const name of ['as-root', 'as-user', 'as-user-groups', 'group-only', 'user-and-group', 'nice-and-argv0']) {
      assert.equal(r[name]!.hearth, r[name]!.xinetd, name);
    }
    // What xinetd gives, spelled out: no supplementary groups (not even the daemon's) unless groups = yes,
    // and argv[0] the server's base name, also through hearth's setpriv and nice.
    const ids = (lines: string): string => `${join(dir.path, 'ids.sh')} \n${lines}`;
    assert.equal(r['as-root']!.xinetd, ids('0\n0\n0\n'));
    assert.equal(r['as-user']!.xinetd, ids(`${UID}\n${UID}\n${UID}\n`));
    assert.equal(r['as-user-groups']!.xinetd, ids(`${UID}\n${UID}\n${UID} ${EXTRA_GID}\n`));
    assert.equal(r['group-only']!.xinetd, ids('0\n1\n1\n'));
    // initgroups() adds the user's own primary group to the supplementary ones.
    assert.equal(r['user-and-group']!.xinetd, ids(`${UID}\n1\n1 ${UID} ${EXTRA_GID}\n`));
    assert.match(r['nice-and-argv0']!.xinetd, /^id: unrecognized option '--bogus'\n/);
  });

  test('with env_compat = "xinetd" every environment is byte for byte xinetd\'s: the daemon\'s own, passenv, env, REMOTE_HOST', () => {
    const r = probes.xinetd!.results;
    for (const name of ['env-all', 'env-pass', 'env-none', 'env-banner']) {
      assert.deepEqual(sorted(r[name]!.hearth), sorted(r[name]!.xinetd), name);
    }
    assert.match(r['env-all']!.xinetd, /^HEARTH_PROBE_B=also$/m, 'xinetd passes its whole environment');
    assert.match(r['env-all']!.xinetd, /^REMOTE_HOST=127\.0\.0\.1$/m);
    assert.deepEqual(sorted(r['env-pass']!.xinetd), ['FOO=bar', 'HEARTH_PROBE_A=overridden', `PATH=${process.env.PATH}`, 'REMOTE_HOST=127.0.0.1']);
    assert.deepEqual(sorted(r['env-none']!.xinetd), ['ONLY=this', 'REMOTE_HOST=127.0.0.1']);
    assert.match(r['env-banner']!.hearth, /^hello from the banner\n/);
  });

  test('by default hearth adds REMOTE_ADDR and REMOTE_PORT and nothing else', () => {
    const real = probes.xinetd!.results;
    const ours = probes.hearth!.results;
    for (const name of ['env-all', 'env-pass', 'env-none', 'env-banner']) {
      const added = sorted(ours[name]!.hearth).filter((l) => !sorted(real[name]!.xinetd).includes(l));
      assert.equal(added.length, 2, `${name}: ${added.join(' ')}`);
      assert.match(added[0]!, /^REMOTE_ADDR=127\.0\.0\.1$/);
      assert.match(added[1]!, /^REMOTE_PORT=\d+$/);
      const without = sorted(ours[name]!.hearth).filter((l) => !/^REMOTE_(ADDR|PORT)=/.test(l));
      assert.deepEqual(without, sorted(real[name]!.xinetd), name);
    }
  });
});

/** An env dump as sorted lines (the order of environ differs and says nothing). */
function sorted(text: string): string[] {
  return text.split('\n').filter((l) => l !== '' && !l.startsWith('hello from')).sort();
}
