/**
 * The small value syntaxes of unit files, with systemd's rules: numbers as C
 * reads them (`0x10`, `010` octal, `0b101`), booleans, file modes, signals,
 * exit statuses, sizes with K/M/G suffixes, resource limits, paths.
 */

/** yes/no/true/false/on/off/1/0/y/n/t/f, any case; null otherwise. */
export function parseBoolean(s: string): boolean | null {
  const v = s.toLowerCase();
  if (['1', 'yes', 'y', 'true', 't', 'on'].includes(v)) return true;
  if (['0', 'no', 'n', 'false', 'f', 'off'].includes(v)) return false;
  return null;
}

const WS = ' \t\n\r';

export interface IntegerOptions {
  /** 0: like C (0x hex, 0 octal, and systemd's 0b/0o); otherwise a fixed base. */
  base?: number;
  /** Refuse a leading + or -. */
  refuseSign?: boolean;
  min?: number;
  max?: number;
}

/**
 * An integer as systemd's safe_ato* read it: leading blanks allowed, nothing
 * after the digits. 'range' when it parses but does not fit.
 */
export function parseInteger(s: string, options: IntegerOptions = {}): number | 'invalid' | 'range' {
  let i = 0;
  while (i < s.length && WS.includes(s[i]!)) i++;
  let base = options.base ?? 0;
  const signChar = s[i] === '+' || s[i] === '-' ? s[i] : '';
  if (signChar && options.refuseSign) return 'invalid';
  let rest = s.slice(i);
  if (base === 0) {
    const lower = rest.toLowerCase();
    if (lower.startsWith('0b')) [base, rest] = [2, rest.slice(2)];
    else if (lower.startsWith('0o')) [base, rest] = [8, rest.slice(2)];
  }
  // strtol: sign, then an optional 0x for base 16 or auto, then digits.
  let sign = 1;
  if (rest[0] === '+' || rest[0] === '-') {
    if (rest[0] === '-') sign = -1;
    rest = rest.slice(1);
  }
  if (base === 0) {
    if (/^0[xX][0-9a-fA-F]/.test(rest)) [base, rest] = [16, rest.slice(2)];
    else if (rest.startsWith('0')) base = 8;
    else base = 10;
  } else if (base === 16 && /^0[xX][0-9a-fA-F]/.test(rest)) rest = rest.slice(2);
  const digits = '0123456789abcdefghijklmnopqrstuvwxyz'.slice(0, base);
  if (rest === '' || ![...rest.toLowerCase()].every((c) => digits.includes(c))) return 'invalid';
  const value = sign * parseInt(rest, base);
  if (!Number.isSafeInteger(value)) return 'range';
  if (options.min !== undefined && value < options.min) return 'range';
  if (options.max !== undefined && value > options.max) return 'range';
  return value;
}

/** An unsigned 32-bit value as systemd's config_parse_unsigned reads it; null when it would be refused. */
export function parseUnsigned(s: string, max = 0xffffffff): number | null {
  const v = parseInteger(s, { min: 0, max });
  if (typeof v === 'number') return v;
  return null;
}

/** File mode: octal, at most 07777, no sign. */
export function parseMode(s: string): number | null {
  const v = parseInteger(s, { base: 8, refuseSign: true, min: 0, max: 0o7777 });
  return typeof v === 'number' ? v : null;
}

/** Signal names systemd knows (Linux numbering), without the SIG prefix. */
export const SIGNALS: Record<string, number> = {
  HUP: 1, INT: 2, QUIT: 3, ILL: 4, TRAP: 5, ABRT: 6, BUS: 7, FPE: 8, KILL: 9, USR1: 10, SEGV: 11, USR2: 12, PIPE: 13,
  ALRM: 14, TERM: 15, STKFLT: 16, CHLD: 17, CONT: 18, STOP: 19, TSTP: 20, TTIN: 21, TTOU: 22, URG: 23, XCPU: 24,
  XFSZ: 25, VTALRM: 26, PROF: 27, WINCH: 28, IO: 29, PWR: 30, SYS: 31,
};
const SIGRTMIN = 34;
const SIGRTMAX = 64;

