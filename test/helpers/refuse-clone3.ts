/**
 * A native helper as it runs in a container whose seccomp profile refuses
 * clone3 (EPERM, Docker before 20.10.10): test/fixtures/native/refuse-clone3.c,
 * compiled into `dir`, wraps the helper in a script that installs the filter
 * and execs it. undefined where there is no C compiler (the helpers then are
 * not built either).
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SOURCE = fileURLToPath(new URL('../fixtures/native/refuse-clone3.c', import.meta.url));

export function withClone3Refused(helper: string, dir: string): string | undefined {
  const filter = join(dir, 'refuse-clone3');
  const cc = spawnSync(process.env.CC || 'cc', ['-O2', '-o', filter, SOURCE], { stdio: 'ignore' });
  if (cc.status !== 0) return undefined;
  const wrapper = join(dir, `${helper.split('/').pop()}-without-clone3`);
  writeFileSync(wrapper, `#!/bin/sh\nexec '${filter}' '${helper}' "$@"\n`, { mode: 0o755 });
  return wrapper;
}
