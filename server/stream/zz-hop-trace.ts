import { createHistogram } from 'node:perf_hooks';
const on = !!process.env.LW_HOP_TRACE;
const hists = new Map<string, ReturnType<typeof createHistogram>>();
export function hop(name: string, readAt: number): void {
  if (!on) return;
  let h = hists.get(name);
  if (!h) hists.set(name, (h = createHistogram()));
  h.record(Math.max(1, Math.round((performance.timeOrigin + performance.now() - readAt) * 1000)));
}
if (on) setInterval(() => {
  const parts = [...hists].map(([n, h]) => `${n} p50 ${(h.percentile(50) / 1000).toFixed(2)} p99 ${(h.percentile(99) / 1000).toFixed(2)} n ${h.count}`);
  process.stderr.write(`[hop ${process.pid}] ${parts.join(' | ')}\n`);
  for (const h of hists.values()) h.reset();
}, 5000).unref();
