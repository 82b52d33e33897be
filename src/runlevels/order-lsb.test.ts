import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { planStart, planStop, type OrderUnit } from './order.js';
import { runPlan } from './scheduler.js';

const conf = {
  $local_fs: ['+mountall'],
  $remote_fs: ['+mountall', '+mountnfs'],
  $network: ['+networking', '+ifupdown'],
  $syslog: ['+rsyslog', '+inetutils-syslogd'],
  $named: ['+named', '+bind9', '+networking', '+ifupdown'],
};

describe('ordering with insserv.conf', () => {
  test('facilities resolve through insserv.conf members, matched by Provides as well as by name', () => {
    const units: OrderUnit[] = [
      { name: 'mountall.sh', provides: ['mountall'] },
      { name: 'networking', provides: ['networking', 'ifupdown'] },
      { name: 'named', provides: ['bind', 'bind9'], requires: ['$remote_fs'] },
      { name: 'exim4', requires: ['$remote_fs', '$syslog', '$named', '$network'] },
    ];
    const plan = planStart(units, units.map((u) => u.name), { facilities: conf });
    assert.deepEqual(plan.waves, [['mountall.sh', 'networking'], ['named'], ['exim4']]);
    assert.deepEqual(plan.cycles, []);
  });

  test('insserv.conf members are ordered but never pulled in; a unit that provides a facility itself is', () => {
    const units: OrderUnit[] = [
      { name: 'cron', requires: ['$syslog', '$time'] },
      { name: 'rsyslog' },
      { name: 'clock', provides: ['$time'] },
    ];
    const plan = planStart(units, ['cron'], { facilities: conf });
    assert.deepEqual(plan.pulledIn, ['clock']);
    assert.deepEqual(plan.order, ['clock', 'cron']);
  });

  test('$null means nothing; $all still comes last', () => {
    const units: OrderUnit[] = [{ name: 'a', requires: ['$null'] }, { name: 'rc.local', requires: ['$all'] }, { name: 'b' }];
    assert.deepEqual(planStart(units, ['a', 'b', 'rc.local']).waves, [['a', 'b'], ['rc.local']]);
  });

  test('a unit with stop tags stops by them (Required-Stop/Should-Stop/X-Stop-After), not by its start deps', () => {
    const units: OrderUnit[] = [
      { name: 'syslogd', provides: ['inetutils-syslogd'], stop: { requires: ['$network'] } },
      { name: 'networking', stop: { requires: [] } },
      { name: 'nginx', requires: ['$syslog'], stop: { requires: ['$syslog', '$network'] } },
      { name: 'hwclock', stop: { after: ['nginx'] } },
      { name: 'legacy', requires: ['networking'] },
    ];
    const plan = planStop(units, units.map((u) => u.name), { facilities: conf });
    const pos = (n: string) => plan.order.indexOf(n);
    assert.ok(pos('nginx') < pos('syslogd'), 'users of $syslog stop before the logger');
    assert.ok(pos('syslogd') < pos('networking'), 'the logger stops before the network it needs at stop');
    assert.ok(pos('nginx') < pos('hwclock'), 'X-Stop-After');
    assert.ok(pos('legacy') < pos('networking'), 'no stop tags: the start order reversed');
  });

  test('an LSB unit whose stop tags are empty imposes no stop order', () => {
    const units: OrderUnit[] = [{ name: 'ssh', requires: ['net'], stop: { requires: [] } }, { name: 'net', stop: {} }];
    assert.deepEqual(planStop(units, ['ssh', 'net']).waves, [['net', 'ssh']]);
  });

  test('an interactive unit (X-Interactive) starts alone', async () => {
    const units: OrderUnit[] = [{ name: 'a' }, { name: 'b' }, { name: 'keyboard', interactive: true }, { name: 'c' }];
    const plan = planStart(units, units.map((u) => u.name));
    assert.deepEqual(plan.exclusive, ['keyboard']);
    const running = new Set<string>();
    const overlapped: string[] = [];
    await runPlan(plan, async (name) => {
      if (running.has('keyboard') || (name === 'keyboard' && running.size > 0)) overlapped.push(name);
      running.add(name);
      await new Promise((r) => setTimeout(r, 5));
      running.delete(name);
    });
    assert.deepEqual(overlapped, []);
  });
});
