/**
 * hearthd's own stdout and stderr. A reader that goes away (`hearthd | tee`,
 * then Ctrl-C kills tee first) must never take the daemon down: the next
 * write would fail with EPIPE, and an unhandled stream error ends a Node
 * process, mid-shutdown, with services left running. Once a stream has
 * failed, hearthd stops writing to it; its story still goes to the journal
 * in the log dir.
 */
export interface DaemonOutput {
  out(text: string): void;
  err(text: string): void;
}

function guarded(stream: NodeJS.WriteStream): (text: string) => void {
  let usable = true;
  stream.on('error', () => {
    usable = false;
  });
  return (text) => {
    if (usable && !stream.destroyed && stream.writable) stream.write(text);
  };
}

export function daemonOutput(stdout: NodeJS.WriteStream = process.stdout, stderr: NodeJS.WriteStream = process.stderr): DaemonOutput {
  return { out: guarded(stdout), err: guarded(stderr) };
}