/** SIGTERM, TERM, 15, SIGRTMIN+2, RTMAX-1 → the signal number; null otherwise. */
export function parseSignal(s: string): number | null {
  const n = parseInteger(s, { base: 10 });
  if (n !== 'invalid') return typeof n === 'number' && n >= 1 && n <= SIGRTMAX ? n : null;
  const name = s.startsWith('SIG') ? s.slice(3) : s;
  const known = SIGNALS[name];
  if (known) return known;
  const rt = /^RT(MIN|MAX)(?:([+-])(\d+))?$/.exec(name);
  if (!rt) return null;
  if (rt[1] === 'MIN' && rt[2] === '-') return null;
  if (rt[1] === 'MAX' && rt[2] === '+') return null;
  const off = Number(rt[3] ?? 0);
  const sig = rt[1] === 'MIN' ? SIGRTMIN + off : SIGRTMAX - off;
  return sig >= SIGRTMIN && sig <= SIGRTMAX ? sig : null;
}

/** The conventional name of a signal number ("SIGTERM"), for display. */
export function signalName(n: number): string {
  const name = Object.keys(SIGNALS).find((k) => SIGNALS[k] === n);
  if (name) return `SIG${name}`;
  if (n >= SIGRTMIN && n <= SIGRTMAX) return n === SIGRTMIN ? 'SIGRTMIN' : `SIGRTMIN+${n - SIGRTMIN}`;
  return String(n);
}

/** Exit status names systemd accepts in SuccessExitStatus= and friends. */
export const EXIT_STATUS_NAMES: Record<string, number> = {
  SUCCESS: 0, FAILURE: 1, INVALIDARGUMENT: 2, NOTIMPLEMENTED: 3, NOPERMISSION: 4, NOTINSTALLED: 5, NOTCONFIGURED: 6,
  NOTRUNNING: 7, USAGE: 64, DATAERR: 65, NOINPUT: 66, NOUSER: 67, NOHOST: 68, UNAVAILABLE: 69, SOFTWARE: 70, OSERR: 71,
  OSFILE: 72, CANTCREAT: 73, IOERR: 74, TEMPFAIL: 75, PROTOCOL: 76, NOPERM: 77, CONFIG: 78, CHDIR: 200, NICE: 201,
  FDS: 202, EXEC: 203, MEMORY: 204, LIMITS: 205, OOM_ADJUST: 206, SIGNAL_MASK: 207, STDIN: 208, STDOUT: 209, CHROOT: 210,
  IOPRIO: 211, TIMERSLACK: 212, SECUREBITS: 213, SETSCHEDULER: 214, CPUAFFINITY: 215, GROUP: 216, USER: 217,
  CAPABILITIES: 218, CGROUP: 219, SETSID: 220, CONFIRM: 221, STDERR: 222, PAM: 224, NETWORK: 225, NAMESPACE: 226,
  NO_NEW_PRIVILEGES: 227, SECCOMP: 228, SELINUX_CONTEXT: 229, PERSONALITY: 230, APPARMOR: 231, ADDRESS_FAMILIES: 232,
  RUNTIME_DIRECTORY: 233, CHOWN: 235, SMACK_PROCESS_LABEL: 236, KEYRING: 237, STATE_DIRECTORY: 238, CACHE_DIRECTORY: 239,
  LOGS_DIRECTORY: 240, CONFIGURATION_DIRECTORY: 241, NUMA_POLICY: 242, CREDENTIALS: 243, BPF: 244, EXCEPTION: 255,
};

/** An exit status: a name above or 0..255. */
export function parseExitStatus(s: string): number | null {
  const named = EXIT_STATUS_NAMES[s];
  if (named !== undefined) return named;
  const v = parseInteger(s, { min: 0, max: 255 });
  return typeof v === 'number' ? v : null;
}

