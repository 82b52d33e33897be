/** loadConfigDir: a whole config dir into one model, broken files set aside. */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfigDir } from './config-dir.js';
import { configReport } from './check-report.js';

function configDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'hearth-config-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

async function withDir(files: Record<string, string>, fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = configDir(files);
  try {
    await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** An LSB init script that provides `name`. */
const script = (name: string) => `#!/bin/sh\n### BEGIN INIT INFO\n# Provides: ${name}\n# Default-Start: 2 3 4 5\n# Default-Stop: 0 1 6\n### END INIT INFO\nexit 0\n`;

describe('loadConfigDir', () => {
  test('one broken file is listed as broken and never keeps the others from loading', async () => {
    await withDir(
      {
        'services/web.toml': 'exec = ["/bin/true"]\nrestart = "always"\n',
        'services/bad.toml': 'exec = ["/bin/true"]\nrestrat = "always"\nnice = "high"\n',
        'services/worse.toml': 'exec = [\n',
        'services/zzz.toml': 'exec = "/bin/sleep 1"\n',
      },
      async (dir) => {
        const c = await loadConfigDir(dir);
        assert.deepEqual([...c.services.keys()], ['web', 'zzz']);
        assert.equal(c.services.get('web')!.restart, 'always');
        assert.deepEqual(
          c.broken.map((b) => [b.name, b.file, b.errors.length]),
          [
            ['bad', 'services/bad.toml', 2],
            ['worse', 'services/worse.toml', 1],
          ],
        );
        assert.equal(c.broken[0]!.errors[0]!.toString(), 'services/bad.toml:2: unknown key "restrat" (did you mean "restart"?)');
        assert.equal(c.broken[1]!.errors[0]!.code, 'ERR_CONFIG_SYNTAX');
        assert.deepEqual(c.errors, []);
        assert.equal(c.configDir, dir);
      },
    );
  });

  test('a FIFO or a directory named NAME.toml is broken, "not a regular file", and never holds the load; nor does a FIFO in cron.d', async () => {
    await withDir({ 'services/web.toml': 'exec = ["/bin/true"]\n' }, async (dir) => {
      // Nobody ever writes to this FIFO: reading it would wait for ever.
      execFileSync('mkfifo', [join(dir, 'services', 'pipe.toml')]);
      mkdirSync(join(dir, 'services', 'folder.toml'));
      mkdirSync(join(dir, 'cron.d'));
      execFileSync('mkfifo', [join(dir, 'cron.d', 'pipe')]);
      const c = await loadConfigDir(dir);
      assert.deepEqual([...c.services.keys()], ['web']);
      assert.deepEqual(c.cron.errors.map(String), ['cron.d/pipe: cannot read: not a regular file']);
      assert.deepEqual(
        c.broken.map((b) => [b.file, b.errors.map(String)]),
        [
          ['services/folder.toml', ['services/folder.toml: cannot read: not a regular file']],
          ['services/pipe.toml', ['services/pipe.toml: cannot read: not a regular file']],
        ],
      );
    });
  });

  test('no config file that is a FIFO holds the load: hearth.toml, xinetd.conf, inetd.conf, a chkconfig.d override', async () => {
    await withDir({ 'services/web.toml': 'exec = ["/bin/true"]\n', 'init.d/old': script('old'), 'chkconfig.d/.keep': '' }, async (dir) => {
      for (const f of ['hearth.toml', 'xinetd.conf', 'inetd.conf', 'chkconfig.d/old']) execFileSync('mkfifo', [join(dir, f)]);
      const c = await loadConfigDir(dir);
      assert.deepEqual([...c.services.keys()], ['web']);
      // An override that cannot be read is no override: the script keeps its own header.
      assert.deepEqual(c.sysv.scripts.map((x) => x.name), ['old']);
      const said = [...c.errors, ...c.inetd.errors].map(String).join('\n');
      assert.match(said, /hearth\.toml.*not a regular file/);
      assert.match(said, /xinetd\.conf.*not a regular file/);
      assert.match(said, /inetd\.conf.*not a regular file/);
    });
  });

  test('skips hidden files, editor backups and package-manager leftovers', async () => {
    await withDir(
      {
        'services/web.toml': 'exec = ["/bin/true"]\n',
        'services/.web.toml.swp': 'garbage',
        'services/.hidden.toml': 'garbage = [',
        'services/web.toml~': 'garbage = [',
        'services/#web.toml#': 'garbage = [',
        'services/#web.toml': 'garbage = [',
        'services/web.toml.dpkg-old': 'garbage = [',
        'services/web.toml.rpmsave': 'garbage = [',
        'services/README': 'not a service',
      },
      async (dir) => {
        const c = await loadConfigDir(dir);
        assert.deepEqual([...c.services.keys()], ['web']);
        assert.deepEqual(c.broken, []);
        assert.deepEqual(c.warnings.map((w) => w.file), ['services/README'], 'only the stray is named');
      },
    );
  });

  test('service log defaults come from hearth.toml [logs]', async () => {
    await withDir(
      {
        'hearth.toml': 'runlevel = 4\n[logs]\nmax_size = "1K"\nkeep = 1\n',
        'services/a.toml': 'exec = ["/bin/true"]\n',
        'services/b.toml': 'exec = ["/bin/true"]\nlog_keep = 7\n',
      },
      async (dir) => {
        const c = await loadConfigDir(dir);
        assert.equal(c.settings.runlevel, 4);
        assert.deepEqual(c.services.get('a')!.log, { maxBytes: 1024, keep: 1 });
        assert.deepEqual(c.services.get('b')!.log, { maxBytes: 1024, keep: 7 });
      },
    );
  });

  test('hearth.toml problems go to errors; the services still load', async () => {
    await withDir(
      {
        'hearth.toml': 'runlevl = 3\n',
        'services/a.toml': 'exec = ["/bin/true"]\n',
      },
      async (dir) => {
        const c = await loadConfigDir(dir);
        assert.deepEqual(
          c.errors.map((e) => e.toString()),
          ['hearth.toml:1: unknown key "runlevl" (did you mean "runlevel"?)'],
        );
        assert.deepEqual([...c.services.keys()], ['a']);
      },
    );
  });

  test('a config dir without services/ or hearth.toml is valid and empty', async () => {
    await withDir({}, async (dir) => {
      const c = await loadConfigDir(dir);
      assert.equal(c.services.size, 0);
      assert.deepEqual(c.errors, []);
      assert.equal(c.settings.runlevel, 3);
    });
  });

  test('a missing config dir is an ERR_CONFIG_IO error naming the path', async () => {
    const missing = join(tmpdir(), `hearth-missing-${process.pid}-${Date.now()}`);
    const c = await loadConfigDir(missing);
    assert.equal(c.errors.length, 1);
    assert.equal(c.errors[0]!.code, 'ERR_CONFIG_IO');
    assert.ok(c.errors[0]!.message.includes(missing));
    assert.equal(c.services.size, 0);
  });

  test('type = "inetd" service files are routed to inetdToml, not broken', async () => {
    await withDir(
      {
        'services/echo.toml': 'type = "inetd"\nsocket_type = "stream"\nprotocol = "tcp"\nwait = false\nport = 7007\nserver = "/bin/cat"\n',
        'services/web.toml': 'exec = ["/bin/true"]\n',
      },
      async (dir) => {
        const c = await loadConfigDir(dir);
        assert.deepEqual(c.inetdToml.map((s) => [s.name, s.file]), [['echo', 'services/echo.toml']]);
        assert.equal(c.inetdToml[0]!.raw.port, 7007);
        assert.deepEqual(c.broken, []);
        assert.deepEqual([...c.services.keys()], ['web']);
      },
    );
  });

  test('a file named with an invalid service name is broken, with the reason', async () => {
    await withDir({ 'services/bad name.toml': 'exec = ["/bin/true"]\n' }, async (dir) => {
      const c = await loadConfigDir(dir);
      assert.equal(c.services.size, 0);
      assert.equal(c.broken[0]!.name, 'bad name');
      assert.match(c.broken[0]!.errors[0]!.toString(), /^services\/bad name\.toml: invalid service name/);
    });
  });

  test('services and broken files come in unit name order, whatever order the directory lists them in', async () => {
    const sleep = 'exec = ["/bin/sleep", "1"]\n';
    await withDir(
      { 'services/Web.toml': sleep, 'services/db.toml': sleep, 'services/B.toml': 'exec = 1\n', 'services/api.toml': sleep, 'services/a.toml': 'exec = 1\n', 'services/z.conf': '', 'services/y.txt': '' },
      async (dir) => {
        const config = await loadConfigDir(dir);
        // As `hearth list` orders them (not by code unit, where "Web" would come first).
        assert.deepEqual([...config.services.keys()], ['api', 'db', 'Web']);
        assert.deepEqual(config.broken.map((b) => b.name), ['a', 'B']);
        assert.deepEqual(config.warnings.map((w) => w.file), ['services/y.txt', 'services/z.conf']);
      },
    );
  });

  test('a name defined twice is reported where the losing definition lives: init script, then systemd unit, then service file wins', async () => {
    await withDir(
      {
        'services/cron.toml': 'exec = ["/bin/sleep", "1"]\n',
        'init.d/cron': script('cron'),
        'services/web.toml': 'exec = ["/bin/sleep", "1"]\n',
        'systemd/web.service': '[Service]\nExecStart=/bin/sleep 1\n',
        'systemd/db.service': '[Service]\nExecStart=/bin/sleep 1\n',
        'init.d/db': script('db'),
        'init.d/ssh': script('ssh'),
      },
      async (dir) => {
        const texts = configReport(await loadConfigDir(dir)).warnings.map((w) => w.text).filter((t) => t.includes('is not used'));
        assert.deepEqual(texts.map((t) => t.replaceAll(dir, 'DIR')), [
          'DIR/systemd/web.service: systemd unit "web.service" is not used: services/web.toml is the unit of that name',
          'DIR/init.d/cron: init script "cron" is not used: services/cron.toml is the unit of that name',
          'DIR/init.d/db: init script "db" is not used: DIR/systemd/db.service is the unit of that name',
        ]);
      },
    );
  });
});
