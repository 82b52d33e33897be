#!/usr/bin/env node
// `npm start`: hearthd in the foreground on the embedded demo config, as the
// current user, with state, logs and the control socket under .demo/ (git-ignored).
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const work = process.env.HEARTH_DEMO_DIR ?? join(root, '.demo');
const dirs = { state: join(work, 'state'), run: join(work, 'run'), log: join(work, 'log') };
for (const d of Object.values(dirs)) mkdirSync(d, { recursive: true });

const args = [
  join(root, 'bin', 'hearthd'),
  '--config-dir', join(root, 'demo'),
  '--state-dir', dirs.state,
  '--runtime-dir', dirs.run,
  '--log-dir', dirs.log,
  ...process.argv.slice(2),
];
const child = spawn(args[0], args.slice(1), { stdio: 'inherit' });
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
