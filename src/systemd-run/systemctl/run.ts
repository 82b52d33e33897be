/**
 * `hearth systemctl …` (and hearth reached as `systemctl`), evaluated in
 * hearthd where the units and their files are, with systemctl's output and
 * exit codes: 0 success; status 3 for a unit that is not active and 4 for
 * one that does not exist; is-active 3 when none is active; a failed job 1;
 * an unknown unit in a job 5. It acts on units of every kind (an init script
 * answers to "cron" and "cron.service"); enable, disable, mask and unmask
 * rewrite systemd units' links. Per-user managers are refused.
 */
import { readFileSync } from 'node:fs';
import { STATE_CLASS } from '../../model/index.js';
import { runlevelOfDefaultTarget, runlevelsOfTarget } from '../../systemd/index.js';
import type { LinkChange } from '../unit-files.js';
import { parseSystemctlArgs, type SystemctlOptions } from './args.js';
import type { SystemctlHost, UnitDetailView } from './host.js';
import { statusBlock, timestamp } from './render.js';
import { showProperties } from './show.js';
import { listSockets, listTimers, listUnitFiles, listUnits, states, systemdFacts, type Out } from './lists.js';

export interface SystemctlResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

const JOB_VERBS = ['start', 'stop', 'restart', 'reload', 'try-restart', 'condrestart', 'reload-or-restart', 'force-reload', 'try-reload-or-restart'];
const UNIT_TYPES = ['service', 'socket', 'timer', 'target', 'mount', 'path', 'device', 'swap', 'slice', 'scope', 'automount'];

function suffixed(name: string): string {
  return UNIT_TYPES.some((t) => name.endsWith(`.${t}`)) ? name : `${name}.service`;
}

export async function runSystemctl(argv: readonly string[], host: SystemctlHost): Promise<SystemctlResult> {
  const parsed = parseSystemctlArgs(argv);
  const o: Out = { out: [], err: [], code: 0 };
  if (!parsed.ok) return { stdout: '', stderr: `${parsed.message}\n`, exitCode: parsed.exitCode };
  const { verb, args, options } = parsed;
  if (options.user) return { stdout: '', stderr: 'hearth does not run per-user service managers: "systemctl --user" is not supported.\n', exitCode: 1 };
  try {
    await dispatch(verb, args, options, host, o);
  } catch (e) {
    o.err.push((e as Error).message);
    o.code = o.code || 1;
  }
  const text = (lines: string[]) => (lines.length ? `${lines.join('\n')}\n` : '');
  return { stdout: text(o.out), stderr: text(o.err), exitCode: o.code };
}

async function dispatch(verb: string, args: string[], options: SystemctlOptions, host: SystemctlHost, o: Out): Promise<void> {
  if (JOB_VERBS.includes(verb)) return jobs(verb, args, host, o);
  switch (verb) {
    case 'status':
      return status(args, options, host, o);
    case 'is-active':
    case 'is-failed':
      return isState(verb, args, options, host, o);
    case 'is-enabled':
      return isEnabled(args, options, host, o);
    case 'enable':
    case 'disable':
    case 'reenable':
    case 'mask':
    case 'unmask':
      return unitFileChange(verb, args, options, host, o);
    case 'list-units':
      return listUnits(args, options, host, o);
    case 'list-unit-files':
      return listUnitFiles(args, options, host, o);
    case 'list-timers':
      return listTimers(options, host, o);
    case 'list-sockets':
      return listSockets(options, host, o);
    case 'cat':
      return cat(args, host, o);
    case 'show':
      return show(args, options, host, o);
    case 'daemon-reload':
    case 'daemon-reexec':
      return host.reloadConfig();
    case 'reset-failed':
      return resetFailed(args, host);
    case 'kill':
      return kill(args, options, host, o);
    case 'isolate':
      return isolate(args, host, o);
    case 'get-default':
      o.out.push(defaultTarget(host));
      return;
    default:
      o.err.push(`Unknown command verb ${verb}.`);
      o.code = 1;
  }
}

function need(args: string[], verb: string, o: Out): boolean {
  if (args.length > 0) return true;
  o.err.push(`Too few arguments.`);
  o.code = 1;
  void verb;
  return false;
}

function resolve(host: SystemctlHost, arg: string): string | undefined {
  return host.resolve(arg) ?? host.resolve(suffixed(arg));
}

