/**
 * Reads the facts %H, %m, %b, %o … stand for from this machine. Every read
 * is optional: a container without /etc/machine-id still loads its units
 * (the specifier then expands to the placeholder).
 */
import { readFileSync } from 'node:fs';
import * as os from 'node:os';
import { SYSTEM_HOST_DEFAULTS, type HostFacts } from './specifiers.js';

function read(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/** KEY=value lines with optional quotes, as os-release and machine-info are written. */
export function parseOsRelease(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!m) continue;
    let v = m[2]!.trim();
    if ((v.startsWith('"') && v.endsWith('"')) || (v.startsWith("'") && v.endsWith("'"))) v = v.slice(1, -1);
    out[m[1]!] = v.replace(/\\(["'$`\\])/g, '$1');
  }
  return out;
}

const ARCH: Record<string, string> = { x64: 'x86-64', ia32: 'x86', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64-le', s390x: 's390x', riscv64: 'riscv64', loong64: 'loongarch64' };

/** This host's facts, for a manager running as the current user. */
export function readHostFacts(): HostFacts {
  const info = os.userInfo();
  const osRelease = parseOsRelease(read('/etc/os-release') ?? read('/usr/lib/os-release') ?? '');
  const pretty = parseOsRelease(read('/etc/machine-info') ?? '')['PRETTY_HOSTNAME'];
  const machineId = (read('/etc/machine-id') ?? '').trim();
  const bootId = (read('/proc/sys/kernel/random/boot_id') ?? '').trim().replace(/-/g, '');
  return {
    ...SYSTEM_HOST_DEFAULTS,
    hostname: os.hostname(),
    ...(pretty ? { prettyHostname: pretty } : {}),
    machineId: /^[0-9a-f]{32}$/.test(machineId) ? machineId : SYSTEM_HOST_DEFAULTS.machineId,
    bootId: /^[0-9a-f]{32}$/.test(bootId) ? bootId : SYSTEM_HOST_DEFAULTS.bootId,
    architecture: ARCH[process.arch] ?? process.arch,
    kernelRelease: os.release(),
    osRelease,
    user: {
      name: info.username,
      uid: info.uid,
      group: info.uid === 0 ? 'root' : String(info.gid),
      gid: info.gid,
      home: info.homedir,
      shell: info.shell ?? '/bin/sh',
    },
    tmpDir: process.env['TMPDIR'] && process.env['TMPDIR'].startsWith('/') ? process.env['TMPDIR'] : '/tmp',
  };
}
