import { spawn, type ChildProcess } from 'node:child_process';
import { HearthError } from '../errors/index.js';
import { findTool } from '../process/index.js';

// Why this exists: Node can neither listen(2) without accepting nor wait for readability without reading.
/**
 * Node cannot wait for a socket to become readable without reading from it,
 * and cannot call listen(2) without starting to accept. Both jobs go to a
 * tiny perl script (below; plain perl-base: Debian's essential perl) that
 * gets the sockets at fds 3..: "listen" makes them listening sockets and exits;
 * "wait" / "listen-wait" blocks in select(2) and exits printing which became
 * readable, leaving the pending connection or datagram for the real server.
 */
const SCRIPT = String.raw`use strict;
my ($mode, $backlog, $count) = @ARGV;
my @h;
for my $i (0 .. $count - 1) {
  my $fd = 3 + $i;
  open(my $s, '+<&=', $fd) or die "cannot open fd $fd: $!\n";
  if ($mode eq 'listen' || $mode eq 'listen-wait') { listen($s, $backlog) or die "listen on fd $fd: $!\n"; }
  push @h, $s;
}
exit 0 if $mode eq 'listen';
my $bits = '';
vec($bits, 3 + $_, 1) = 1 for 0 .. $count - 1;
while (1) {
  my $n = select(my $r = $bits, undef, undef, undef);
  if ($n > 0) { print join(' ', grep { vec($r, 3 + $_, 1) } 0 .. $count - 1), "\n"; exit 0; }
  die "select: $!\n" unless $!{EINTR};
}
`;

function perl(): string {
  const p = findTool('perl');
  if (!p) throw new HearthError('ERR_SPAWN', 'handing sockets to services needs "perl" (package perl-base), which is not installed');
  return p;
}

/** listen(2) on each fd (TCP and unix stream sockets), then return. */
export function listenFds(fds: number[], backlog = 128): Promise<void> {
  return new Promise((resolve, reject) => {
    const c = spawn(perl(), ['-e', SCRIPT, 'listen', String(backlog), String(fds.length)], { stdio: ['ignore', 'ignore', 'pipe', ...fds] });
    let err = '';
    c.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    c.on('error', reject);
    // 'close', not 'exit': the exit can come before the helper's stderr (its reason) is read.
    c.on('close', (code) => (code === 0 ? resolve() : reject(new HearthError('ERR_SPAWN', `cannot listen: ${err.trim() || `helper exit ${code}`}`))));
  });
}

export interface FdWait {
  child: ChildProcess;
  /** Resolves with the indexes of the readable fds; rejects if the helper fails or is cancelled. */
  ready: Promise<number[]>;
  /** Stops waiting; resolves once the helper has exited, so its copies of the sockets are closed. */
  cancel(): Promise<void>;
}

/** Waits until one of the fds is readable (a connection or a datagram is pending). */
export function waitReadable(fds: number[], listenFirst = false, backlog = 128): FdWait {
  const child = spawn(perl(), ['-e', SCRIPT, listenFirst ? 'listen-wait' : 'wait', String(backlog), String(fds.length)], {
    stdio: ['ignore', 'pipe', 'pipe', ...fds],
  });
  let cancelled = false;
  // 'close' comes after the exit (the kernel has closed the child's fds by then); 'error' when it never ran.
  const gone = new Promise<void>((resolve) => {
    child.once('close', () => resolve());
    child.once('error', () => resolve());
  });
  const ready = new Promise<number[]>((resolve, reject) => {
    let out = '';
    let err = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    // 'close', not 'exit': the exit can come before all of the helper's output (the fds) is read.
    child.on('close', (code) => {
      if (code === 0 && !cancelled) resolve(out.trim().split(/\s+/).filter(Boolean).map(Number));
      else reject(new HearthError('ERR_SPAWN', cancelled ? 'wait cancelled' : `socket wait failed: ${err.trim() || `helper exit ${code}`}`));
    });
  });
  ready.catch(() => undefined);
  return {
    child,
    ready,
    cancel: () => {
      cancelled = true;
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      return gone;
    },
  };
}
