/**
 * Carries out a parsed chkconfig action against an enablement backend and
 * the xinetd service list, returning what chkconfig would print and its exit
 * status. Nothing here prints or exits; the CLI writes the strings out.
 */
import type { ChkconfigAction, ChkconfigType } from './chkconfig-args.js';
import { chkconfigUsage } from './chkconfig-args.js';
import { chkconfigMessages, formatChkconfigLine, formatChkconfigXinetdLine, formatXinetdSection } from './chkconfig-format.js';
import type { Enablement, EnablementUnit } from './enablement.js';

export interface ChkconfigService {
  unit: EnablementUnit;
  /** False for a script chkconfig would refuse (no headers), if the caller wants classic strictness. */
  supportsChkconfig?: boolean;
  /** On in the boot level S: listed with an extra `S:on` column. */
  boot?: boolean;
}

export interface ChkconfigXinetdService {
  name: string;
  on: boolean;
  /** From the file's `# default:` comment; `reset` goes back to it. */
  defaultOn?: boolean;
}

export interface ChkconfigContext {
  /** Native services and SysV scripts alike. */
  services: readonly ChkconfigService[];
  xinetd: readonly ChkconfigXinetdService[];
  /** Whether the super-server is enabled (in any level): the xinetd section is shown only then. */
  xinetdEnabled: boolean;
  currentRunlevel: number | null;
  enablement: Enablement;
  /** Rewrites the service's `disable` line and reloads the super-server. */
  setXinetd(name: string, on: boolean): Promise<void>;
  /** The override (`chkconfig.d/NAME`) of a service, if one exists. */
  overrideFor?(name: string): EnablementUnit | undefined;
  progname?: string;
  version?: string;
}

export interface ChkconfigResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

const wantsSysv = (t: ChkconfigType) => t !== 'xinetd';
const wantsXinetd = (t: ChkconfigType) => t !== 'sysv';

export async function runChkconfig(action: ChkconfigAction, ctx: ChkconfigContext): Promise<ChkconfigResult> {
  let stdout = '';
  let stderr = '';
  const done = (exitCode: number): ChkconfigResult => ({ stdout, stderr, exitCode });
  const findService = (name: string, type: ChkconfigType) =>
    wantsSysv(type) ? ctx.services.find((s) => s.unit.name === name) : undefined;
  const findXinetd = (name: string, type: ChkconfigType) =>
    wantsXinetd(type) ? ctx.xinetd.find((s) => s.name === name) : undefined;

  switch (action.kind) {
    case 'version':
      stdout = `${ctx.progname ?? 'chkconfig'} version ${ctx.version ?? '1.0'}\n`;
      return done(0);
    case 'help':
      stderr = chkconfigUsage(ctx.progname, ctx.version);
      return done(1);

    case 'list': {
      if (action.name !== undefined) {
        const s = findService(action.name, action.type);
        if (s) {
          if (s.supportsChkconfig === false) {
            stderr = chkconfigMessages.noSupport(action.name);
            return done(1);
          }
          const levels = ctx.enablement.get(s.unit);
          if (!levels) {
            stderr = chkconfigMessages.notReferenced(action.name);
            return done(1);
          }
          stdout = formatChkconfigLine(action.name, levels, s.boot === true);
          return done(0);
        }
        const x = findXinetd(action.name, action.type);
        if (x) {
          stdout = formatChkconfigXinetdLine(x.name, x.on);
          return done(0);
        }
        stderr = chkconfigMessages.unknown(action.name);
        return done(1);
      }
      if (wantsSysv(action.type)) {
        const sorted = [...ctx.services].sort((a, b) => (a.unit.name < b.unit.name ? -1 : a.unit.name > b.unit.name ? 1 : 0));
        for (const s of sorted) {
          if (s.supportsChkconfig === false) continue;
          const levels = ctx.enablement.get(s.unit);
          if (levels) stdout += formatChkconfigLine(s.unit.name, levels, s.boot === true);
        }
      }
      if (wantsXinetd(action.type) && ctx.xinetdEnabled) stdout += formatXinetdSection(ctx.xinetd);
      return done(0);
    }

    case 'add':
    case 'del':
    case 'override': {
      const s = findService(action.name, action.type);
      if (!s) {
        if (findXinetd(action.name, action.type)) return done(0);
        if (action.kind === 'override') return done(0);
        stderr = chkconfigMessages.unknown(action.name);
        return done(1);
      }
      if (s.supportsChkconfig === false) {
        if (action.kind === 'override') return done(0);
        stderr = chkconfigMessages.noSupport(action.name);
        return done(1);
      }
      if (action.kind === 'add') ctx.enablement.add(s.unit);
      else if (action.kind === 'del') ctx.enablement.del(s.unit);
      else {
        const o = ctx.overrideFor?.(action.name);
        if (o) ctx.enablement.override(s.unit, o);
      }
      return done(0);
    }

    case 'query': {
      const s = findService(action.name, action.type);
      if (s) {
        if (s.supportsChkconfig === false) return done(1);
        const level = action.level ?? ctx.currentRunlevel;
        if (level === null) return done(1);
        return done(ctx.enablement.get(s.unit)?.[level] ? 0 : 1);
      }
      const x = findXinetd(action.name, action.type);
      if (x) return done(ctx.xinetdEnabled && x.on ? 0 : 1);
      return done(1);
    }

    case 'set': {
      const s = findService(action.name, action.type);
      if (s) {
        if (s.supportsChkconfig === false) {
          stderr = chkconfigMessages.noSupport(action.name);
          return done(1);
        }
        if (action.state === 'on' || action.state === 'off') ctx.enablement.set(s.unit, action.levels, action.state === 'on');
        else if (action.state === 'reset') ctx.enablement.reset(s.unit, action.levels);
        else ctx.enablement.resetPriorities(s.unit, action.levels);
        return done(0);
      }
      const x = findXinetd(action.name, action.type);
      if (x) {
        if (action.state === 'resetpriorities') return done(0);
        const on = action.state === 'reset' ? (x.defaultOn ?? x.on) : action.state === 'on';
        try {
          await ctx.setXinetd(x.name, on);
        } catch (e) {
          stderr = `${e instanceof Error ? e.message : String(e)}\n`;
          return done(1);
        }
        return done(0);
      }
      stderr = chkconfigMessages.unknown(action.name);
      return done(1);
    }
  }
}
