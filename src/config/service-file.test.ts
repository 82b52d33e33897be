/**
 * The native service file parser (services/NAME.toml → ServiceDefinition),
 * exercised through parseServiceFile, the one the config dir loader uses.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_BACKOFF, DEFAULT_LOG } from '../model/index.js';
import { parseServiceFile } from './service-file.js';

const FILE = 'services/web.toml';
const EXEC = 'exec = ["/bin/true"]\n';

function ok(text: string, name = 'web') {
  const r = parseServiceFile(name, FILE, text);
  assert.deepEqual(
    r.errors.map((e) => e.toString()),
    [],
  );
  assert.ok(r.definition, 'expected a definition');
  return { def: r.definition, warnings: r.warnings };
}

function errors(text: string, name = 'web') {
  const r = parseServiceFile(name, FILE, text);
  assert.equal(r.definition, undefined);
  return r.errors;
}

function errorLines(text: string): string[] {
  return errors(text).map((e) => e.toString());
}

describe('parseServiceFile: defaults', () => {
  test('a file with only exec gets the documented defaults', () => {
    const { def } = ok(EXEC);
    assert.equal(def.name, 'web');
    assert.deepEqual(def.exec, ['/bin/true']);
    assert.equal(def.description, '');
    assert.equal(def.type, 'simple');
    assert.equal(def.restart, 'on-failure');
    assert.equal(def.stopSignal, 'SIGTERM');
    assert.equal(def.stopTimeoutMs, 10_000);
    assert.equal(def.reloadSignal, 'SIGHUP');
    assert.deepEqual(def.ready, { kind: 'none' });
    assert.equal(def.startTimeoutMs, 30_000);
    assert.deepEqual(def.runlevels, [2, 3, 4, 5]);
    assert.deepEqual(def.backoff, DEFAULT_BACKOFF);
    assert.deepEqual(def.log, DEFAULT_LOG);
    assert.deepEqual(def.environment, {});
    assert.deepEqual(def.rlimits, {});
    assert.deepEqual([def.requires, def.after, def.before, def.provides], [[], [], [], []]);
    assert.deepEqual(def.origin, { format: 'toml', file: FILE });
  });

  test('log defaults come from the caller (hearth.toml [logs])', () => {
    const r = parseServiceFile('web', FILE, EXEC, { log: { maxBytes: 1234, keep: 2 } });
    assert.deepEqual(r.definition?.log, { maxBytes: 1234, keep: 2 });
    const own = parseServiceFile('web', FILE, EXEC + 'log_keep = 9\n', { log: { maxBytes: 1234, keep: 2 } });
    assert.deepEqual(own.definition?.log, { maxBytes: 1234, keep: 9 });
  });

  test('exec is required', () => {
    const [e] = errors('description = "x"\n');
    assert.equal(e!.code, 'ERR_CONFIG_MISSING');
    assert.equal(e!.key, 'exec');
    assert.match(e!.toString(), /^services\/web\.toml: missing required key "exec"/);
  });
});

describe('parseServiceFile: every key', () => {
  test('description, user, group and working_directory', () => {
    const { def } = ok(EXEC + 'description = "Demo"\nuser = "nobody"\ngroup = "nogroup"\nworking_directory = "/srv/web"\n');
    assert.equal(def.description, 'Demo');
    assert.equal(def.user, 'nobody');
    assert.equal(def.group, 'nogroup');
    assert.equal(def.workingDirectory, '/srv/web');
    assert.deepEqual(errorLines(EXEC + 'working_directory = "srv"\n'), [
      'services/web.toml:2: "working_directory" must be an absolute path, got "srv"',
    ]);
    assert.equal(errors(EXEC + 'description = 5\n')[0]!.key, 'description');
    assert.equal(errors(EXEC + 'user = ""\n')[0]!.key, 'user');
  });

  test('exec as an argv array', () => {
    assert.deepEqual(ok('exec = ["/usr/bin/python3", "-m", "http.server", "8080"]\n').def.exec, ['/usr/bin/python3', '-m', 'http.server', '8080']);
    assert.match(errorLines('exec = []\n')[0]!, /^services\/web\.toml:1: "exec" must be/);
    assert.match(errorLines('exec = ["/bin/x", 5]\n')[0]!, /"exec" must be an array of strings/);
    assert.match(errorLines('exec = 5\n')[0]!, /got 5$/);
  });

  test('exec as a string is split shell-style without a shell', () => {
    assert.deepEqual(ok(`exec = "nginx -g 'daemon off;'"\n`).def.exec, ['nginx', '-g', 'daemon off;']);
    assert.match(errorLines(`exec = "echo 'unterminated"\n`)[0]!, /^services\/web\.toml:1: "exec" cannot be split into arguments: unterminated single quote/);
    const { warnings } = ok('exec = "prog | tee log"\n');
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!.toString(), /^services\/web\.toml:1: "exec" is not run by a shell: "\|"/);
  });

  test('environment is a table of strings; numbers and booleans become text', () => {
    const { def } = ok(EXEC + '[environment]\nLANG = "C.UTF-8"\nPORT = 8080\nDEBUG = true\n');
    assert.deepEqual(def.environment, { LANG: 'C.UTF-8', PORT: '8080', DEBUG: 'true' });
    assert.deepEqual(ok(EXEC + 'environment = { A = "1" }\n').def.environment, { A: '1' });
    const errs = errors(EXEC + '[environment]\nGOOD = "x"\n"BAD NAME" = "y"\nLIST = [1]\n');
    assert.deepEqual(
      errs.map((e) => [e.line, e.key]),
      [
        [4, 'environment."BAD NAME"'],
        [5, 'environment.LIST'],
      ],
    );
    assert.match(errorLines(EXEC + 'environment = "A=1"\n')[0]!, /"environment" must be a table/);
  });

  test('environment_file keeps the path for reading at start', () => {
    assert.equal(ok(EXEC + 'environment_file = "env/web.env"\n').def.environmentFile, 'env/web.env');
    assert.equal(errors(EXEC + 'environment_file = ""\n')[0]!.key, 'environment_file');
  });

  test('umask accepts an octal string or a TOML octal integer', () => {
    assert.equal(ok(EXEC + 'umask = "022"\n').def.umask, 0o22);
    assert.equal(ok(EXEC + 'umask = 0o077\n').def.umask, 0o77);
    assert.match(errorLines(EXEC + 'umask = "abc"\n')[0]!, /^services\/web\.toml:2: "umask" must be an octal mode such as "022", got "abc"/);
  });

  test('nice is an integer between -20 and 19', () => {
    assert.equal(ok(EXEC + 'nice = -5\n').def.nice, -5);
    assert.equal(ok(EXEC + 'nice = 19\n').def.nice, 19);
    assert.deepEqual(errorLines(EXEC + 'nice = "high"\n'), ['services/web.toml:2: "nice" must be an integer between -20 and 19, got "high"']);
    assert.match(errorLines(EXEC + 'nice = 20\n')[0]!, /got 20$/);
    assert.match(errorLines(EXEC + 'nice = 1.5\n')[0]!, /got 1.5$/);
  });

  test('rlimits: numbers, "unlimited" and "soft:hard" for every known limit', () => {
    const { def } = ok(EXEC + '[rlimits]\nnofile = 4096\ncore = "unlimited"\nnproc = "100:200"\nas = "1000:unlimited"\n');
    assert.deepEqual(def.rlimits, {
      nofile: { soft: 4096, hard: 4096 },
      core: { soft: 'unlimited', hard: 'unlimited' },
      nproc: { soft: 100, hard: 200 },
      as: { soft: 1000, hard: 'unlimited' },
    });
  });

  test('rlimits: unknown limits, bad values and soft above hard are errors on their own lines', () => {
    const errs = errors(EXEC + '[rlimits]\nnofiles = 1\ncpu = "lots"\nnproc = "200:100"\n');
    assert.deepEqual(
      errs.map((e) => [e.line, e.key]),
      [
        [3, 'rlimits.nofiles'],
        [4, 'rlimits.cpu'],
        [5, 'rlimits.nproc'],
      ],
    );
    assert.match(errs[0]!.toString(), /unknown key "nofiles" in \[rlimits\] \(did you mean "nofile"\?\)/);
  });

  test('restart takes always, on-failure or never', () => {
    assert.equal(ok(EXEC + 'restart = "always"\n').def.restart, 'always');
    assert.equal(ok(EXEC + 'restart = "never"\n').def.restart, 'never');
    assert.match(errorLines(EXEC + 'restart = "alway"\n')[0]!, /^services\/web\.toml:2: "restart" must be one of "always", "on-failure", "never", got "alway" \(did you mean "always"\?\)$/);
  });

  test('restart backoff keys fill the backoff with durations and counts', () => {
    const { def } = ok(
      EXEC +
        'restart_delay = "250ms"\nrestart_delay_max = "1min"\nrestart_stable_after = "30s"\nstart_limit_burst = 3\nstart_limit_interval = "20s"\nrestart_cool_down = "2min"\n',
    );
    assert.deepEqual(def.backoff, {
      ...DEFAULT_BACKOFF,
      initialDelayMs: 250,
      maxDelayMs: 60_000,
      stableAfterMs: 30_000,
      burst: 3,
      burstIntervalMs: 20_000,
      coolDownMs: 120_000,
    });
    assert.match(errorLines(EXEC + 'restart_delay = "soon"\n')[0]!, /"restart_delay" must be a duration/);
    assert.match(errorLines(EXEC + 'start_limit_burst = 0\n')[0]!, /"start_limit_burst" must be an integer between 1/);
    assert.equal(errors(EXEC + 'restart_delay = "10s"\nrestart_delay_max = "1s"\n').length, 1);
  });

  test('signals accept "TERM", "SIGTERM" and numbers', () => {
    assert.equal(ok(EXEC + 'stop_signal = "INT"\n').def.stopSignal, 'SIGINT');
    assert.equal(ok(EXEC + 'stop_signal = "SIGQUIT"\n').def.stopSignal, 'SIGQUIT');
    assert.equal(ok(EXEC + 'reload_signal = 10\n').def.reloadSignal, 'SIGUSR1');
    assert.match(errorLines(EXEC + 'stop_signal = "SIGNOPE"\n')[0]!, /^services\/web\.toml:2: "stop_signal" must be a signal name/);
  });

  test('stop_timeout and start_timeout are durations', () => {
    const { def } = ok(EXEC + 'stop_timeout = "3s"\nstart_timeout = 5\n');
    assert.equal(def.stopTimeoutMs, 3000);
    assert.equal(def.startTimeoutMs, 5000);
    assert.equal(errors(EXEC + 'stop_timeout = "-1s"\n')[0]!.key, 'stop_timeout');
  });

  test('ready: none, notify, tcp:PORT, tcp:HOST:PORT and log:REGEX', () => {
    assert.deepEqual(ok(EXEC + 'ready = "notify"\n').def.ready, { kind: 'notify' });
    assert.deepEqual(ok(EXEC + 'ready = "tcp:8080"\n').def.ready, { kind: 'tcp', host: '127.0.0.1', port: 8080 });
    assert.deepEqual(ok(EXEC + 'ready = "tcp:0.0.0.0:80"\n').def.ready, { kind: 'tcp', host: '0.0.0.0', port: 80 });
    assert.deepEqual(ok(EXEC + 'ready = "tcp:[::1]:443"\n').def.ready, { kind: 'tcp', host: '::1', port: 443 });
    const log = ok(EXEC + 'ready = "log:listening on \\\\d+"\n').def.ready;
    assert.equal(log.kind, 'log');
    assert.ok(log.kind === 'log' && log.pattern.test('listening on 8080'));
  });

  test('ready: bad ports, unknown kinds and invalid patterns are errors', () => {
    assert.match(errorLines(EXEC + 'ready = "tcp:99999"\n')[0]!, /^services\/web\.toml:2: "ready" must be/);
    assert.match(errorLines(EXEC + 'ready = "http:80"\n')[0]!, /"ready" must be/);
    assert.match(errorLines(EXEC + 'ready = "log:("\n')[0]!, /"ready" has an invalid regular expression "\("/);
    assert.match(errorLines(EXEC + 'ready = "log:"\n')[0]!, /"ready" must be/);
  });

  test('type = "forking" needs a pidfile, which must be absolute', () => {
    const { def } = ok(EXEC + 'type = "forking"\npidfile = "/run/web.pid"\n');
    assert.equal(def.type, 'forking');
    assert.equal(def.pidFile, '/run/web.pid');
    const [missing] = errors(EXEC + 'type = "forking"\n');
    assert.equal(missing!.code, 'ERR_CONFIG_MISSING');
    assert.equal(missing!.line, 2);
    assert.match(errorLines(EXEC + 'type = "forking"\npidfile = "web.pid"\n')[0]!, /^services\/web\.toml:3: "pidfile" must be an absolute path/);
    assert.match(errorLines(EXEC + 'type = "daemon"\n')[0]!, /"type" must be one of/);
  });

  test('runlevels are integers 0 to 6, deduplicated and sorted', () => {
    assert.deepEqual(ok(EXEC + 'runlevels = [5, 3, 3]\n').def.runlevels, [3, 5]);
    assert.deepEqual(ok(EXEC + 'runlevels = []\n').def.runlevels, []);
    assert.match(errorLines(EXEC + 'runlevels = [2, 7]\n')[0]!, /^services\/web\.toml:2: "runlevels" must be an array of runlevels 0 to 6/);
    assert.equal(errors(EXEC + 'runlevels = 3\n')[0]!.key, 'runlevels');
  });

  test('requires/after/before/provides take service names and LSB facilities', () => {
    const { def } = ok(EXEC + 'requires = ["db", "$network"]\nafter = ["syslog"]\nbefore = ["web2"]\nprovides = ["httpd"]\n');
    assert.deepEqual(def.requires, ['db', '$network']);
    assert.deepEqual(def.after, ['syslog']);
    assert.deepEqual(def.before, ['web2']);
    assert.deepEqual(def.provides, ['httpd']);
    const [e] = errors(EXEC + 'requires = ["bad name"]\n');
    assert.equal(e!.line, 2);
    assert.match(e!.toString(), /"requires" has an invalid service name "bad name"/);
    assert.equal(errors(EXEC + 'after = [1]\n')[0]!.key, 'after');
  });

  test('log_max_size takes sizes with units or bytes; log_keep a count', () => {
    assert.deepEqual(ok(EXEC + 'log_max_size = "512K"\nlog_keep = 3\n').def.log, { maxBytes: 512 * 1024, keep: 3 });
    assert.equal(ok(EXEC + 'log_max_size = 1000\n').def.log.maxBytes, 1000);
    assert.match(errorLines(EXEC + 'log_max_size = "big"\n')[0]!, /"log_max_size" must be a size/);
    assert.match(errorLines(EXEC + 'log_keep = -1\n')[0]!, /"log_keep" must be an integer/);
  });
});

describe('parseServiceFile: reporting', () => {
  test('an unknown key is rejected with a did-you-mean hint, compiler style', () => {
    assert.deepEqual(errorLines('description = "x"\nrestrat = "always"\n' + EXEC), [
      'services/web.toml:2: unknown key "restrat" (did you mean "restart"?)',
    ]);
    const e = errors('description = "x"\nrestrat = "always"\n' + EXEC)[0]!;
    assert.equal(e.code, 'ERR_CONFIG_UNKNOWN_KEY');
    assert.equal(e.key, 'restrat');
  });

  test('all errors of a file are collected, each with its own line', () => {
    const text = [
      'exec = [', //           1
      '  "/bin/sh",', //       2
      '  "-c", "sleep 1",', // 3
      ']', //                  4
      'nice = "high"', //      5
      'restrat = "always"', // 6
      '', //                   7
      '[rlimits]', //          8
      'nofile = "many"', //    9
      '[environment]', //     10
      'OK = "1"', //          11
      '', //                  12
    ].join('\n');
    const errs = errors(text);
    assert.deepEqual(errs.map((e) => e.line).sort((a, b) => a! - b!), [5, 6, 9]);
    assert.deepEqual(errs.map((e) => e.key).sort(), ['nice', 'restrat', 'rlimits.nofile']);
  });

  test('a TOML syntax error carries the line smol-toml found', () => {
    const [e] = errors('exec = ["/bin/true"]\ndescription = "x"\nnice = = 3\n');
    assert.equal(e!.code, 'ERR_CONFIG_SYNTAX');
    assert.equal(e!.line, 3);
    assert.match(e!.toString(), /^services\/web\.toml:3: TOML syntax error: /);
    assert.doesNotMatch(e!.message, /\n/);
  });

  test('a duplicated key is a syntax error at its second occurrence', () => {
    const [e] = errors(EXEC + 'nice = 1\nnice = 2\n');
    assert.equal(e!.code, 'ERR_CONFIG_SYNTAX');
    assert.equal(e!.line, 3);
  });

  test('an invalid service name (from the file name) is an error on the file', () => {
    const errs = parseServiceFile('bad name', 'services/bad name.toml', EXEC).errors;
    assert.equal(errs.length, 1);
    assert.match(errs[0]!.toString(), /^services\/bad name\.toml: invalid service name "bad name"/);
  });

  test('type = "inetd" files are handed over untouched, without validating their keys', () => {
    const r = parseServiceFile('echo', 'services/echo.toml', 'type = "inetd"\nsocket_type = "stream"\nport = 7\nwhatever = 1\n');
    assert.deepEqual(r.errors, []);
    assert.equal(r.definition, undefined);
    assert.ok(r.inetd);
    assert.equal(r.inetd.raw.port, 7);
    assert.equal(r.inetd.lineOf('port'), 3);
  });
});

describe('parseServiceFile: classic spellings and easy mistakes', () => {
  test('runlevels accepts chkconfig\'s "2345" spelling', () => {
    const r = parseServiceFile('web', 'services/web.toml', 'exec = ["/bin/true"]\nrunlevels = "345"\n');
    assert.deepEqual(r.definition?.runlevels, [3, 4, 5]);
  });

  test('a service that requires itself is an error naming the key', () => {
    const r = parseServiceFile('web', 'services/web.toml', 'exec = ["/bin/true"]\nrequires = ["web"]\n');
    assert.match(r.errors.map(String).join('\n'), /services\/web\.toml:2: "requires" names the service itself/);
  });

  test('umask written as a decimal integer warns, since 22 is not 022', () => {
    const r = parseServiceFile('web', 'services/web.toml', 'exec = ["/bin/true"]\numask = 22\n');
    assert.match(r.warnings.map(String).join('\n'), /services\/web\.toml:2: "umask" = 22 is the decimal number/);
  });

  test('a long restart_delay raises the default maximum instead of failing', () => {
    const r = parseServiceFile('web', 'services/web.toml', 'exec = ["/bin/true"]\nrestart_delay = "60s"\n');
    assert.equal(r.definition?.backoff.maxDelayMs, 60_000);
  });
});

test('log_max_age sets the retention age of rotated logs', () => {
  const r = parseServiceFile('web', 'services/web.toml', 'exec = ["/bin/true"]\nlog_max_age = "7d"\n');
  assert.equal(r.definition?.log.maxAgeMs, 7 * 86_400_000);
});

test('definitions share their unset settings, frozen, instead of a copy each', () => {
  const a = parseServiceFile('a', 'services/a.toml', 'exec = ["/bin/true"]\n').definition!;
  const b = parseServiceFile('b', 'services/b.toml', 'exec = ["/bin/true"]\nafter = ["a"]\n').definition!;
  for (const key of ['environment', 'rlimits', 'ready', 'listen', 'runlevels', 'requires', 'before', 'provides', 'backoff', 'log'] as const) {
    assert.equal(a[key], b[key], `${key} is one shared value`);
    assert.ok(Object.isFrozen(a[key]), `${key} is frozen`);
  }
  assert.deepEqual(b.after, ['a'], 'a set key still has its own value');
  assert.notEqual(a.after, b.after);
  assert.throws(() => (a.requires as string[]).push('x'), TypeError, 'nobody can change a shared default in place');
});
