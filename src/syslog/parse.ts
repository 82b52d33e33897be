/**
 * Syslog messages as they arrive on /dev/log or UDP: RFC 5424
 * (`<PRI>1 TIMESTAMP HOST APP PROCID MSGID [SD] MSG`) and the older RFC 3164
 * (`<PRI>Mmm dd hh:mm:ss HOST TAG[PID]: MSG`, also without HOST as glibc's
 * syslog(3) sends it locally). Never throws: what does not parse is kept
 * whole as the message, at the default priority (user.notice).
 */
export interface SyslogMessage {
  facility: number;
  severity: number;
  timestamp?: number;
  hostname?: string;
  appName?: string;
  procId?: string;
  msgId?: string;
  message: string;
}

const MONTHS = 'Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec'.split(' ');
const RFC3164_TIME = /^([A-Z][a-z]{2}) ([ \d]\d) (\d\d):(\d\d):(\d\d) /;
const TAG = /^([^\s:[\]]{1,48})(?:\[([^\]]{1,32})\])?: ?/;

export function parseSyslog(input: Buffer | string): SyslogMessage {
  let text = (typeof input === 'string' ? input : input.toString('utf8')).replace(/[\r\n\0]+$/, '');
  let facility = 1;
  let severity = 5;
  const pri = /^<(\d{1,3})>/.exec(text);
  if (pri && Number(pri[1]) <= 191) {
    facility = Math.floor(Number(pri[1]) / 8);
    severity = Number(pri[1]) % 8;
    text = text.slice(pri[0].length);
  }
  const v1 = /^1 (\S+) (\S+) (\S+) (\S+) (\S+) /.exec(text);
  if (v1) return { facility, severity, ...rfc5424(v1, text.slice(v1[0].length)) };
  return { facility, severity, ...rfc3164(text) };
}

function nil(s: string): string | undefined {
  return s === '-' ? undefined : s;
}

function rfc5424(m: RegExpExecArray, rest: string): Omit<SyslogMessage, 'facility' | 'severity'> {
  let body = rest;
  // Structured data: "-" or one or more [id k="v" ...] blocks (values may contain escaped ]).
  if (body.startsWith('-')) body = body.slice(1);
  else {
    while (body.startsWith('[')) {
      let i = 1;
      while (i < body.length && !(body[i] === ']' && body[i - 1] !== '\\')) i++;
      body = body.slice(i + 1);
    }
  }
  body = body.replace(/^ /, '').replace(/^\uFEFF/, '');
  const ts = nil(m[1]!) ? Date.parse(m[1]!) : NaN;
  return {
    ...(Number.isFinite(ts) ? { timestamp: ts } : {}),
    ...(nil(m[2]!) ? { hostname: m[2]! } : {}),
    ...(nil(m[3]!) ? { appName: m[3]! } : {}),
    ...(nil(m[4]!) ? { procId: m[4]! } : {}),
    ...(nil(m[5]!) ? { msgId: m[5]! } : {}),
    message: body,
  };
}

function rfc3164(text: string): Omit<SyslogMessage, 'facility' | 'severity'> {
  let rest = text;
  const out: Omit<SyslogMessage, 'facility' | 'severity'> = { message: '' };
  const t = RFC3164_TIME.exec(rest);
  if (t) {
    const now = new Date();
    const d = new Date(now.getFullYear(), MONTHS.indexOf(t[1]!), Number(t[2]), Number(t[3]), Number(t[4]), Number(t[5]));
    if (MONTHS.includes(t[1]!)) out.timestamp = d.getTime();
    rest = rest.slice(t[0].length);
    // A hostname follows unless the next word is already the tag (local /dev/log form).
    const word = /^(\S+) /.exec(rest);
    if (word && !/[:[]/.test(word[1]!) && TAG.test(rest.slice(word[0].length))) {
      out.hostname = word[1]!;
      rest = rest.slice(word[0].length);
    }
  }
  const tag = TAG.exec(rest);
  if (tag) {
    out.appName = tag[1]!;
    if (tag[2]) out.procId = tag[2];
    rest = rest.slice(tag[0].length);
  }
  out.message = rest;
  return out;
}
