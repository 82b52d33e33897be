import { HearthError } from '../errors/index.js';

/**
 * What the loader says about a unit. Messages for problems systemd also
 * detects use systemd's own wording (checked against `systemd-analyze
 * verify`), so a person who searches for the text finds systemd's docs.
 */
export type DiagnosticKind =
  /** Broken syntax: a line without "=", a bad section header, unbalanced quotes. */
  | 'syntax'
  /** A key systemd does not know ("Unknown key 'X' in section [Y], ignoring."). */
  | 'unknown-key'
  | 'unknown-section'
  /** A value systemd would ignore with a warning. */
  | 'bad-value'
  /** A setting systemd refuses at load time: the unit will not start. */
  | 'bad-unit'
  /** A setting hearth reads but does not enforce (sandboxing and the like). */
  | 'not-enforced'
  /** A setting hearth honours differently from systemd, in a documented way. */
  | 'approximated'
  /** Finding and reading unit files: unreadable files, bad symlinks. */
  | 'load';

export interface UnitDiagnostic {
  /** error: the unit cannot be started; warning: a setting is ignored; info: a fact worth showing. */
  severity: 'error' | 'warning' | 'info';
  kind: DiagnosticKind;
  message: string;
  /** The unit the problem belongs to, when known. */
  unit?: string;
  file?: string;
  line?: number;
  section?: string;
  key?: string;
}

/** systemd's compiler-style rendering: `file:line: message`, or `unit: message` without a file. */
export function formatDiagnostic(d: UnitDiagnostic): string {
  if (d.file) return `${d.file}${d.line ? `:${d.line}` : ''}: ${d.message}`;
  if (d.unit) return `${d.unit}: ${d.message}`;
  return d.message;
}

/** The same problem as a HearthError, for callers that report through the error catalogue. */
export function diagnosticToError(d: UnitDiagnostic): HearthError {
  const code = d.kind === 'unknown-key' ? 'ERR_CONFIG_UNKNOWN_KEY' : d.kind === 'syntax' ? 'ERR_CONFIG_SYNTAX' : d.kind === 'load' ? 'ERR_CONFIG_IO' : 'ERR_CONFIG_VALUE';
  return new HearthError(code, d.message, {
    ...(d.file ? { file: d.file } : {}),
    ...(d.line ? { line: d.line } : {}),
    ...(d.key ? { key: d.key } : {}),
  });
}