async function jobs(verb: string, args: string[], host: SystemctlHost, o: Out): Promise<void> {
  if (!need(args, verb, o)) return;
  const label = verb === 'condrestart' ? 'try-restart' : verb;
  for (const arg of args) {
    const name = resolve(host, arg);
    if (name === undefined) {
      o.err.push(`Failed to ${label} ${suffixed(arg)}: Unit ${suffixed(arg)} ${verb === 'stop' ? 'not loaded' : 'not found'}.`);
      o.code = 5;
      continue;
    }
    const unit = host.systemdUnit(name);
    if ((verb === 'start' && unit?.unit.refuseManualStart) || (verb === 'stop' && unit?.unit.refuseManualStop)) {
      o.err.push(`Failed to ${verb} ${name}: Operation refused, unit ${name} may be requested by dependency only (it is configured to refuse manual start/stop).`);
      o.code = 1;
      continue;
    }
    const d = await host.detail(name, 0);
    const active = d !== undefined && STATE_CLASS[d.state] === 'active';
    let action: 'start' | 'stop' | 'restart' | 'reload' | undefined;
    if (verb === 'try-restart' || verb === 'condrestart') action = active ? 'restart' : undefined;
    else if (verb === 'reload-or-restart' || verb === 'try-reload-or-restart') action = !active ? (verb === 'try-reload-or-restart' ? undefined : 'start') : canReload(unit, d) ? 'reload' : 'restart';
    else if (verb === 'force-reload') action = canReload(unit, d) ? 'reload' : 'restart';
    else action = verb as 'start' | 'stop' | 'restart' | 'reload';
    if (!action) continue;
    try {
      await host.act(name, action);
    } catch (e) {
      const m = (e as Error).message;
      if (/not applicable|cannot be reloaded/i.test(m)) o.err.push(`Failed to ${label} ${name}: ${m}`);
      else if (/masked/.test(m)) o.err.push(`Failed to ${label} ${name}: Unit ${name} is masked.`);
      else o.err.push(`Job for ${name} failed because the control process exited with error code.`, `See "systemctl status ${name}" and "journalctl -xeu ${name}" for details.`);
      o.code = 1;
    }
  }
}

function canReload(unit: ReturnType<SystemctlHost['systemdUnit']>, d: UnitDetailView | undefined): boolean {
  if (!unit) return d?.kind !== 'timer';
  return unit.type === 'service' && (unit.service!.execReload.length > 0 || (unit.service!.type !== 'oneshot' && d?.pid !== null));
}

async function status(args: string[], options: SystemctlOptions, host: SystemctlHost, o: Out): Promise<void> {
  const now = Date.now();
  if (args.length === 0) {
    const failed = host.list().filter((s) => STATE_CLASS[s.state] === 'failed').length;
    o.out.push(`● ${host.hostname}`, `    State: ${failed > 0 ? 'degraded' : 'running'}`, '    Units: hearthd', `   Failed: ${failed} units`);
    return;
  }
  let code = 0;
  const blocks: string[][] = [];
  for (const arg of args) {
    const name = resolve(host, arg);
    const d = name !== undefined ? await host.detail(name, options.lines) : undefined;
    if (!d) {
      o.err.push(`Unit ${suffixed(arg)} could not be found.`);
      code = 4;
      continue;
    }
    const sd = systemdFacts(d);
    const st = states(d);
    const unit = host.systemdUnit(d.name);
    blocks.push(
      statusBlock(
        {
          status: d,
          id: d.name,
          description: d.description,
          loadState: st.load,
          activeState: st.active,
          subState: st.sub,
          fragmentPath: (sd['fragmentPath'] as string | null | undefined) ?? (d.kind === 'systemd' ? null : d.source),
          unitFileState: (sd['unitFileState'] as string | undefined) ?? (host.isEnabled(d.name) ? 'enabled' : 'disabled'),
          dropIns: (sd['dropIns'] as string[] | undefined) ?? [],
          docs: unit?.unit.documentation ?? [],
          ...(sd['triggers'] !== undefined ? { triggers: sd['triggers'] as string } : {}),
          ...(sd['listen'] !== undefined ? { listen: sd['listen'] as string[] } : {}),
          notEnforced: (sd['notEnforced'] as string[] | undefined) ?? [],
          approximated: (sd['approximated'] as string[] | undefined) ?? [],
          logs: d.recentLogs,
          hostname: host.hostname,
        },
        now,
      ),
    );
    if (code === 0 && st.active !== 'active' && st.active !== 'reloading') code = 3;
  }
  blocks.forEach((b, i) => {
    if (i > 0) o.out.push('');
    o.out.push(...b);
  });
  o.code = code;
}

async function isState(verb: string, args: string[], options: SystemctlOptions, host: SystemctlHost, o: Out): Promise<void> {
  if (!need(args, verb, o)) return;
  let hit = false;
  for (const arg of args) {
    const name = resolve(host, arg);
    const d = name !== undefined ? await host.detail(name, 0) : undefined;
    const active = d ? states(d).active : 'inactive';
    if (!options.quiet) o.out.push(active);
    if ((verb === 'is-active' && active === 'active') || (verb === 'is-failed' && active === 'failed')) hit = true;
  }
  o.code = hit ? 0 : verb === 'is-active' ? 3 : 1;
}

