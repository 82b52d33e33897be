import type { Command } from '../command.js';
import { EXIT } from '../exit-codes.js';
import type { ProcessNode } from '../../process/index.js';

interface Glyphs {
  branch: string;
  last: string;
  pipe: string;
  blank: string;
}
const UNICODE: Glyphs = { branch: '├─ ', last: '└─ ', pipe: '│  ', blank: '   ' };
const ASCII: Glyphs = { branch: '|- ', last: '`- ', pipe: '|  ', blank: '   ' };

/** pstree for hearth: hearthd, its services and what they started, with user, CPU and memory. */
export const tree: Command = {
  name: 'tree',
  summary: 'hearthd, its services and their processes as a tree (pid, user, CPU, memory)',
  usage: 'tree [--all] [--json]',
  description: 'Services are labelled with their name, under hearthd (also those hearth-spawner started for it). --all shows every process on the machine, hearth\'s marked with *.',
  options: { all: { type: 'boolean', description: 'every process on the machine, hearth\'s services marked' } },
  async run(ctx) {
    const [info, services] = await Promise.all([ctx.client().info(), ctx.client().list()]);
    const { readProcessTable, lookupUser } = await import('../../process/index.js');
    const table = readProcessTable();
    // A service is known by its main pid; a pool's workers and inetd servers by being hearthd's children.
    const label = new Map<number, string>();
    for (const s of services) if (s.pid !== null) label.set(s.pid, s.name);
    // --all: every process without a visible parent is a root (pid 1, and anything from outside our pid namespace).
    const roots = ctx.values.all === true ? [...table.values()].filter((n) => !table.has(n.ppid)) : [table.get(info.pid)].filter((n): n is ProcessNode => n !== undefined);
    const root = roots[0];
    if (!root) {
      ctx.out.error(`${ctx.programName}: hearthd (pid ${info.pid}) is not visible in /proc here`);
      return EXIT.FAILURE;
    }
    const inHearth = new Set<number>();
    const mark = (n: ProcessNode) => {
      inHearth.add(n.pid);
      n.children.forEach(mark);
    };
    const hearthd = table.get(info.pid);
    if (hearthd) {
      // Services' main processes are hearth-spawner's children, which only creates them:
      // shown as hearthd's, which supervises them.
      for (const helper of hearthd.children.filter((c) => /(^|\/)hearth-spawner$/.test(c.command.split(' ')[0]!))) {
        hearthd.children.push(...helper.children);
        helper.children = [];
      }
      // With cgroups a unit is everything it started, also what left hearthd's tree (setsid,
      // double forks re-parented to PID 1): such processes are shown under hearthd, by their unit.
      for (const n of await escapedUnitProcesses(table, info.runtimeDir, hearthd)) {
        hearthd.children.push(n.node);
        if (!label.has(n.node.pid)) label.set(n.node.pid, `${n.unit} (left hearthd's tree)`);
      }
      mark(hearthd);
    }
    const users = new Map<number, string>();
    const userOf = (uid: number) => {
      if (!users.has(uid)) {
        try {
          users.set(uid, lookupUser(String(uid)).name);
        } catch {
          users.set(uid, String(uid));
        }
      }
      return users.get(uid)!;
    };
    if (ctx.json) {
      const toJson = (n: ProcessNode): unknown => ({
        pid: n.pid,
        user: userOf(n.uid),
        command: n.command,
        rssBytes: n.rssBytes,
        cpuSeconds: n.cpuSeconds,
        ...(label.has(n.pid) ? { service: label.get(n.pid) } : n.pid === info.pid ? { service: 'hearthd' } : {}),
        ...(inHearth.has(n.pid) ? { hearth: true } : {}),
        children: n.children.map(toJson),
      });
      ctx.out.json(ctx.values.all === true ? roots.map(toJson) : toJson(root));
      return EXIT.OK;
    }
    const locale = ctx.env.LC_ALL || ctx.env.LC_CTYPE || ctx.env.LANG || '';
    const g = /utf-?8/i.test(locale) ? UNICODE : ASCII;
    const lines: string[] = [];
    const width = Number(ctx.env.COLUMNS) || process.stdout.columns || 120;
    const walk = (n: ProcessNode, prefix: string, self: string) => {
      const name = n.pid === info.pid ? 'hearthd' : label.get(n.pid);
      const star = ctx.values.all === true && inHearth.has(n.pid) ? '*' : ' ';
      const stats = `${String(n.pid).padStart(7)} ${userOf(n.uid).padEnd(9).slice(0, 9)} ${n.cpuSeconds.toFixed(2).padStart(7)}s ${(n.rssBytes / 1048576).toFixed(1).padStart(6)}M `;
      const text = `${stats}${star}${prefix}${self}${name ? `${ctx.out.paint('bold', name)} ` : ''}${n.command}`;
      lines.push(text.length > width + 20 ? `${text.slice(0, width + 19)}…` : text);
      n.children.forEach((c, i) => {
        const last = i === n.children.length - 1;
        walk(c, prefix + (self === '' ? '' : self === g.last ? g.blank : g.pipe), last ? g.last : g.branch);
      });
    };
    lines.push(`${'PID'.padStart(7)} ${'USER'.padEnd(9)} ${'CPU'.padStart(8)} ${'RSS'.padStart(7)}  PROCESS`);
    for (const r of roots) walk(r, '', '');
    ctx.out.raw(`${lines.join('\n')}\n`);
    return EXIT.OK;
  },
};

/** Processes in one of this hearthd's unit cgroups that are not below hearthd in the process tree (topmost only). */
async function escapedUnitProcesses(table: Map<number, ProcessNode>, runtimeDir: string, hearthd: ProcessNode): Promise<Array<{ node: ProcessNode; unit: string }>> {
  const { instanceName } = await import('../../boundary/index.js');
  const { readFileSync } = await import('node:fs');
  const below = new Set<number>();
  const markBelow = (n: ProcessNode) => {
    below.add(n.pid);
    n.children.forEach(markBelow);
  };
  markBelow(hearthd);
  const instance = instanceName(runtimeDir);
  const unitOf = (pid: number): string | undefined => {
    try {
      const line = readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n').find((l) => l.startsWith('0::'));
      const parts = line?.slice(3).split('/') ?? [];
      const at = parts.indexOf(instance);
      return at >= 0 ? parts[at + 1] : undefined;
    } catch {
      return undefined;
    }
  };
  const found: Array<{ node: ProcessNode; unit: string }> = [];
  for (const n of table.values()) {
    if (below.has(n.pid)) continue;
    const unit = unitOf(n.pid);
    // Topmost: its parent is not in the same unit (else it shows up under that parent).
    if (unit && unitOf(n.ppid) !== unit) found.push({ node: n, unit: unit.replace(/\.service$/, '') });
  }
  return found;
}
