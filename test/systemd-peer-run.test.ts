/**
 * The differential: the same real Debian units, the same checks
 * (test/helpers/debian-scenarios.ts), run by hearthd and by
 * docker-systemctl-replacement (Debian's package `systemctl`, unpacked
 * privately: it conflicts with systemd), each in a namespace of its own. It
 * prints the side-by-side table docs/systemd.md shows, and holds hearth to the
 * rule that it runs every unit the peer runs.
 */
import { describe, test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { debianTree } from './helpers/debian-units.js';
import { SCENARIOS, type Manager, type Outcome, type Scenario } from './helpers/debian-scenarios.js';
import { startHearthHost, startPlainHost, type NamespaceHost } from './helpers/systemd-host.js';

const tree = debianTree();
const peerTree = debianTree(['systemctl']);
const DAEMONS = ['/usr/sbin/nginx', '/usr/bin/redis-server', '/usr/bin/memcached', '/usr/sbin/sshd', '/usr/sbin/cron', '/usr/sbin/rsyslogd', '/usr/sbin/dnsmasq', '/usr/bin/pg_ctlcluster', '/usr/bin/tini'];
const missing = DAEMONS.filter((d) => !existsSync(d));
const python = spawnSync('python3', ['--version']).status === 0;
const skip =
  typeof tree === 'string' ? tree
  : typeof peerTree === 'string' ? peerTree
  : process.getuid?.() !== 0 ? 'needs root for namespaces'
  : !python ? 'python3 not installed (CI installs it)'
  : missing.length ? `not installed (CI installs them): ${missing.join(' ')}`
  : false;

/** Everything the scenario checks held. */
function correct(o: Outcome | undefined): boolean {
  return o !== undefined && o.started && o.ready && o.stopped && o.reloaded !== false && o.status !== false;
}

function cell(o: Outcome | undefined): string {
  if (!o) return 'not run';
  if (correct(o)) return 'yes';
  const failed = [!o.started && 'start', !o.ready && 'ready', o.reloaded === false && 'reload', o.status === false && 'status', !o.stopped && 'stop'].filter(Boolean);
  return `no (${failed.join(', ')})`;
}

/** One host per manager, every scenario in turn (Accept=yes last: its drop-in changes ssh.socket). */
async function runAll(start: (extra: Record<string, string>) => Promise<{ host: NamespaceHost; manager: Manager; stop(): Promise<void> }>): Promise<Map<string, Outcome>> {
  const results = new Map<string, Outcome>();
  const plain = SCENARIOS.filter((s) => !s.extra);
  const withExtra = SCENARIOS.filter((s) => s.extra);
  const groups: Array<{ scenarios: Scenario[]; extra: Record<string, string> }> = [{ scenarios: plain, extra: {} }, ...withExtra.map((s) => ({ scenarios: [s], extra: s.extra! }))];
  for (const g of groups) {
    const env = await start(g.extra);
    try {
      for (const s of g.scenarios) {
        try {
          results.set(s.name, await s.run(env.manager, env.host));
        } catch (e) {
          results.set(s.name, { started: false, ready: false, stopped: false, notes: [String(e)] });
        }
      }
    } finally {
      await env.stop();
    }
  }
  return results;
}

describe('hearth and docker-systemctl-replacement on the same Debian units', { skip }, () => {
  const unitDir = (tree as Exclude<typeof tree, string>).unitDir;
  const script = join((peerTree as Exclude<typeof peerTree, string>).root, 'usr/bin/systemctl');
  const names = [...new Set(SCENARIOS.flatMap((s) => s.units))];
  let hearth = new Map<string, Outcome>();
  let peer = new Map<string, Outcome>();

  before(async () => {
    hearth = await runAll(async (extra) => {
      const h = await startHearthHost({ units: { from: unitDir, names, extra } });
      return { host: h, manager: { name: 'hearth', systemctl: (...a) => h.cli('systemctl', ...a) }, stop: () => h.stop() };
    });
    peer = await runAll(async (extra) => {
      const h = await startPlainHost({ units: { from: unitDir, names, extra } });
      return { host: h, manager: { name: 'systemctl.py', systemctl: (...a) => h.run(['python3', script, ...a]) }, stop: () => h.stop() };
    });
  });
  after(() => undefined);

  test('the side-by-side table (docs/systemd.md); hearth runs every unit the peer runs, and more', (t) => {
    const rows = SCENARIOS.map((s) => `| ${s.name} | ${cell(hearth.get(s.name))} | ${cell(peer.get(s.name))} |`);
    const table = ['| unit | hearth | docker-systemctl-replacement 1.4 |', '| --- | --- | --- |', ...rows].join('\n');
    t.diagnostic(`\n${table}`);
    for (const s of SCENARIOS) for (const [who, m] of [['hearth', hearth], ['peer', peer]] as const) if (m.get(s.name)?.notes.length) t.diagnostic(`${who} ${s.name}: ${m.get(s.name)!.notes.join('; ')}`);
    process.stdout.write(`${table}\n`);
    for (const s of SCENARIOS) {
      const notes = [...(peer.get(s.name)?.notes ?? []), ...(hearth.get(s.name)?.notes ?? [])].join('; ');
      if (correct(peer.get(s.name))) assert.ok(correct(hearth.get(s.name)), `${s.name}: the peer runs it, hearth does not (${notes})`);
    }
    const count = (m: Map<string, Outcome>) => SCENARIOS.filter((s) => correct(m.get(s.name))).length;
    assert.ok(count(hearth) > count(peer), `hearth ${count(hearth)} vs peer ${count(peer)}`);
    assert.equal(count(hearth), SCENARIOS.length, 'hearth runs every unit');
  });
});
