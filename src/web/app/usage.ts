import { useEffect, useRef, useState } from 'preact/hooks';
import { call, type ServiceStatus } from './api.js';
import type { Usage } from './ServiceRow.js';

const USAGE_POINTS = 30;

/**
 * CPU and memory of the named services (the first rows on screen), every 5 s:
 * the sparklines' data. A service with no process adds null, shown as "–",
 * never a made-up 0.
 */
export function useUsage(names: string[], onDetails: (details: ServiceStatus[]) => void): Record<string, Usage> {
  const [usage, setUsage] = useState<Record<string, Usage>>({});
  const key = names.join('\n');
  const latest = useRef(onDetails);
  latest.current = onDetails;
  useEffect(() => {
    const list = key ? key.split('\n') : [];
    const sample = async () => {
      const details = await inTurn(list, (n) => call<ServiceStatus>('GET', `/api/v1/services/${encodeURIComponent(n)}`).catch(() => null));
      latest.current(details.filter((d): d is ServiceStatus => d !== null));
      setUsage((old) => {
        const next = { ...old };
        for (const d of details) {
          if (!d) continue;
          const u = next[d.name] ?? { cpu: [], mem: [] };
          const alive = d.pid !== null || (d.memoryBytes ?? 0) > 0;
          next[d.name] = {
            cpu: [...u.cpu, alive ? (d.cpuSeconds ?? null) : null].slice(-USAGE_POINTS),
            mem: [...u.mem, alive ? (d.memoryBytes ?? null) : null].slice(-USAGE_POINTS),
          };
        }
        return next;
      });
    };
    // The first sample waits a moment: the list's first render comes first.
    const first = setTimeout(sample, 1000);
    const timer = setInterval(sample, 5000);
    return () => {
      clearTimeout(first);
      clearInterval(timer);
    };
  }, [key]);
  return usage;
}

/**
 * A few requests at a time: a browser opens at most six connections to a
 * host, and the event and log streams hold two of them; forty sample requests
 * at once would make a click's request wait behind them.
 */
async function inTurn<T, R>(items: T[], each: (item: T) => Promise<R>, lanes = 3): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await each(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(lanes, items.length) }, lane));
  return out;
}
