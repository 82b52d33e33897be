/**
 * What "runs correctly" means for each real Debian unit, written once and
 * used for hearth and for docker-systemctl-replacement alike: it starts,
 * becomes ready by its Type (the daemon answers on its port, the pidfile's
 * pid is its main pid), reloads as its ExecReload= says, and stops leaving
 * no process behind.
 */
import type { NamespaceHost } from './systemd-host.js';

/** A service manager under test, through its systemctl. */
export interface Manager {
  name: string;
  systemctl(...args: string[]): { code: number; stdout: string; stderr: string };
}

export interface Outcome {
  started: boolean;
  ready: boolean;
  reloaded?: boolean;
  /** `systemctl status` said active (exit 0) while it ran and inactive (exit 3) once stopped. */
  status?: boolean;
  stopped: boolean;
  notes: string[];
}

export interface Scenario {
  name: string;
  /** Unit files it needs from the packages (drop-ins and extra files may come from `extra`). */
  units: string[];
  extra?: Record<string, string>;
  run(m: Manager, h: NamespaceHost): Promise<Outcome>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls a check inside the namespace until it holds (daemons take a moment to bind). */
async function within(ms: number, check: () => boolean): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (check()) return true;
    if (Date.now() > deadline) return false;
    await sleep(100);
  }
}

function gone(h: NamespaceHost, process: string): Promise<boolean> {
  return within(8000, () => h.run(['pgrep', '-x', process]).code !== 0);
}

function banner(h: NamespaceHost, port: number): string {
  return h.run(['timeout', '5', 'nc', '-w', '2', '127.0.0.1', String(port)], '').stdout;
}

function mainPid(m: Manager, unit: string): number {
  const r = m.systemctl('show', '-p', 'MainPID', unit);
  return Number(/MainPID=(\d+)/.exec(r.stdout)?.[1] ?? 0);
}

/** One DNS question for "localhost" to 127.0.0.1:53; true when an answer with the same id comes back. */
const DNS_PROBE = `const d=require('dgram').createSocket('udp4');const q=Buffer.from('abcd01000001000000000000096c6f63616c686f73740000010001','hex');d.on('message',(m)=>{console.log(m.readUInt16BE(0)===0xabcd?'answer':'other');process.exit(0)});d.send(q,53,'127.0.0.1');setTimeout(()=>process.exit(1),3000)`;

async function simple(m: Manager, h: NamespaceHost, unit: string, ready: () => boolean, process: string, reload?: () => Promise<boolean>): Promise<Outcome> {
  const notes: string[] = [];
  const s = m.systemctl('start', unit);
  if (s.code !== 0) notes.push(`start: ${(s.stderr + s.stdout).trim().split('\n')[0]}`);
  const isReady = await within(15_000, ready);
  const up = m.systemctl('status', unit);
  let reloaded: boolean | undefined;
  if (reload) reloaded = await reload();
  m.systemctl('stop', unit);
  const stopped = await gone(h, process);
  const down = m.systemctl('status', unit);
  const status = up.code === 0 && /Active: active \(running\)/.test(up.stdout) && down.code === 3 && /Active: (inactive|failed)/.test(down.stdout);
  if (!status) notes.push(`status: ${up.code} ${/Active: .*/.exec(up.stdout)?.[0] ?? up.stderr.trim()} / after stop ${down.code} ${/Active: .*/.exec(down.stdout)?.[0] ?? down.stderr.trim()}`);
  return { started: s.code === 0, ready: isReady, ...(reloaded !== undefined ? { reloaded } : {}), status, stopped, notes };
}

