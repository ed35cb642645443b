/** Latency summaries, GC and CPU readings, and a CPU profile digest for bench:recommend. */

import type { Session } from 'node:inspector/promises';
import { cpus, loadavg } from 'node:os';
import { PerformanceObserver } from 'node:perf_hooks';

export interface Summary {
  n: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** Nearest-rank percentiles from one sort (the samples are not modified). */
export function summarize(samples: ArrayLike<number>): Summary {
  const sorted = Float64Array.from(samples).sort();
  const n = sorted.length;
  if (n === 0) return { n, mean: Number.NaN, p50: Number.NaN, p90: Number.NaN, p99: Number.NaN, max: Number.NaN };
  const at = (p: number) => sorted[Math.min(n, Math.max(1, Math.ceil((p / 100) * n))) - 1]!;
  let sum = 0;
  for (const x of sorted) sum += x;
  return { n, mean: sum / n, p50: at(50), p90: at(90), p99: at(99), max: sorted[n - 1]! };
}

/** Milliseconds with three decimals below 10 ms, one above. */
export const ms = (x: number | undefined): string =>
  x === undefined || Number.isNaN(x) ? '-' : x < 10 ? x.toFixed(3) : x.toFixed(1);
export const int = (x: number): string => Math.round(x).toLocaleString('en-US');
export const round = (x: number, digits: number): number => Math.round(x * 10 ** digits) / 10 ** digits;

/** Garbage collections while it is on: how many, their total and longest pause, and when (performance.now()). */
export function gcWatch() {
  const seen = { count: 0, totalMs: 0, maxMs: 0, major: 0, pauses: [] as { from: number; to: number }[] };
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      seen.count++;
      seen.totalMs += e.duration;
      seen.maxMs = Math.max(seen.maxMs, e.duration);
      seen.pauses.push({ from: e.startTime, to: e.startTime + e.duration });
      // NODE_PERFORMANCE_GC_MAJOR = 4
      if (((e as { detail?: { kind?: number } }).detail?.kind ?? 0) === 4) seen.major++;
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  return {
    stop() {
      observer.disconnect();
      return seen;
    },
  };
}

/** Which of the intervals (sorted or not) overlap one of the pauses. */
export function overlapping(
  intervals: readonly { from: number; to: number }[],
  pauses: readonly { from: number; to: number }[],
) {
  const sorted = [...pauses].sort((a, b) => a.from - b.from);
  return intervals.map((iv) => {
    // binary search for the first pause ending after the interval starts
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sorted[mid]!.to < iv.from) lo = mid + 1;
      else hi = mid;
    }
    return lo < sorted.length && sorted[lo]!.from <= iv.to;
  });
}

/** CPU used by this process and by everything else on the machine over a window, in cores. */
export function cpuWatch() {
  const machine = () =>
    cpus().reduce(
      (a, c) => ({
        busy: a.busy + c.times.user + c.times.nice + c.times.sys + c.times.irq,
        idle: a.idle + c.times.idle,
      }),
      { busy: 0, idle: 0 },
    );
  const m0 = machine();
  const u0 = process.cpuUsage();
  const t0 = performance.now();
  return {
    stop() {
      const m1 = machine();
      const u = process.cpuUsage(u0);
      const wall = (performance.now() - t0) / 1000;
      const self = (u.user + u.system) / 1e6 / wall;
      const busy = (m1.busy - m0.busy) / 1000 / wall;
      return { self, others: Math.max(0, busy - self), cores: cpus().length, load: loadavg()[0]! };
    },
  };
}

export const describeCpu = (c: ReturnType<ReturnType<typeof cpuWatch>['stop']>): string =>
  `CPU cores used (of ${c.cores}): bench process ${c.self.toFixed(2)}, everything else ${c.others.toFixed(2)}; load average ${c.load.toFixed(1)}`;

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Runs `work` under the V8 sampling profiler; returns self time by function and by source file, largest first. */
export async function cpuProfile(session: Session, work: () => Promise<void>, intervalUs = 100) {
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: intervalUs });
  await session.post('Profiler.start');
  await work();
  const { profile } = (await session.post('Profiler.stop')) as unknown as { profile: CpuProfile };
  await session.post('Profiler.disable');
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  for (const [i, id] of profile.samples.entries()) self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const byFunction = new Map<string, number>();
  const byFile = new Map<string, number>();
  for (const [id, us] of self) {
    const f = byId.get(id)!.callFrame;
    const file = shortFile(f.url);
    // line numbers are those of tsx's output, not of the sources: the function's name and file say enough
    const fn = `${f.functionName || '(anonymous)'} ${file}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
    byFile.set(file, (byFile.get(file) ?? 0) + us);
  }
  const top = (m: Map<string, number>) =>
    [...m.entries()].sort((a, b) => b[1] - a[1]).map(([name, us]) => ({ name, ms: us / 1000, share: us / total }));
  return { totalMs: total / 1000, functions: top(byFunction), files: top(byFile) };
}

/** A profile frame's file relative to the repo (or the package, for dependencies); native frames keep their name. */
function shortFile(url: string): string {
  if (!url) return '(native / VM)';
  const path = url.replace(/^file:\/\//, '');
  const dep = path.match(/node_modules\/((?:@[^/]+\/)?[^/]+)\/(.*)$/);
  if (dep) return `${dep[1]}/${dep[2]}`;
  const repo = path.match(/\/(edge-gateway|packages)\/(.*)$/);
  return repo ? `${repo[1]}/${repo[2]}` : path;
}
