/**
 * Desired state in etcd: bundles, their versions, apply / remove / rollback.
 * Every change of a bundle is ONE transaction that writes the bundle, records
 * the version in its history and trims old history, guarded by the bundle's
 * mod revision: a watcher never sees half a set, and two admins applying at
 * once cannot silently overwrite each other.
 */
import { userInfo, hostname } from 'node:os';
import { HearthError } from '../errors/index.js';
import { EtcdError, type EtcdClient, type KeyValue, type TxnCompare, type TxnOp } from './etcd-client.js';
import { BUNDLES, bundleKey, historyKey, historyPrefix } from './keys.js';
import { hashFiles, readBundleDir, type BundleFiles } from './bundle.js';
import { formatSelector, parseSelector } from './selector.js';
import { diffLines, type DiffLine } from './line-diff.js';

export interface BundleDoc {
  v: 1;
  name: string;
  /** Canonical selector: "role=web", "host=web1", "*". */
  selector: string;
  version: number;
  hash: string;
  files: BundleFiles;
  appliedAt: string;
  by: string;
  /** A history entry recording that the bundle was removed. */
  removed?: true;
  /** The version a rollback restored. */
  rolledBackFrom?: number;
}

/** The real config checker, injected by the caller: errors mean apply writes nothing. */
export type CheckFn = (dir: string) => Promise<readonly HearthError[]> | readonly HearthError[];

export type ApplyResult =
  | { ok: true; bundle: string; version: number; hash: string; revision: number; unchanged: boolean }
  | { ok: false; bundle: string; errors: HearthError[] };

export const DEFAULT_KEEP_HISTORY = 20;
/** etcd refuses requests over 1.5 MiB by default; an apply carries the bundle twice. */
const MAX_DOC_BYTES = 700 * 1024;
const BUNDLE_NAME = /^[A-Za-z0-9][A-Za-z0-9._=,-]{0,127}$|^\*$/;

/** "role=web" → "role=web"; "*" → "all": the bundle a selector gets unless the admin names one. */
export function defaultBundleName(selectorText: string): string {
  const s = formatSelector(parseSelector(selectorText));
  return s === '*' ? 'all' : s;
}

export function checkBundleName(name: string): string {
  if (!BUNDLE_NAME.test(name) || name === '*') {
    throw new HearthError('ERR_USAGE', `bundle name ${JSON.stringify(name)} must be letters, digits and . _ = , - (at most 128)`);
  }
  return name;
}

export function decodeBundle(kv: KeyValue): BundleDoc | undefined {
  try {
    const doc = JSON.parse(kv.value) as BundleDoc;
    return doc && doc.v === 1 && typeof doc.files === 'object' ? doc : undefined;
  } catch {
    return undefined;
  }
}

export async function listBundles(client: EtcdClient): Promise<{ bundles: BundleDoc[]; revision: number }> {
  const r = await client.range(BUNDLES, { prefix: true });
  return { bundles: r.kvs.map(decodeBundle).filter((b): b is BundleDoc => b !== undefined), revision: r.revision };
}

export async function bundleHistory(client: EtcdClient, name: string): Promise<BundleDoc[]> {
  const r = await client.range(historyPrefix(checkBundleName(name)), { prefix: true });
  return r.kvs.map(decodeBundle).filter((b): b is BundleDoc => b !== undefined);
}

export interface ApplyOptions {
  dir: string;
  selector: string;
  bundle?: string;
  check?: CheckFn;
  keepHistory?: number;
  by?: string;
}

/** Validates DIR (layout, then the injected checker) and writes it as the bundle's next version. */
export async function applyBundle(client: EtcdClient, options: ApplyOptions): Promise<ApplyResult> {
  const selector = formatSelector(parseSelector(options.selector));
  const name = checkBundleName(options.bundle ?? defaultBundleName(options.selector));
  const read = await readBundleDir(options.dir);
  const errors = [...read.errors];
  if (errors.length === 0 && options.check) errors.push(...(await options.check(options.dir)));
  if (errors.length > 0) return { ok: false, bundle: name, errors };
  return writeVersion(client, name, { selector, files: read.files }, options);
}

/** Restores an earlier version (default: the one before the current) as a new version. */
export async function rollbackBundle(client: EtcdClient, name: string, options: { to?: number; keepHistory?: number; by?: string } = {}): Promise<ApplyResult> {
  const history = await bundleHistory(client, name);
  if (history.length === 0) throw new HearthError('ERR_FLEET', `bundle "${name}" has no history to roll back to`);
  const latest = history[history.length - 1]!;
  const target = options.to !== undefined ? history.find((h) => h.version === options.to) : history.filter((h) => h.version < latest.version).pop();
  if (!target) {
    const known = history.map((h) => h.version).join(', ');
    throw new HearthError('ERR_FLEET', `bundle "${name}" has no version ${options.to ?? 'before ' + latest.version} to roll back to`, { hint: `kept versions: ${known}` });
  }
  if (target.removed) return removeBundle(client, name, options);
  return writeVersion(client, name, { selector: target.selector, files: target.files, rolledBackFrom: target.version }, options);
}

/** Takes a bundle away from every host; the removal is a version too, so it can be rolled back. */
export async function removeBundle(client: EtcdClient, name: string, options: { keepHistory?: number; by?: string } = {}): Promise<ApplyResult> {
  return writeVersion(client, checkBundleName(name), { selector: '', files: {}, removed: true }, options);
}