const ENABLED_STATES = ['enabled', 'enabled-runtime', 'static', 'indirect', 'alias', 'generated', 'transient'];

async function isEnabled(args: string[], options: SystemctlOptions, host: SystemctlHost, o: Out): Promise<void> {
  if (!need(args, 'is-enabled', o)) return;
  let hit = false;
  let code = 1;
  for (const arg of args) {
    const name = resolve(host, arg);
    const unit = name !== undefined ? host.systemdUnit(name) : host.files.state(suffixed(arg)) !== 'not-found' ? undefined : undefined;
    let state: string;
    if (unit || (name === undefined && host.files.state(suffixed(arg)) !== 'not-found')) state = host.files.state(unit?.name ?? suffixed(arg));
    else if (name !== undefined && host.isEnabled(name) !== undefined) state = host.isEnabled(name) ? 'enabled' : 'disabled';
    else {
      o.err.push(`Failed to get unit file state for ${suffixed(arg)}: No such file or directory`);
      continue;
    }
    if (!options.quiet) o.out.push(state);
    if (ENABLED_STATES.includes(state)) hit = true;
  }
  if (hit) code = 0;
  o.code = code;
}

async function unitFileChange(verb: string, args: string[], options: SystemctlOptions, host: SystemctlHost, o: Out): Promise<void> {
  if (!need(args, verb, o)) return;
  const systemd: string[] = [];
  for (const arg of args) {
    const name = resolve(host, arg);
    const unit = name !== undefined ? host.systemdUnit(name) : undefined;
    if (unit || (name === undefined && host.files.state(suffixed(arg)) !== 'not-found') || verb === 'mask' || verb === 'unmask') {
      systemd.push(unit?.name ?? suffixed(arg));
      continue;
    }
    if (name === undefined) {
      o.err.push(`Failed to ${verb} unit: Unit file ${suffixed(arg)} does not exist.`);
      o.code = 1;
      return;
    }
    // An init script or native service: its runlevels, as Debian's systemctl hands them to update-rc.d.
    await host.setEnabled(name, verb !== 'disable');
  }
  const report = (c: LinkChange) => {
    o.err.push(...c.lines, ...c.warnings);
    if (!c.ok) {
      o.err.push(...c.errors);
      o.code = 1;
    }
    return c.ok;
  };
  if (systemd.length > 0) {
    const ok =
      verb === 'enable' ? report(host.files.enable(systemd))
      : verb === 'disable' ? report(host.files.disable(systemd))
      : verb === 'reenable' ? report(host.files.disable(systemd)) && report(host.files.enable(systemd))
      : verb === 'mask' ? report(host.files.mask(systemd))
      : report(host.files.unmask(systemd));
    if (!ok) return;
    await host.reloadConfig();
  }
  if (options.now && (verb === 'enable' || verb === 'disable' || verb === 'mask')) {
    await jobs(verb === 'enable' ? 'start' : 'stop', args, host, o);
  }
}

function cat(args: string[], host: SystemctlHost, o: Out): void {
  if (!need(args, 'cat', o)) return;
  args.forEach((arg, i) => {
    const name = resolve(host, arg);
    const unit = name !== undefined ? host.systemdUnit(name) : undefined;
    if (!unit?.fragmentPath || unit.loadState === 'masked') {
      o.err.push(unit?.loadState === 'masked' ? `Unit ${unit.name} is masked.` : `No files found for ${suffixed(arg)}.`);
      o.code = 1;
      return;
    }
    if (i > 0) o.out.push('');
    for (const [k, file] of [unit.fragmentPath, ...unit.dropIns].entries()) {
      if (k > 0) o.out.push('');
      o.out.push(`# ${file}`);
      o.out.push(readFileSync(file, 'utf8').replace(/\n$/, ''));
    }
  });
}

async function show(args: string[], options: SystemctlOptions, host: SystemctlHost, o: Out): Promise<void> {
  const names = args.length ? args : [];
  if (names.length === 0) {
    o.out.push(...showProperties({ Version: 'hearth', DefaultTarget: defaultTarget(host) }, options));
    return;
  }
  for (const [i, arg] of names.entries()) {
    const name = resolve(host, arg);
    const d = name !== undefined ? await host.detail(name, 0) : undefined;
    if (i > 0 && !options.value) o.out.push('');
    o.out.push(...showProperties(unitProperties(arg, d, host), options));
  }
}

