import { readdir, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { HearthError } from '../errors/index.js';
import type { InetdServiceDefinition } from '../model/index.js';
import { loadEtcServices, type ServicesTable } from './etc-services.js';
import { readRegularFile } from './regular-file.js';
import {
  assignAttribute, buildInetdDefinition, newServiceAttrs,
  type AssignOp, type AttrSet, type Problem,
} from './xinetd-attributes.js';

export interface InetdLoadResult {
  services: InetdServiceDefinition[];
  /** Unknown attributes, repeated attributes, skipped lines: the service still loads. */
  warnings: HearthError[];
  /** Whole entries or files that could not be used, and services disabled by a bad value. */
  errors: HearthError[];
  /** Every file read, for reload watching. */
  files: string[];
}

export interface XinetdLoadOptions {
  /** /etc/services replacement (tests pass a fixture); read from servicesFile otherwise. */
  services?: ServicesTable;
  servicesFile?: string;
}

interface Header {
  defaultOn: boolean | undefined;
  description: string;
}

/** "# default: on" and "# description: ..." (continuation: following comment lines). */
export function parseCommentHeader(lines: string[]): Header {
  let defaultOn: boolean | undefined;
  const desc: string[] = [];
  let inDesc = false;
  for (const raw of lines) {
    const line = raw.trim();
    if (!line.startsWith('#')) {
      if (line === '') {
        inDesc = false;
        continue;
      }
      break;
    }
    const body = line.replace(/^#+\s?/, '');
    const m = /^(default|description|chkconfig)\s*:\s*(.*)$/i.exec(body.trim());
    if (m) {
      inDesc = m[1]!.toLowerCase() === 'description';
      if (m[1]!.toLowerCase() === 'default') defaultOn = /^on\b/i.test(m[2]!.trim());
      if (inDesc) desc.push(m[2]!.replace(/\\$/, '').trim());
      continue;
    }
    if (inDesc) {
      if (body.trim() === '') inDesc = false;
      else desc.push(body.replace(/\\$/, '').trim());
    }
  }
  return { defaultOn, description: desc.filter(Boolean).join(' ') };
}

/** xinetd's includedir rule: skip names containing "." or ending in "~"; C-locale order. */
export function includedFileNames(names: string[]): string[] {
  return names
    .filter((n) => n !== '' && !n.includes('.') && !n.endsWith('~'))
    .sort((a, b) => (Buffer.compare(Buffer.from(a), Buffer.from(b))));
}

interface Entry {
  name: string;
  attrs: AttrSet;
  file: string;
  line: number;
  header: Header;
}

class XinetdParser {
  readonly defaults: AttrSet = new Map();
  readonly entries: Entry[] = [];
  readonly warnings: HearthError[] = [];
  readonly errors: HearthError[] = [];
  readonly files: string[] = [];
  private readonly seen = new Set<string>();
  private readonly seenDirs = new Set<string>();

  problem(p: Problem, file: string, fallbackLine?: number): void {
    const e = new HearthError(p.level === 'warning' ? 'ERR_CONFIG_UNKNOWN_KEY' : 'ERR_CONFIG_VALUE', p.message, {
      file,
      line: p.line ?? fallbackLine,
      ...(p.key ? { key: p.key } : {}),
    });
    (p.level === 'warning' ? this.warnings : this.errors).push(e);
  }

  warn(file: string, line: number, message: string): void {
    this.warnings.push(new HearthError('ERR_CONFIG_SYNTAX', message, { file, line }));
  }

  error(file: string, line: number | undefined, message: string): void {
    this.errors.push(new HearthError('ERR_CONFIG_SYNTAX', message, { file, ...(line ? { line } : {}) }));
  }

  async file(path: string, fromFile?: string, fromLine?: number): Promise<void> {
    const full = resolve(path);
    if (this.seen.has(full)) {
      if (fromFile) this.warn(fromFile, fromLine ?? 0, `"${path}" is already included, skipped`);
      return;
    }
    this.seen.add(full);
    let text: string;
    try {
      text = readRegularFile(full);
    } catch (e) {
      this.errors.push(new HearthError('ERR_CONFIG_IO', `cannot read xinetd file "${path}": ${(e as Error).message}`, {
        ...(fromFile ? { file: fromFile, line: fromLine } : { file: path }),
      }));
      return;
    }
    this.files.push(full);
    await this.text(text, full);
  }

  async dir(path: string, fromFile?: string, fromLine?: number): Promise<void> {
    const full = resolve(path);
    if (this.seenDirs.has(full)) return;
    this.seenDirs.add(full);
    let names: string[];
    try {
      names = await readdir(full);
    } catch (e) {
      this.errors.push(new HearthError('ERR_CONFIG_IO', `cannot read xinetd directory "${path}": ${(e as Error).message}`, {
        ...(fromFile ? { file: fromFile, line: fromLine } : { file: path }),
      }));
      return;
    }
    for (const n of includedFileNames(names)) {
      const p = join(full, n);
      try {
        if (!(await stat(p)).isFile()) {
          this.warn(p, 0, `"${p}" is not a regular file, skipped`);
          continue;
        }
      } catch {
        continue;
      }
      await this.file(p);
    }
  }

  /** Parses one file's text; include/includedir are followed in place, as xinetd does. */
  async text(text: string, file: string): Promise<void> {
    const lines = text.split('\n');
    const header = parseCommentHeader(lines);
    let defaultsSeen = false;
    let i = 0;
    const next = (): { line: string; no: number } | undefined => {
      while (i < lines.length) {
        const line = lines[i]!;
        i++;
        const t = line.trim();
        if (t === '' || t.startsWith('#')) continue;
        return { line: t, no: i };
      }
      return undefined;
    };
    // Drops a broken entry's body: everything through the next "}", unless a new entry starts first.
    const skipBody = (): void => {
      while (i < lines.length) {
        const t = lines[i]!.trim();
        if (/^(service|defaults|include|includedir)(\s|$)/.test(t)) return;
        i++;
        if (t === '}') return;
      }
    };
    for (;;) {
      const l = next();
      if (!l) return;
      const words = l.line.split(/\s+/);
      const kw = words[0]!;
      if (kw === 'include' || kw === 'includedir') {
        const target = words[1];
        if (!target) {
          this.error(file, l.no, `"${kw}" needs a path`);
          continue;
        }
        const abs = resolve(dirname(file), target);
        if (kw === 'include') await this.file(abs, file, l.no);
        else await this.dir(abs, file, l.no);
        continue;
      }
      if (kw !== 'service' && kw !== 'defaults') {
        this.error(file, l.no, `expected "service NAME", "defaults", "include" or "includedir", got "${l.line}"`);
        skipBody();
        continue;
      }
      let name = '';
      let rest = words.slice(1);
      if (kw === 'service') {
        name = words[1] ?? '';
        rest = words.slice(2);
        if (!name || name === '{') {
          this.error(file, l.no, 'service name missing');
          skipBody();
          continue;
        }
      }
      // xinetd wants "{" alone on the next line; "service x {" is accepted with a warning.
      if (rest.length === 1 && rest[0] === '{') {
        this.warn(file, l.no, `"{" should be on its own line (xinetd rejects this entry)`);
      } else if (rest.length > 0) {
        this.error(file, l.no, `unexpected "${rest.join(' ')}" after "${kw}${name ? ` ${name}` : ''}"`);
        skipBody();
        continue;
      } else {
        const open = next();
        if (!open || open.line !== '{') {
          this.error(file, open?.no ?? l.no, `${kw === 'service' ? `service "${name}"` : 'defaults'}: missing "{"`);
          if (open && open.line !== '}') skipBody();
          continue;
        }
      }
      if (kw === 'defaults' && defaultsSeen) {
        this.error(file, l.no, 'only one defaults entry is allowed per file; this one is ignored');
        skipBody();
        continue;
      }
      const attrs = kw === 'defaults' ? this.defaults : newServiceAttrs(this.defaults);
      let closed = false;
      let broken: string | undefined;
      for (;;) {
        const a = next();
        if (!a) break;
        if (a.line === '}') {
          closed = true;
          break;
        }
        const parsed = parseAttributeLine(a.line);
        if (typeof parsed === 'string') {
          // xinetd drops the whole entry; hearth drops only the line but keeps the service off.
          this.error(file, a.no, `${kw === 'service' ? `service "${name}"` : 'defaults'}: ${parsed}`);
          broken ??= `${file}:${a.no}: ${parsed}`;
          continue;
        }
        const p = assignAttribute(attrs, kw === 'service' ? 'service' : 'defaults', parsed.name, parsed.op, parsed.values, a.no);
        if (p) {
          if (kw === 'service') p.message = `service "${name}": ${p.message}`;
          else p.message = `defaults: ${p.message}`;
          this.problem(p, file);
          if (p.level === 'error') broken ??= `${file}:${a.no}: ${p.message}`;
        }
      }
      if (!closed) {
        this.error(file, l.no, `${kw === 'service' ? `service "${name}"` : 'defaults'}: missing "}" before the end of the file`);
        if (kw === 'service') continue;
      }
      if (kw === 'defaults') {
        defaultsSeen = true;
        continue;
      }
      if (broken) attrs.set('__broken', { values: [broken], line: l.no });
      this.entries.push({ name, attrs, file, line: l.no, header });
    }
  }
}

/** Splits "name op value value ..." like xinetd's parse_line. */
export function parseAttributeLine(line: string): { name: string; op: AssignOp; values: string[] } | string {
  const m = /^(\S+?)\s*(\+=|-=|=)\s*(.*)$/.exec(line);
  if (!m) return `cannot parse "${line}" (expected "attribute = value")`;
  const name = m[1]!;
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) return `bad attribute name "${name}"`;
  const values = m[3]!.trim() === '' ? [] : m[3]!.trim().split(/\s+/);
  return { name, op: m[2] as AssignOp, values };
}

/**
 * Loads an xinetd configuration: the main file (optional) with everything it
 * includes, then any extra directories (hearth's CONFIG/xinetd.d) not already
 * included. Relative include paths are resolved against the including file.
 */
export async function loadXinetdConfig(
  mainFile: string | undefined,
  extraDirs: string[] = [],
  options: XinetdLoadOptions = {},
): Promise<InetdLoadResult> {
  const services = options.services ?? (await loadEtcServices(options.servicesFile));
  const parser = new XinetdParser();
  if (mainFile) await parser.file(mainFile);
  for (const d of extraDirs) await parser.dir(d);
  return finishXinetd(parser, services);
}

/** Parses one xinetd-format text (no includes followed beyond what it names). */
export async function parseXinetdText(text: string, file: string, services: ServicesTable): Promise<InetdLoadResult> {
  const parser = new XinetdParser();
  parser.files.push(file);
  await parser.text(text, file);
  return finishXinetd(parser, services);
}

function finishXinetd(parser: XinetdParser, services: ServicesTable): InetdLoadResult {
  const disabledIds = new Set(parser.defaults.get('disabled')?.values ?? []);
  const enabledList = parser.defaults.get('enabled')?.values;
  const enabledIds = enabledList ? new Set(enabledList) : undefined;
  const defs: InetdServiceDefinition[] = [];
  for (const e of parser.entries) {
    const broken = e.attrs.get('__broken')?.values[0];
    e.attrs.delete('__broken');
    const { def, warnings } = buildInetdDefinition(e.attrs, {
      name: e.name,
      origin: { format: 'xinetd', file: e.file, line: e.line },
      description: e.header.description,
      defaultOn: e.header.defaultOn,
      defaults: parser.defaults,
      services,
      disabledIds,
      ...(enabledIds ? { enabledIds } : {}),
    });
    for (const w of warnings) parser.problem(w, e.file, e.line);
    if (broken) {
      def.errors.unshift(broken);
      def.disabled = true;
    }
    for (const msg of def.errors) {
      if (!broken || msg !== broken) parser.errors.push(new HearthError('ERR_CONFIG_VALUE', msg.replace(/^[^:]+:\d+: /, ''), { file: e.file, line: lineOf(msg) ?? e.line }));
    }
    defs.push(def);
  }
  return { services: dedupeInetd(defs, parser.errors), warnings: parser.warnings, errors: parser.errors, files: parser.files };
}

function lineOf(msg: string): number | undefined {
  const m = /^[^:]+:(\d+): /.exec(msg);
  return m ? Number(m[1]) : undefined;
}

/**
 * Several entries may share an id or a port as long as at most one is enabled
 * (Debian ships chargen's udp block twice, both off). The enabled one wins;
 * a second enabled one is an error and is dropped.
 */
export function dedupeInetd(defs: InetdServiceDefinition[], errors: HearthError[]): InetdServiceDefinition[] {
  const byId = new Map<string, InetdServiceDefinition>();
  const byPort = new Map<string, InetdServiceDefinition>();
  for (const d of defs) {
    const prev = byId.get(d.id);
    const portKey = `${d.protocol}/${d.port}/${d.bind ?? '*'}`;
    const portPrev = d.disabled || d.port === 0 ? undefined : byPort.get(portKey);
    if (portPrev && portPrev.id !== d.id) {
      errors.push(new HearthError('ERR_CONFIG_VALUE', `service "${d.name}" id "${d.id}": ${d.protocol} port ${d.port} is already used by "${portPrev.id}" (${where(portPrev)}), disabled`, { file: d.origin.file, ...(d.origin.line ? { line: d.origin.line } : {}) }));
      d.disabled = true;
      d.errors.push(`${where(d)}: port ${d.port}/${d.protocol} is already used by "${portPrev.id}"`);
    }
    if (!prev) {
      byId.set(d.id, d);
    } else if (prev.disabled && !d.disabled) {
      byId.set(d.id, d);
    } else if (!prev.disabled && !d.disabled) {
      errors.push(new HearthError('ERR_CONFIG_VALUE', `service "${d.name}": id "${d.id}" is already used by ${where(prev)}, this entry is ignored`, { file: d.origin.file, ...(d.origin.line ? { line: d.origin.line } : {}) }));
      continue;
    }
    if (!d.disabled && d.port !== 0) byPort.set(portKey, d);
  }
  return [...byId.values()];
}

function where(d: InetdServiceDefinition): string {
  return `${d.origin.file}${d.origin.line ? `:${d.origin.line}` : ''}`;
}