const IEC: Array<[string, number]> = [['E', 1024 ** 6], ['P', 1024 ** 5], ['T', 1024 ** 4], ['G', 1024 ** 3], ['M', 1024 ** 2], ['K', 1024], ['B', 1], ['', 1]];
const SI: Array<[string, number]> = [['E', 1e18], ['P', 1e15], ['T', 1e12], ['G', 1e9], ['M', 1e6], ['K', 1e3], ['B', 1], ['', 1]];

/** "512K", "1.5G", "1G 512M" in bytes (base 1024 or 1000); null when refused. */
export function parseSize(t: string, base: 1024 | 1000 = 1024): number | null {
  const table = base === 1024 ? IEC : SI;
  let total = 0;
  let startPos = 0;
  let p = 0;
  do {
    while (p < t.length && WS.includes(t[p]!)) p++;
    if (t[p] === '-') return null;
    const m = /^\+?(\d+)/.exec(t.slice(p));
    if (!m) return null;
    const whole = Number(m[1]);
    let e = p + m[0].length;
    let frac = 0;
    if (t[e] === '.') {
      e++;
      const f = /^\d+/.exec(t.slice(e));
      if (f) {
        frac = Number(`0.${f[0]}`);
        e += f[0].length;
      }
    }
    while (e < t.length && WS.includes(t[e]!)) e++;
    let i = startPos;
    for (; i < table.length; i++) if (t.startsWith(table[i]![0], e)) break;
    if (i >= table.length) return null;
    const factor = table[i]![1];
    total += whole * factor + Math.floor(frac * factor);
    if (!Number.isFinite(total) || total > 2 ** 64) return null;
    p = e + table[i]![0].length;
    startPos = i + 1;
  } while (p < t.length);
  return total;
}

export type RlimitName = 'CPU' | 'FSIZE' | 'DATA' | 'STACK' | 'CORE' | 'RSS' | 'NOFILE' | 'AS' | 'NPROC' | 'MEMLOCK' | 'LOCKS' | 'SIGPENDING' | 'MSGQUEUE' | 'NICE' | 'RTPRIO' | 'RTTIME';
const RLIMIT_KIND: Record<RlimitName, 'sec' | 'size' | 'count' | 'nice' | 'usec'> = {
  CPU: 'sec', FSIZE: 'size', DATA: 'size', STACK: 'size', CORE: 'size', RSS: 'size', NOFILE: 'count', AS: 'size', NPROC: 'count',
  MEMLOCK: 'size', LOCKS: 'count', SIGPENDING: 'count', MSGQUEUE: 'size', NICE: 'nice', RTPRIO: 'count', RTTIME: 'usec',
};
export const RLIMIT_NAMES = Object.keys(RLIMIT_KIND) as RlimitName[];

/** A resource limit: soft and hard, Infinity for "infinity". */
export interface Rlimit {
  soft: number;
  hard: number;
}

function parseRlimitOne(kind: (typeof RLIMIT_KIND)[RlimitName], v: string, parseSpan: (s: string, unit: number) => number | null): number | null {
  if (v === 'infinity') return Infinity;
  if (kind === 'size') return parseSize(v, 1024);
  if (kind === 'count') {
    const n = parseInteger(v, { min: 0 });
    return typeof n === 'number' ? n : null;
  }
  if (kind === 'sec') {
    const us = parseSpan(v, 1_000_000);
    return us === null ? null : us === Infinity ? Infinity : Math.ceil(us / 1_000_000);
  }
  if (kind === 'usec') return parseSpan(v, 1);
  // nice: +N and -N are nice levels (mapped to 20-N / 20+N), a bare number is the raw limit 0..40.
  const m = /^([+-]?)(\d+)$/.exec(v);
  if (!m) return null;
  const n = Number(m[2]);
  if (m[1] === '+') return n < 20 ? 20 - n : null;
  if (m[1] === '-') return n <= 20 ? 20 + n : null;
  return n <= 40 ? n : null;
}