function unitProperties(arg: string, d: UnitDetailView | undefined, host: SystemctlHost): Record<string, string> {
  if (!d) return { Id: suffixed(arg), Names: suffixed(arg), LoadState: 'not-found', ActiveState: 'inactive', SubState: 'dead', UnitFileState: '' };
  const st = states(d);
  const sd = systemdFacts(d);
  const u = host.systemdUnit(d.name);
  const svc = u?.service;
  const ts = (ms: number | null | undefined) => (ms ? timestamp(ms) : '');
  return {
    Id: d.name,
    Names: ((sd['names'] as string[] | undefined) ?? [d.name]).join(' '),
    Description: d.description,
    LoadState: st.load,
    ActiveState: st.active,
    SubState: st.sub,
    UnitFileState: (sd['unitFileState'] as string | undefined) ?? (host.isEnabled(d.name) ? 'enabled' : 'disabled'),
    FragmentPath: (sd['fragmentPath'] as string | null | undefined) ?? '',
    DropInPaths: ((sd['dropIns'] as string[] | undefined) ?? []).join(' '),
    MainPID: String(d.pid ?? 0),
    ExecMainStartTimestamp: ts(d.startedAt),
    ActiveEnterTimestamp: ts(d.readyAt),
    NRestarts: String(d.restarts),
    Result: STATE_CLASS[d.state] === 'failed' ? 'exit-code' : 'success',
    ExecMainStatus: String(d.lastExit?.code ?? 0),
    ...(svc
      ? {
          Type: svc.type,
          Restart: svc.restart,
          RemainAfterExit: svc.remainAfterExit ? 'yes' : 'no',
          PIDFile: svc.pidFile ?? '',
          User: svc.exec.user ?? '',
          Group: svc.exec.group ?? '',
          KillMode: svc.kill.killMode,
          TimeoutStartUSec: Number.isFinite(svc.timeoutStartUsec) ? `${svc.timeoutStartUsec / 1e6}s` : 'infinity',
          TimeoutStopUSec: Number.isFinite(svc.timeoutStopUsec) ? `${svc.timeoutStopUsec / 1e6}s` : 'infinity',
        }
      : {}),
    ...(u
      ? {
          Requires: u.unit.requires.join(' '),
          Wants: u.unit.wants.join(' '),
          BindsTo: u.unit.bindsTo.join(' '),
          PartOf: u.unit.partOf.join(' '),
          Conflicts: u.unit.conflicts.join(' '),
          Before: u.unit.before.join(' '),
          After: u.unit.after.join(' '),
          WantedBy: u.install.wantedBy.join(' '),
          Triggers: String(sd['triggers'] ?? ''),
          CanStart: u.unit.refuseManualStart ? 'no' : 'yes',
          CanStop: u.unit.refuseManualStop ? 'no' : 'yes',
          CanIsolate: u.unit.allowIsolate ? 'yes' : 'no',
        }
      : {}),
  };
}

async function resetFailed(args: string[], host: SystemctlHost): Promise<void> {
  const failed = host.list().filter((s) => STATE_CLASS[s.state] === 'failed' && s.state !== 'broken');
  const names = args.length ? args.map((a) => resolve(host, a)).filter((n): n is string => n !== undefined) : failed.map((s) => s.name);
  for (const n of names) if (failed.some((f) => f.name === n)) await host.act(n, 'stop');
}

function kill(args: string[], options: SystemctlOptions, host: SystemctlHost, o: Out): void {
  if (!need(args, 'kill', o)) return;
  for (const arg of args) {
    const name = resolve(host, arg);
    if (name === undefined) {
      o.err.push(`Failed to kill unit ${suffixed(arg)}: Unit ${suffixed(arg)} not loaded.`);
      o.code = 1;
      continue;
    }
    const signal = (/^\d+$/.test(options.signal) ? Number(options.signal) : options.signal) as NodeJS.Signals;
    if (host.kill(name, signal, options.killWhom) === 0 && options.killWhom !== 'all') {
      o.err.push(`Failed to kill unit ${name}: No ${options.killWhom} process to kill`);
      o.code = 1;
    }
  }
}

function defaultTarget(host: SystemctlHost): string {
  return host.systemdUnit('default.target')?.name ?? 'multi-user.target';
}

async function isolate(args: string[], host: SystemctlHost, o: Out): Promise<void> {
  if (!need(args, 'isolate', o)) return;
  const arg = args[0]!;
  const target = arg.includes('.') ? arg : `${arg}.target`;
  const real = host.systemdUnit(target)?.name ?? target;
  const level = real === 'default.target' ? runlevelOfDefaultTarget(defaultTarget(host)) : (runlevelsOfTarget(real).includes(3) ? 3 : runlevelsOfTarget(real)[0]);
  if (level === undefined || level === null) {
    o.err.push(`Failed to start ${target}: hearth isolates only the runlevel targets (poweroff, rescue, multi-user, graphical, reboot and runlevelN.target).`);
    o.code = 1;
    return;
  }
  await host.switchRunlevel(level);
}
