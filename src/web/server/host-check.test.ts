import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { allowedHostNames, hostAllowed, hostOf } from './host-check.js';

describe('Host header check', () => {
  test('hostOf takes the host part of every Host form', () => {
    assert.equal(hostOf('127.0.0.1:9119'), '127.0.0.1');
    assert.equal(hostOf('[::1]:9119'), '::1');
    assert.equal(hostOf('LocalHost.'), 'localhost');
    assert.equal(hostOf('gui.example.org:443'), 'gui.example.org');
  });

  test('a loopback listener answers to its address and localhost only', () => {
    const allowed = allowedHostNames('127.0.0.1');
    assert.ok(hostAllowed('127.0.0.1:9119', allowed));
    assert.ok(hostAllowed('localhost:9119', allowed));
    assert.ok(!hostAllowed('rebind.attacker.example:9119', allowed));
    assert.ok(!hostAllowed('127.0.0.1.nip.io:9119', allowed));
    assert.ok(!hostAllowed(undefined, allowed));
  });

  test('configured names are added; a named listen address is its own name', () => {
    assert.ok(hostAllowed('gui.example.org', allowedHostNames('10.0.0.5', ['GUI.example.org'])));
    assert.ok(hostAllowed('box.lan:9119', allowedHostNames('box.lan')));
    assert.ok(hostAllowed('[::1]:9119', allowedHostNames('::1')));
  });

  test("a wildcard listener answers to this machine's addresses", () => {
    const allowed = allowedHostNames('0.0.0.0');
    assert.ok(hostAllowed('127.0.0.1', allowed));
    assert.ok(!hostAllowed('evil.example', allowed));
  });
});
