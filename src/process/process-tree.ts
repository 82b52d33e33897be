import { readFileSync, readdirSync, statSync } from 'node:fs';
import { readProcStat } from './proc.js';

/** One process as `hearth tree` shows it. */
export interface ProcessNode {
  pid: number;
  ppid: number;
  uid: number;
  command: string;
  rssBytes: number;
  cpuSeconds: number;
  children: ProcessNode[];
}

const PAGE = 4096;
const TICKS = 100;

function cmdline(pid: number): string {
  try {
    const raw = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    const text = raw.split('\0').filter(Boolean).join(' ');
    if (text) return text;
  } catch {
    // gone
  }
  try {
    return `[${readFileSync(`/proc/${pid}/comm`, 'utf8').trim()}]`;
  } catch {
    return '?';
  }
}

/** Every process on the machine, linked to its children. Processes that end while we read are skipped. */
export function readProcessTable(proc = '/proc'): Map<number, ProcessNode> {
  const nodes = new Map<number, ProcessNode>();
  for (const entry of readdirSync(proc)) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    const stat = readProcStat(pid);
    if (!stat) continue;
    let uid = -1;
    try {
      uid = statSync(`${proc}/${entry}`).uid;
    } catch {
      continue;
    }
    nodes.set(pid, {
      pid,
      ppid: stat.ppid,
      uid,
      command: cmdline(pid),
      rssBytes: stat.rssPages * PAGE,
      cpuSeconds: (stat.utimeTicks + stat.stimeTicks) / TICKS,
      children: [],
    });
  }
  for (const n of nodes.values()) nodes.get(n.ppid)?.children.push(n);
  for (const n of nodes.values()) n.children.sort((a, b) => a.pid - b.pid);
  return nodes;
}