export const SCENARIOS: Scenario[] = [
  {
    name: 'nginx.service',
    units: ['nginx.service'],
    run: (m, h) =>
      simple(m, h, 'nginx.service', () => h.run(['curl', '-s', '-o', '/dev/null', '-w', '%{http_code}', 'http://127.0.0.1/']).stdout === '200' && mainPid(m, 'nginx.service') === Number(h.run(['cat', '/run/nginx.pid']).stdout.trim()), 'nginx', async () => {
        const workers = h.run(['pgrep', '-f', 'nginx: worker']).stdout;
        const r = m.systemctl('reload', 'nginx.service');
        return r.code === 0 && (await within(5000, () => h.run(['pgrep', '-f', 'nginx: worker']).stdout !== workers && h.run(['curl', '-s', '-o', '/dev/null', '-w', '%{http_code}', 'http://127.0.0.1/']).stdout === '200'));
      }),
  },
  {
    name: 'redis-server.service',
    units: ['redis-server.service'],
    run: (m, h) => simple(m, h, 'redis-server.service', () => h.run(['redis-cli', 'ping']).stdout.trim() === 'PONG' && mainPid(m, 'redis-server.service') > 0, 'redis-server'),
  },
  {
    name: 'memcached.service',
    units: ['memcached.service'],
    run: (m, h) => simple(m, h, 'memcached.service', () => /^VERSION /.test(h.run(['timeout', '3', 'nc', '-q', '1', '127.0.0.1', '11211'], 'version\r\n').stdout), 'memcached'),
  },
  {
    name: 'ssh.service',
    units: ['ssh.service'],
    run: (m, h) =>
      simple(m, h, 'ssh.service', () => banner(h, 22).startsWith('SSH-2.0-'), 'sshd', async () => {
        const pid = mainPid(m, 'ssh.service');
        const r = m.systemctl('reload', 'ssh.service');
        return r.code === 0 && pid > 0 && mainPid(m, 'ssh.service') === pid && banner(h, 22).startsWith('SSH-2.0-');
      }),
  },
  {
    name: 'ssh.socket (Accept=no)',
    units: ['ssh.service', 'ssh.socket'],
    async run(m, h) {
      const s = m.systemctl('start', 'ssh.socket');
      const ready = await within(15_000, () => banner(h, 22).startsWith('SSH-2.0-'));
      const activated = m.systemctl('is-active', 'ssh.service').stdout.trim() === 'active';
      m.systemctl('stop', 'ssh.socket', 'ssh.service');
      return { started: s.code === 0, ready: ready && activated, stopped: await gone(h, 'sshd'), notes: activated ? [] : ['ssh.service was not activated by the socket'] };
    },
  },
  {
    name: 'ssh.socket (Accept=yes)',
    units: ['ssh.service', 'ssh.socket'],
    extra: {
      'ssh.socket.d/accept.conf': '[Socket]\nAccept=yes\n',
      // Debian shipped this per-connection unit until bullseye; bookworm leaves it to the admin.
      'ssh@.service': '[Unit]\nDescription=OpenBSD Secure Shell server per-connection daemon\nAfter=auditd.service\n\n[Service]\nEnvironmentFile=-/etc/default/ssh\nExecStart=-/usr/sbin/sshd -i $SSHD_OPTS\nStandardInput=socket\nRuntimeDirectory=sshd\nRuntimeDirectoryMode=0755\n',
    },
    async run(m, h) {
      const s = m.systemctl('start', 'ssh.socket');
      const ready = await within(15_000, () => banner(h, 22).startsWith('SSH-2.0-'));
      m.systemctl('stop', 'ssh.socket');
      return { started: s.code === 0, ready, stopped: await gone(h, 'sshd'), notes: [] };
    },
  },
  {
    name: 'cron.service',
    units: ['cron.service'],
    run: (m, h) => simple(m, h, 'cron.service', () => h.run(['pgrep', '-x', 'cron']).code === 0 && mainPid(m, 'cron.service') === Number(h.run(['pgrep', '-x', 'cron']).stdout.trim().split('\n')[0]), 'cron'),
  },
  {
    name: 'rsyslog.service + syslog.socket',
    units: ['rsyslog.service', 'syslog.socket'],
    async run(m, h) {
      // Enabling makes the syslog.service alias syslog.socket activates.
      m.systemctl('enable', 'rsyslog.service');
      const s = m.systemctl('start', 'rsyslog.service');
      const tag = `hearth-check-${process.pid}`;
      const ready = await within(15_000, () => {
        h.run(['logger', '-u', '/run/systemd/journal/syslog', '-t', tag, 'through syslog.socket']);
        return h.run(['grep', '-q', tag, '/var/log/syslog']).code === 0;
      });
      m.systemctl('stop', 'rsyslog.service', 'syslog.socket');
      m.systemctl('disable', 'rsyslog.service');
      return { started: s.code === 0, ready, stopped: await gone(h, 'rsyslogd'), notes: [] };
    },
  },
  {
    name: 'dnsmasq.service',
    units: ['dnsmasq.service'],
    run: (m, h) =>
      simple(m, h, 'dnsmasq.service', () => h.run([process.execPath, '-e', DNS_PROBE]).stdout.trim() === 'answer' && mainPid(m, 'dnsmasq.service') === Number(h.run(['cat', '/run/dnsmasq/dnsmasq.pid']).stdout.trim()), 'dnsmasq', async () => {
        const pid = mainPid(m, 'dnsmasq.service');
        return m.systemctl('reload', 'dnsmasq.service').code === 0 && mainPid(m, 'dnsmasq.service') === pid && h.run([process.execPath, '-e', DNS_PROBE]).stdout.trim() === 'answer';
      }),
  },
  {
    name: 'postgresql@15-main.service',
    units: ['postgresql.service', 'postgresql@.service'],
    run: (m, h) =>
      simple(m, h, 'postgresql@15-main.service', () => h.run(['runuser', '-u', 'postgres', '--', 'psql', '-tAc', 'select 1']).stdout.trim() === '1', 'postgres', async () => {
        // A reload of postgresql.service reaches the cluster (ReloadPropagatedFrom=).
        m.systemctl('start', 'postgresql.service');
        const r = m.systemctl('reload', 'postgresql.service');
        const ok = r.code === 0 && (await within(5000, () => /received SIGHUP/.test(h.run(['sh', '-c', 'cat /var/log/postgresql/*.log']).stdout)));
        m.systemctl('stop', 'postgresql.service');
        return ok;
      }),
  },
];
