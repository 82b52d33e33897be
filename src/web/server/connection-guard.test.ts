import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { connectionLimitsFor, guardConnections } from './connection-guard.js';

describe('connection guard', () => {
  test('the GUI takes a quarter of the descriptor limit, between 8 and 512 connections', () => {
    assert.equal(connectionLimitsFor(128).maxConnections, 32);
    assert.equal(connectionLimitsFor(128).maxPerAddress, 8);
    assert.equal(connectionLimitsFor(20).maxConnections, 8);
    assert.equal(connectionLimitsFor(1_048_576).maxConnections, 512);
  });

  test('accept failing with EMFILE is logged as what it is, once a minute, and never thrown', () => {
    let now = 0;
    const logs: string[] = [];
    const server = createServer();
    guardConnections(server, connectionLimitsFor(1024), false, (m) => logs.push(m), () => now);
    const emfile = Object.assign(new Error('accept EMFILE'), { code: 'EMFILE' });
    server.emit('error', emfile);
    server.emit('error', emfile);
    now += 61_000;
    server.emit('error', emfile);
    assert.equal(logs.length, 2);
    assert.match(logs[0]!, /^web: cannot accept a web GUI connection: hearthd has used all its file descriptors \(EMFILE\)$/);
    assert.match(logs[1]!, /\(1 more in the last minute\)$/);
  });
});
