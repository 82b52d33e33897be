import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isXinetdEnabled, setXinetdDisable, xinetdDefaultOn } from './xinetd-disable.js';

const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../test/fixtures/sysv/xinetd.d');
const echo = fs.readFileSync(path.join(dir, 'echo-stream'), 'utf8');
const telnet = fs.readFileSync(path.join(dir, 'telnet'), 'utf8');

describe('setXinetdDisable', () => {
  test('on rewrites only the value of the disable line; everything else stays byte for byte', () => {
    const on = setXinetdDisable(echo, true);
    assert.equal(on, echo.replace('disable\t\t= yes', 'disable\t\t= no'));
    assert.equal(isXinetdEnabled(on), true);
  });

  test('on then off round-trips to the original file', () => {
    assert.equal(setXinetdDisable(setXinetdDisable(echo, true), false), echo);
  });

  test('a block without a disable line gets one right after its opening brace', () => {
    const off = setXinetdDisable(telnet, false);
    const lines = off.split('\n');
    assert.equal(lines[3], '{');
    assert.equal(lines[4], '\tdisable\t= yes');
    assert.equal(lines.filter((l) => !l.includes('disable')).join('\n'), telnet);
    assert.equal(isXinetdEnabled(off), false);
    assert.equal(setXinetdDisable(off, true), off.replace('= yes', '= no'));
  });

  test('every service block in a file is switched, a trailing comment is kept', () => {
    const text = 'service a\n{\n  disable = no # keep me\n}\n\nservice b {\n  port = 7\n}\n';
    assert.equal(setXinetdDisable(text, false), 'service a\n{\n  disable = yes # keep me\n}\n\nservice b {\n\tdisable\t= yes\n  port = 7\n}\n');
  });

  test('a commented-out disable line is left alone and a real one is added', () => {
    const text = 'service a\n{\n#\tdisable = no\n\tport = 7\n}\n';
    assert.equal(setXinetdDisable(text, false), 'service a\n{\n\tdisable\t= yes\n#\tdisable = no\n\tport = 7\n}\n');
  });

  test('defaults block and files without services are untouched', () => {
    const text = 'defaults\n{\n\tinstances = 60\n}\n';
    assert.equal(setXinetdDisable(text, true), text);
  });

  test('the "# default:" comment gives what reset restores', () => {
    assert.equal(xinetdDefaultOn(echo), false);
    assert.equal(xinetdDefaultOn(telnet), true);
    assert.equal(xinetdDefaultOn('service x\n{\n}\n'), undefined);
  });
});
