import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expandFacilities, isIgnoredInsservFile, loadInsservConf, parseInsservConf } from './insserv-conf.js';
import { testTempDir } from '../testing/temp-dir.js';

const members = (conf: ReturnType<typeof parseInsservConf>, f: string) =>
  expandFacilities(conf).table[f]!.map((m) => `${m.optional ? '+' : ''}${m.name}`);

describe('insserv.conf', () => {
  test('reads "$name members", "$name = members" and "$name: members", with blanks, commas and semicolons', () => {
    const conf = parseInsservConf('$a\t+x +y\n$b = p,q\n$c: r;s\n# comment\n\n$a z\n', 'insserv.conf');
    assert.deepEqual(members(conf, '$a'), ['+x', '+y', 'z']);
    assert.deepEqual(members(conf, '$b'), ['p', 'q']);
    assert.deepEqual(members(conf, '$c'), ['r', 's']);
    assert.deepEqual(conf.warnings, []);
  });

  test('a facility defined by other facilities expands to their members, keeping each "+"', () => {
    const conf = parseInsservConf('$local_fs +mountall\n$remote_fs $local_fs +mountnfs\n$named +named $network\n$network networking\n', 'f');
    assert.deepEqual(members(conf, '$remote_fs'), ['+mountall', '+mountnfs']);
    assert.deepEqual(members(conf, '$named'), ['+named', 'networking']);
  });

  test('a loop and an undefined nested facility are reported, the rest still expands', () => {
    const conf = parseInsservConf('$a $b +x\n$b $a\n$c $nope +y\n', 'f');
    const { table, problems } = expandFacilities(conf);
    assert.deepEqual(table['$c']!.map((m) => m.name), ['y']);
    assert.ok(problems.some((p) => /facility loop/.test(p.message)));
    assert.ok(problems.some((p) => /"\$nope", which is not defined/.test(p.message)));
  });

  test('<interactive> names are kept; other keywords and stray lines are warned about', () => {
    const conf = parseInsservConf('<interactive> udev keyboard-setup\n<bogus> a\n  $indented x\n$syslog +rsyslog # the logger\n', 'insserv.conf');
    assert.deepEqual(conf.interactive, ['udev', 'keyboard-setup']);
    const texts = conf.warnings.map((w) => w.toString());
    assert.ok(texts.some((t) => /insserv.conf:2: unknown keyword "<bogus>"/.test(t)), texts.join('\n'));
    assert.ok(texts.some((t) => /insserv.conf:3: not a definition/.test(t)), texts.join('\n'));
    assert.ok(texts.some((t) => /insserv.conf:4: a comment after a definition/.test(t)), texts.join('\n'));
    assert.deepEqual(members(conf, '$syslog'), ['+rsyslog']);
  });

  test("without insserv.conf, Debian's defaults apply; with one, only the files are read", () => {
    const dir = testTempDir('hearth-insserv-');
    const builtIn = loadInsservConf(dir);
    assert.equal(builtIn.builtIn, true);
    assert.deepEqual(members(builtIn, '$remote_fs').slice(0, 2), ['+mountall', '+mountall-bootclean']);
    assert.ok(members(builtIn, '$syslog').includes('+inetutils-syslogd'));
    assert.ok(builtIn.interactive.includes('udev'));
    fs.mkdirSync(path.join(dir, 'insserv.conf.d'));
    fs.writeFileSync(path.join(dir, 'insserv.conf.d', 'rpcbind'), '$portmap\trpcbind\n');
    fs.writeFileSync(path.join(dir, 'insserv.conf.d', 'old.dpkg-old'), '$portmap\tghost\n');
    const own = loadInsservConf(dir);
    assert.equal(own.builtIn, false);
    assert.deepEqual(own.files, ['insserv.conf.d/rpcbind']);
    assert.deepEqual(members(own, '$portmap'), ['rpcbind']);
    assert.equal(expandFacilities(own).table['$syslog'], undefined);
  });

  test('insserv.conf.d skips what insserv skips', () => {
    for (const n of ['.x', 'a~', 'a.dpkg-old', 'a.rpmnew', 'a.bak', 'a.orig', 'a.swp', 'a,v', 'a.save']) assert.equal(isIgnoredInsservFile(n), true, n);
    for (const n of ['bind9', 'rpcbind', 'local.conf']) assert.equal(isIgnoredInsservFile(n), false, n);
  });
});