interface VersionContent {
  selector: string;
  files: BundleFiles;
  removed?: true;
  rolledBackFrom?: number;
}

async function writeVersion(client: EtcdClient, name: string, content: VersionContent, options: { keepHistory?: number; by?: string }): Promise<ApplyResult> {
  const key = bundleKey(name);
  const current = await client.get(key);
  const currentDoc = current ? decodeBundle(current) : undefined;
  const history = await client.range(historyPrefix(name), { prefix: true, keysOnly: true });
  const lastVersion = Math.max(currentDoc?.version ?? 0, ...history.kvs.map((kv) => Number(kv.key.slice(historyPrefix(name).length))));
  const hash = hashFiles(content.files);
  if (content.removed ? !current : currentDoc && currentDoc.hash === hash && currentDoc.selector === content.selector) {
    return { ok: true, bundle: name, version: currentDoc?.version ?? lastVersion, hash, revision: history.revision, unchanged: true };
  }
  const doc: BundleDoc = {
    v: 1,
    name,
    selector: content.selector,
    version: lastVersion + 1,
    hash,
    files: content.files,
    appliedAt: new Date().toISOString(),
    by: options.by ?? whoAmI(),
    ...(content.removed ? { removed: true as const } : {}),
    ...(content.rolledBackFrom !== undefined ? { rolledBackFrom: content.rolledBackFrom } : {}),
  };
  const value = JSON.stringify(doc);
  if (Buffer.byteLength(value) > MAX_DOC_BYTES) {
    return { ok: false, bundle: name, errors: [new HearthError('ERR_CONFIG_VALUE', `bundle "${name}" is ${Buffer.byteLength(value)} bytes stored; at most ${MAX_DOC_BYTES} fit in one etcd transaction`, { hint: 'split the dir into bundles with --bundle' })] };
  }
  const keep = Math.max(1, options.keepHistory ?? DEFAULT_KEEP_HISTORY);
  const guard: TxnCompare = current ? { key, target: 'MOD', value: current.modRevision } : { key, target: 'VERSION', value: 0 };
  const ops: TxnOp[] = [content.removed ? { delete: { key } } : { put: { key, value } }, { put: { key: historyKey(name, doc.version), value } }];
  if (doc.version > keep) ops.push({ delete: { key: historyKey(name, 0), rangeEnd: historyKey(name, doc.version - keep + 1) } });
  let result;
  try {
    result = await client.txn([guard], ops);
  } catch (e) {
    throw fleetError(`cannot write bundle "${name}"`, e);
  }
  if (!result.succeeded) {
    // A retried request may have gone through the first time: then the bundle already is what we wrote.
    const now = await client.get(key);
    const nowDoc = now ? decodeBundle(now) : undefined;
    if (content.removed ? !now : nowDoc?.hash === hash && nowDoc.version === doc.version) {
      return { ok: true, bundle: name, version: doc.version, hash, revision: now?.modRevision ?? result.revision, unchanged: false };
    }
    throw new HearthError('ERR_FLEET', `bundle "${name}" was changed by someone else while this apply ran; nothing was written`, { hint: 'look at "hearth fleet diff" and apply again' });
  }
  return { ok: true, bundle: name, version: doc.version, hash, revision: result.revision, unchanged: false };
}

export interface FileChange {
  path: string;
  change: 'added' | 'removed' | 'changed';
  lines: DiffLine[];
}

export interface BundleDiff {
  bundle: string;
  /** undefined when the bundle does not exist yet. */
  selectorBefore?: string;
  selectorAfter: string;
  files: FileChange[];
  errors: HearthError[];
}

/** What `apply` of DIR would change in the bundle, file by file. */
export async function diffBundle(client: EtcdClient, options: { dir: string; selector: string; bundle?: string }): Promise<BundleDiff> {
  const selectorAfter = formatSelector(parseSelector(options.selector));
  const name = checkBundleName(options.bundle ?? defaultBundleName(options.selector));
  const read = await readBundleDir(options.dir);
  const kv = await client.get(bundleKey(name));
  const before = kv ? decodeBundle(kv) : undefined;
  return { bundle: name, ...(before ? { selectorBefore: before.selector } : {}), selectorAfter, files: diffFiles(before?.files ?? {}, read.files), errors: read.errors };
}

export function diffFiles(before: BundleFiles, after: BundleFiles): FileChange[] {
  const paths = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  const out: FileChange[] = [];
  for (const path of paths) {
    const a = before[path];
    const b = after[path];
    if (a === b) continue;
    const change = a === undefined ? 'added' : b === undefined ? 'removed' : 'changed';
    out.push({ path, change, lines: diffLines(a ?? '', b ?? '') });
  }
  return out;
}

export function fleetError(what: string, e: unknown): HearthError {
  if (e instanceof HearthError) return e;
  const reason = e instanceof EtcdError ? e.message : String(e);
  const hint = e instanceof EtcdError && e.kind === 'permission' ? 'this etcd user may not write there: see "hearth fleet print-roles"' : undefined;
  return new HearthError('ERR_FLEET', `${what}: ${reason}`, { cause: e, ...(hint ? { hint } : {}) });
}

function whoAmI(): string {
  try {
    return `${userInfo().username}@${hostname()}`;
  } catch {
    return `uid ${process.getuid?.() ?? '?'}@${hostname()}`;
  }
}