/** "soft[:hard]"; 'order' when soft exceeds hard (systemd's "Soft resource limit chosen higher than hard limit"). */
export function parseRlimit(name: RlimitName, value: string, parseSpan: (s: string, unit: number) => number | null): Rlimit | 'invalid' | 'order' {
  const parts = value.split(':');
  if (parts.length > 2 || parts[0] === '') return 'invalid';
  const kind = RLIMIT_KIND[name];
  const soft = parseRlimitOne(kind, parts[0]!, parseSpan);
  if (soft === null) return 'invalid';
  if (parts.length === 1) return { soft, hard: soft };
  const hard = parseRlimitOne(kind, parts[1]!, parseSpan);
  if (hard === null) return 'invalid';
  return soft > hard ? 'order' : { soft, hard };
}

/** path_simplify: duplicate slashes and "." components removed, a trailing slash dropped. */
export function simplifyPath(p: string): string {
  const absolute = p.startsWith('/');
  const parts = p.split('/').filter((x) => x !== '' && x !== '.');
  const joined = parts.join('/');
  return absolute ? `/${joined}` : joined === '' ? '.' : joined;
}

function isNormalized(p: string): boolean {
  return !p.split('/').includes('..');
}

/**
 * systemd's path checks for settings: 'absolute' or 'relative' required, then
 * simplified and normalised. Returns the simplified path or the message.
 */
export function checkPath(path: string, key: string, need: 'absolute' | 'relative' | 'any', fatal = false): { ok: true; path: string } | { ok: false; message: string } {
  const ignoring = fatal ? '' : ', ignoring';
  if (need === 'absolute' && !path.startsWith('/')) return { ok: false, message: `${key}= path is not absolute${ignoring}: ${path}` };
  if (need === 'relative' && path.startsWith('/')) return { ok: false, message: `${key}= path is absolute${ignoring}: ${path}` };
  const simple = simplifyPath(path);
  if (simple.length >= 4096) return { ok: false, message: `${key}= path has invalid length (${simple.length} bytes)${ignoring}.` };
  if (!isNormalized(simple)) return { ok: false, message: `${key}= path is not normalized${ignoring}: ${simple}` };
  return { ok: true, path: simple };
}

/** Linux capability names (0..40), as CapabilityBoundingSet= and AmbientCapabilities= take them. */
export const CAPABILITIES = [
  'cap_chown', 'cap_dac_override', 'cap_dac_read_search', 'cap_fowner', 'cap_fsetid', 'cap_kill', 'cap_setgid', 'cap_setuid',
  'cap_setpcap', 'cap_linux_immutable', 'cap_net_bind_service', 'cap_net_broadcast', 'cap_net_admin', 'cap_net_raw',
  'cap_ipc_lock', 'cap_ipc_owner', 'cap_sys_module', 'cap_sys_rawio', 'cap_sys_chroot', 'cap_sys_ptrace', 'cap_sys_pacct',
  'cap_sys_admin', 'cap_sys_boot', 'cap_sys_nice', 'cap_sys_resource', 'cap_sys_time', 'cap_sys_tty_config', 'cap_mknod',
  'cap_lease', 'cap_audit_write', 'cap_audit_control', 'cap_setfcap', 'cap_mac_override', 'cap_mac_admin', 'cap_syslog',
  'cap_wake_alarm', 'cap_block_suspend', 'cap_audit_read', 'cap_perfmon', 'cap_bpf', 'cap_checkpoint_restore',
];

/** A capability by name (any case) or number 0..63; null otherwise. */
export function parseCapability(s: string): number | null {
  const n = parseInteger(s);
  if (n !== 'invalid') return typeof n === 'number' && n >= 0 && n < 64 ? n : null;
  const i = CAPABILITIES.indexOf(s.toLowerCase());
  return i >= 0 ? i : null;
}

/** A user or group as systemd accepts it in User=/Group=: a name, or a numeric id. */
export function isValidUserOrGroup(s: string): boolean {
  if (/^\d+$/.test(s)) return Number(s) < 0xffffffff - 1 && Number(s) !== 65535;
  // systemd's "relaxed" rule: no control characters, no ':' '/' or whitespace, not starting with '-' or a digit-only name, not "." or "..".
  return s !== '' && s !== '.' && s !== '..' && !s.startsWith('-') && s.length <= 256 && !/[\s:/,\x00-\x1f\x7f]/.test(s);
}
