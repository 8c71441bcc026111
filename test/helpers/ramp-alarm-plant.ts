/**
 * The plant file of the write-load harnesses (test:kill, bench/ack-latency): two simulated
 * lines, `l1` and `l2`, one PLC each with `tags` float32 tags at `scanMs`. The first
 * `alarmTags` ramp 0 → 100 through a high limit of 50 every ~2 s (alarms raise and clear all
 * the time: journal entries, acks to make); the rest wander around 50 (history to write).
 */
export function rampAlarmPlant(o: { name: string; tags: number; alarmTags: number; scanMs: number }) {
  const connection = (line: string) => ({
    id: `${line}-plc`,
    protocol: 'tcp',
    host: '127.0.0.1',
    port: 0,
    unitId: 1,
    scanMs: o.scanMs,
    timeoutMs: 1000,
    simulated: true,
    tags: Array.from({ length: o.tags }, (_, i) =>
      i < o.alarmTags
        ? {
            name: `alarm-${i}`,
            area: 'holding',
            address: 1000 + i * 2,
            type: 'float32',
            sim: { model: 'ramp', min: 0, max: 100, periodS: 2 + i * 0.1 },
            alarms: { hi: { limit: 50, priority: 'low' }, deadband: 1 },
          }
        : { name: `t${i}`, area: 'holding', address: i * 2, type: 'float32', sim: { model: 'analog', nominal: 50, noise: 5 } },
    ),
  });
  return {
    name: o.name,
    lines: ['l1', 'l2'].map((id) => ({ id, name: id.toUpperCase(), simulation: { autoStart: true, scenario: 'normal' }, connections: [connection(id)] })),
  };
}
