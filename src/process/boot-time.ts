import { readFileSync } from 'node:fs';

/** When this machine booted, from the kernel (btime in /proc/stat), in epoch ms. */
export function bootTime(): number {
  try {
    const m = /^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'));
    if (m) return Number(m[1]) * 1000;
  } catch {
    // no /proc: fall through
  }
  return Date.now() - Math.round(process.uptime() * 1000);
}
