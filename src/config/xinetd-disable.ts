/**
 * chkconfig's on/off for xinetd services: rewrite the `disable` attribute of
 * the file in xinetd.d. Unlike chkconfig (which drops blank lines and every
 * old `disable` line) this keeps the file exactly as it was apart from the
 * value, and adds `\tdisable\t= yes|no` after the `{` of a block lacking one.
 */

const SERVICE_OPEN = /^\s*service\s+\S+.*\{\s*(#.*)?$/;
const DISABLE = /^(\s*disable\s*)(\+?-?=)(\s*)([^#\n]*?)(\s*(#.*)?)$/;

export function setXinetdDisable(text: string, on: boolean): string {
  const value = on ? 'no' : 'yes';
  const lines = text.split('\n');
  const out: string[] = [];
  let inBlock = false;
  let pendingService = false;
  let sawDisable = false;
  let openIndex = -1;

  const closeBlock = () => {
    if (!sawDisable && openIndex >= 0) out.splice(openIndex + 1, 0, `\tdisable\t= ${value}`);
    inBlock = false;
    sawDisable = false;
    openIndex = -1;
  };

  for (const line of lines) {
    const t = line.trim();
    if (!inBlock) {
      out.push(line);
      if (t.startsWith('#')) continue;
      if (SERVICE_OPEN.test(line)) {
        inBlock = true;
        openIndex = out.length - 1;
      } else if (/^service\s+\S+/.test(t)) pendingService = true;
      else if (pendingService && t.startsWith('{')) {
        pendingService = false;
        inBlock = true;
        openIndex = out.length - 1;
      } else if (t !== '') pendingService = false;
      continue;
    }
    if (t.startsWith('}')) {
      closeBlock();
      out.push(line);
      continue;
    }
    const m = t.startsWith('#') ? null : DISABLE.exec(line);
    if (m) {
      sawDisable = true;
      out.push(`${m[1]}=${m[3] || ' '}${value}${m[5] ?? ''}`);
      continue;
    }
    out.push(line);
  }
  if (inBlock) closeBlock();
  return out.join('\n');
}

/** Whether the file's service(s) are on: no `disable = yes` (xinetd's own default is enabled). */
export function isXinetdEnabled(text: string): boolean {
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (t.startsWith('#')) continue;
    const m = DISABLE.exec(line);
    if (m && m[4]!.trim().toLowerCase() === 'yes') return false;
  }
  return true;
}

/** The `# default: on|off` comment Red Hat's xinetd files carry: what `reset` goes back to. */
export function xinetdDefaultOn(text: string): boolean | undefined {
  const m = /^#\s*default:\s*(on|off)\b/m.exec(text);
  return m ? m[1] === 'on' : undefined;
}
