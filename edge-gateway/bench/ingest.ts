/**
 * `npm run bench:ingest`: the gateway's full ingest pipeline against a reference broker.
 *
 * One publisher process (publisher.ts) offers the same beacon traffic, at increasing rates, to
 * (a) Mosquitto, passed through to one subscriber here, and (b) a real gateway built here
 * (registry auth, SQLite file, model, cloud-sync), whose presence events a service-account
 * subscriber times from publish (the sighting's `ts`) to `zone_enter` (its `sourceTs`).
 * See bench/README.md for the method and its caveats. The last line printed is the JSON summary.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { type PresenceEvent, topics } from '@aisle/contracts';
import mqtt from 'mqtt';
import { cleanup, onCleanup, wasInterrupted } from './cleanup';
import { type GatewayTarget, startGatewayTarget } from './gateway-target';
import { MIN_MOVE_EVERY, MOVE_RSSI, type RunResult, STAY_RSSI, type TrafficShape } from './protocol';
import { type Publisher, startPublisher } from './publisher-client';
import { fmt, percentile, table } from './stats';

// --- settings ------------------------------------------------------------------------
function envNumbers(name: string, fallback: number[]): number[] {
  const raw = process.env[name];
  if (!raw) return fallback;
  const values = raw.split(',').map((s) => Number(s.trim()));
  if (values.some((v) => !Number.isFinite(v) || v <= 0)) throw new Error(`${name} must be positive numbers: "${raw}"`);
  return values;
}
const envNumber = (name: string, fallback: number) => envNumbers(name, [fallback])[0]!;

const MOSQUITTO_URL = process.env.AISLE_BENCH_MOSQUITTO_URL ?? 'mqtt://127.0.0.1:1883';
/** Past 20k the gateway has usually stopped; the higher steps find where the Mosquitto path saturates. */
const RATES = envNumbers(
  'AISLE_BENCH_RATES',
  [1_000, 2_000, 5_000, 10_000, 15_000, 20_000, 30_000, 40_000, 60_000, 80_000, 120_000],
);
const STEP_MS = envNumber('AISLE_BENCH_STEP_MS', 5_000);
const PHONES = envNumber('AISLE_BENCH_PHONES', 1_000);
/** Phones of customers with location consent (their sightings are written); the rest are anonymous (counted only). */
const CONSENTED = Math.min(PHONES, envNumber('AISLE_BENCH_CONSENTED_PHONES', 1_000));
const MOVE_EVERY = envNumber('AISLE_BENCH_MOVE_EVERY', 50);
/** Per-scanner limits set in the bench's gateway config, far above what one scanner offers here. */
const INGEST_LIMITS = { ratePerSecond: 100_000, burst: 100_000 };
/** A single decisive sighting moves a shopper (the default 2 s confirmation would hide the pipeline). */
const PRESENCE = { confirmMs: 0 };
/** After publishing stops, messages still arriving this long count toward the step. */
const GRACE_MS = 1_000;
/** A step is sustained at ≥ 95 % of the offered rate; below 80 % the target is far behind and gets no higher rates. */
const SUSTAINED = 0.95;
const FAR_BEHIND = 0.8;
const POLL_MS = 10;
const DRAIN_QUIET_MS = 1_000;
const DRAIN_MAX_MS = 15_000;
/** No new step starts after this much time, so the whole run stays well under 3 minutes. */
const BUDGET_MS = 125_000;
/**
 * Sightings sent to the gateway before the first step. The gateway remembers the last 100,000
 * event ids to drop duplicates, and what it costs per message changes once that filter is
 * full, which a store reaches within minutes: the warm-up goes past it, so every step measures
 * the steady state. (AISLE_BENCH_GATEWAY_WARMUP=1000 measures a freshly started gateway instead.)
 */
const GATEWAY_WARMUP = envNumber('AISLE_BENCH_GATEWAY_WARMUP', 120_000);
const WARMUP_RATE = 20_000;
const WARMUP_DRAIN_MAX_MS = 40_000;

class BenchError extends Error {}

// --- targets ----------------------------------------------------------------------------
interface Reading {
  count: number;
  /** performance.now() of the last message counted. */
  lastAt: number;
}
interface Target {
  name: 'mosquitto' | 'gateway';
  read(): Promise<Reading>;
}

interface StepResult {
  rate: number;
  run: RunResult;
  /** Received within the step's window (publishing + grace), per second. */
  eps: number;
  received: number;
  /** Received in the end, after the backlog drained. */
  delivered: number;
  drainMs: number;
  latencies?: number[];
  zoneEnters?: number;
}

async function connectMosquittoSubscriber(storeId: string) {
  let client: mqtt.MqttClient;
  try {
    client = await mqtt.connectAsync(MOSQUITTO_URL, {
      clientId: `bench-sub-${process.pid}`,
      clean: true,
      reconnectPeriod: 0,
      connectTimeout: 3_000,
    });
  } catch (err) {
    throw new BenchError(
      `Mosquitto is not reachable at ${MOSQUITTO_URL} (${(err as Error).message}).\n` +
        'Start it with:  mosquitto -d -c /etc/mosquitto/mosquitto.conf\n' +
        '(or point AISLE_BENCH_MOSQUITTO_URL at a running broker).',
    );
  }
  onCleanup(() => client.endAsync(true));
  const state: Reading = { count: 0, lastAt: 0 };
  client.on('message', () => {
    state.count++;
    state.lastAt = performance.now();
  });
  client.on('error', (err) => console.error(`mosquitto subscriber: ${err.message}`));
  const filter = `${topics.storeFilter(storeId).slice(0, -1)}ble/+/sighting`;
  const granted = await client.subscribeAsync(filter, { qos: 0 });
  if (granted[0]?.qos === 128) throw new BenchError(`Mosquitto refused the subscription ${filter}`);
  return { name: 'mosquitto', read: async () => ({ ...state }) } satisfies Target;
}

/** The gateway's ingested count is polled; lastAt is when the poll first saw the final value. */
function gatewayCounter(gw: GatewayTarget): Target {
  let last = { count: 0, lastAt: 0 };
  return {
    name: 'gateway',
    async read() {
      const count = await gw.ingestedBle();
      if (count !== last.count) last = { count, lastAt: performance.now() };
      return { ...last };
    },
  };
}

/** The presence subscriber: a service account of the registry, timing zone_enter events of the current step. */
async function connectPresenceSubscriber(gw: GatewayTarget) {
  const client = await mqtt.connectAsync(gw.urls.mqttUrl, {
    clientId: gw.presence.username,
    username: gw.presence.username,
    password: gw.presence.password,
    clean: true,
    reconnectPeriod: 0,
    connectTimeout: 5_000,
  });
  onCleanup(() => client.endAsync(true));
  const state = {
    zoneEnters: 0,
    window: undefined as { from: number; to: number; latencies: number[] } | undefined,
  };
  client.on('message', (_topic, payload) => {
    const receivedAt = Date.now();
    const e = JSON.parse(payload.toString()) as PresenceEvent;
    if (e.type !== 'zone_enter' || e.sourceTs === undefined) return;
    state.zoneEnters++;
    const w = state.window;
    if (w && e.sourceTs >= w.from && e.sourceTs <= w.to) w.latencies.push(receivedAt - e.sourceTs);
  });
  client.on('error', (err) => console.error(`presence subscriber: ${err.message}`));
  const topic = topics.presence(gw.gateway.storeId);
  const granted = await client.subscribeAsync(topic, { qos: 0 });
  if (granted[0]?.qos === 128) throw new BenchError(`the gateway refused the presence subscription ${topic}`);
  return state;
}

// --- one step --------------------------------------------------------------------------
async function measure(
  publisher: Publisher,
  target: Target,
  rate: number,
  durationMs: number,
  presence?: Awaited<ReturnType<typeof connectPresenceSubscriber>>,
  drainMaxMs = DRAIN_MAX_MS,
): Promise<StepResult> {
  const before = await target.read();
  const window = { from: Date.now(), to: Date.now() + durationMs + 60_000, latencies: [] as number[] };
  const enters0 = presence?.zoneEnters ?? 0;
  if (presence) presence.window = window;
  const t0 = performance.now();
  let run: RunResult | undefined;
  let failed: unknown;
  const running = publisher.run(target.name, rate, durationMs).then(
    (r) => {
      run = r;
      window.to = Date.now(); // sightings published after the step (none) would not count
      return r;
    },
    (err) => {
      failed = err;
      throw err;
    },
  );
  running.catch(() => {});

  // the window: publishing, plus a grace period for what is still on its way
  const windowEnd = t0 + durationMs + GRACE_MS;
  let now = before;
  for (;;) {
    await sleep(POLL_MS);
    if (failed) throw failed;
    now = await target.read();
    if (run && now.count - before.count >= run.sent) break;
    if (performance.now() >= windowEnd && run) break;
    if (performance.now() >= windowEnd + 30_000) throw new BenchError(`${target.name}: the publisher did not finish`);
  }
  const received = now.count - before.count;
  // from the publisher's first publish (its own clock, so no IPC or start-up delay) to the last arrival
  const elapsed = performance.timeOrigin + now.lastAt - run!.startedAt;
  const eps = received > 0 && elapsed > 0 ? (received / elapsed) * 1000 : 0;

  // let the backlog drain so that the next step starts clean
  const result = await running;
  const drainStart = performance.now();
  let quietSince = performance.now();
  let count = now.count;
  while (
    count - before.count < result.sent &&
    performance.now() - quietSince < DRAIN_QUIET_MS &&
    performance.now() - drainStart < drainMaxMs
  ) {
    await sleep(POLL_MS * 5);
    const c = (await target.read()).count;
    if (c !== count) quietSince = performance.now();
    count = c;
  }
  const drainMs = count - before.count > received ? performance.now() - drainStart : 0;
  if (presence) {
    await sleep(300); // the last presence events are on their way
    presence.window = undefined;
  }
  return {
    rate,
    run: result,
    eps,
    received,
    delivered: count - before.count,
    drainMs,
    ...(presence && { latencies: window.latencies, zoneEnters: presence.zoneEnters - enters0 }),
  };
}

function progress(target: string, s: StepResult): void {
  const r = s.run;
  const parts = [
    `[${fmt.int(s.rate)}/s] ${target.padEnd(9)}`,
    `sent ${fmt.int(r.sent)} in ${(r.publishMs / 1000).toFixed(2)} s`,
    `received ${fmt.int(s.received)} in window → ${fmt.int(s.eps)} eps (${Math.round((s.eps / s.rate) * 100)} %)`,
  ];
  if (s.delivered !== r.sent) parts.push(`${fmt.int(r.sent - s.delivered)} never arrived`);
  if (s.drainMs > 0) parts.push(`backlog drained in ${(s.drainMs / 1000).toFixed(1)} s`);
  if (r.flushedMs - r.publishMs > 50) parts.push(`publisher sockets blocked ${fmt.int(r.flushedMs - r.publishMs)} ms`);
  if (r.disconnects > 0) parts.push(`${r.disconnects} publisher connections closed by the broker`);
  if (s.latencies)
    parts.push(
      `zone_enter ${fmt.int(s.zoneEnters)} (moves sent ${fmt.int(r.moves)}), p50 ${fmt.ms(percentile(s.latencies, 50))} ms p99 ${fmt.ms(percentile(s.latencies, 99))} ms`,
    );
  console.log(parts.join(', '));
}

// --- main ------------------------------------------------------------------------------
async function main(): Promise<void> {
  if (MOVE_EVERY < MIN_MOVE_EVERY) throw new BenchError(`AISLE_BENCH_MOVE_EVERY must be ≥ ${MIN_MOVE_EVERY}`);
  const started = performance.now();
  const storeId = `bench-${process.pid}`;

  const mosquitto = await connectMosquittoSubscriber(storeId);

  const dir = mkdtempSync(join(tmpdir(), 'aisle-bench-'));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  const gw = await startGatewayTarget(
    { dir, storeId, ingest: INGEST_LIMITS, presence: PRESENCE, consentedPhones: CONSENTED },
    onCleanup,
  );
  const presence = await connectPresenceSubscriber(gw);
  const gateway = gatewayCounter(gw);

  const publisher = await startPublisher();
  onCleanup(() => publisher.stop());
  const traffic: TrafficShape = {
    storeId,
    scannerIds: gw.plan.scanners.map((s) => s.id),
    phones: PHONES,
    moveEvery: MOVE_EVERY,
  };
  await publisher.request({
    type: 'connect',
    target: 'mosquitto',
    url: MOSQUITTO_URL,
    // plain client ids on the shared broker, so nothing else's sessions are taken over
    connections: gw.scanners.map((s) => ({ scannerId: s.scannerId, clientId: `bench-${process.pid}-${s.scannerId}` })),
    traffic,
  });
  onCleanup(() => publisher.request({ type: 'close', target: 'mosquitto' }).then(() => {}));
  await publisher.request({
    type: 'connect',
    target: 'gateway',
    url: gw.urls.mqttUrl,
    connections: gw.scanners,
    traffic,
  });
  onCleanup(() => publisher.request({ type: 'close', target: 'gateway' }).then(() => {}));

  console.log(
    [
      `bench:ingest  mosquitto ${MOSQUITTO_URL}  vs  gateway ${gw.urls.mqttUrl} (pid ${process.pid}; publisher pid ${publisher.pid})`,
      `traffic: ${PHONES} phones (shp-…; ${CONSENTED} with location consent, written), ${traffic.scannerIds.length} scanners (one MQTT connection each, registry credentials on the gateway), QoS 0,`,
      `  rates ${RATES.map(fmt.int).join(', ')} msg/s, ${STEP_MS / 1000} s per step and target, same publisher process for both targets`,
      `  1 in ${MOVE_EVERY} sightings is a move (${MOVE_RSSI} dBm from the phone's other zone; stays are ${STAY_RSSI} dBm from its current one)`,
      `gateway config: presence.confirmMs=${PRESENCE.confirmMs} (so one decisive sighting moves a shopper; other presence settings default),`,
      `  ingest.ratePerSecond=${INGEST_LIMITS.ratePerSecond} ingest.burst=${INGEST_LIMITS.burst} (per scanner), auth=registry, SQLite file in ${dir}`,
      `latency = presence zone_enter received by a service-account subscriber - sighting ts (Date.now() at publish)`,
    ].join('\n'),
  );

  // warm-up, not measured: connections, JIT, every phone placed; the gateway past its duplicate filter
  await measure(publisher, mosquitto, 1_000, 1_000);
  const warmRate = Math.min(WARMUP_RATE, GATEWAY_WARMUP);
  const warmStart = performance.now();
  const warm = await measure(
    publisher,
    gateway,
    warmRate,
    (GATEWAY_WARMUP / warmRate) * 1000,
    undefined,
    WARMUP_DRAIN_MAX_MS,
  );
  console.log(
    `warm-up done: mosquitto 1,000 sightings; gateway ${fmt.int(warm.delivered)} sightings in ${((performance.now() - warmStart) / 1000).toFixed(1)} s` +
      (GATEWAY_WARMUP > 100_000
        ? ' (past its 100,000-id duplicate filter: the steps measure the steady state)'
        : ' (a fresh gateway: its duplicate filter is not full yet)'),
  );

  const steps: { rate: number; mosquitto?: StepResult; gateway?: StepResult }[] = [];
  const active = { mosquitto: true, gateway: true };
  for (const rate of RATES) {
    if (!active.mosquitto && !active.gateway) break;
    if (performance.now() - started > BUDGET_MS) {
      console.log(`time budget reached; skipping ${fmt.int(rate)}/s and above`);
      break;
    }
    const step: (typeof steps)[number] = { rate };
    steps.push(step);
    for (const target of [mosquitto, gateway]) {
      if (!active[target.name]) continue;
      const s = await measure(publisher, target, rate, STEP_MS, target === gateway ? presence : undefined);
      step[target.name] = s;
      progress(target.name, s);
      if (s.eps < FAR_BEHIND * rate) {
        active[target.name] = false;
        console.log(`  ${target.name} is far behind (< ${FAR_BEHIND * 100} % of offered): no higher rates for it`);
      }
      if (s.run.publishMs > STEP_MS * 1.1)
        console.log(`  note: the publisher itself fell behind (${(s.run.publishMs / 1000).toFixed(2)} s to publish)`);
      await sleep(300);
    }
  }

  const rejected = await gw.rejected();

  // --- report ----------------------------------------------------------------------------
  const rows = steps.map(({ rate, mosquitto: m, gateway: g }) => {
    const notes: string[] = [];
    if (m && m.eps < SUSTAINED * rate) notes.push('mosquitto behind');
    if (g && g.eps < SUSTAINED * rate) notes.push('gateway behind');
    if (m && m.delivered < m.run.sent) notes.push(`mosquitto lost ${fmt.int(m.run.sent - m.delivered)}`);
    return [
      fmt.int(rate),
      fmt.int(m?.eps),
      fmt.int(g?.eps),
      fmt.ratio(m && g ? g.eps / m.eps : undefined),
      fmt.ms(g?.latencies && percentile(g.latencies, 50)),
      fmt.ms(g?.latencies && percentile(g.latencies, 99)),
      fmt.int(g?.latencies?.length),
      notes.join('; '),
    ];
  });
  console.log('');
  console.log(
    table(
      ['offered/s', 'mosquitto eps', 'gateway eps', 'ratio', 'gw p50 ms', 'gw p99 ms', 'zone_enter n', 'notes'],
      rows,
    ),
  );

  // a target's throughput: its best step at ≥ 95 % of the offered rate (its best step at all if none was)
  const summary = (name: 'mosquitto' | 'gateway') => {
    const ran = steps.flatMap((s) => (s[name] ? [s[name]] : []));
    const sustained = ran.filter((s) => s.eps >= SUSTAINED * s.rate);
    const top = sustained.reduce<StepResult | undefined>((a, s) => (a && a.eps >= s.eps ? a : s), undefined);
    return {
      eps: top?.eps ?? Math.max(0, ...ran.map((s) => s.eps)),
      top,
      peak: Math.max(0, ...ran.map((s) => s.eps)),
      saturated: ran.length > sustained.length,
    };
  };
  const m = summary('mosquitto');
  const g = summary('gateway');
  const mosquittoEps = m.eps;
  const gatewayEps = g.eps;
  const p99 = g.top?.latencies ? percentile(g.top.latencies, 99) : undefined;
  console.log('');
  for (const [name, t] of [
    ['mosquitto', m],
    ['gateway', g],
  ] as const)
    console.log(
      `${name.padEnd(9)}: ${t.top ? `sustained ${fmt.int(t.eps)} eps at ${fmt.int(t.top.rate)}/s offered` : `never sustained ≥ ${SUSTAINED * 100} % (best ${fmt.int(t.eps)} eps)`}` +
        `; peak over a step ${fmt.int(t.peak)} eps${t.saturated ? '' : ' (never saturated: its capacity is higher than offered)'}`,
    );
  console.log(
    `ratio ${fmt.ratio(mosquittoEps > 0 ? gatewayEps / mosquittoEps : undefined)} (best sustained); presence p99 at the gateway's highest sustained step: ${fmt.ms(p99)} ms`,
  );
  const rejectedTotal = rejected.total;
  if (rejectedTotal > 0)
    console.log(`gateway rejected ${fmt.int(rejectedTotal)} messages: ${JSON.stringify(rejected.byLabel)}`);
  if (gw.logs.count > 0)
    console.log(`gateway logged ${gw.logs.count} warnings/errors, first:\n  ${gw.logs.first.join('\n  ')}`);

  await cleanup();
  const round = (n: number, digits: number) => Number(n.toFixed(digits));
  console.log(
    JSON.stringify({
      gateway_eps: Math.round(gatewayEps),
      mosquitto_eps: Math.round(mosquittoEps),
      ratio: mosquittoEps > 0 ? round(gatewayEps / mosquittoEps, 3) : null,
      p99_ms: p99 === undefined ? null : round(p99, 1),
    }),
  );
}

main().then(
  () => process.exit(0),
  async (err: unknown) => {
    if (!wasInterrupted()) console.error(err instanceof BenchError ? `bench:ingest: ${err.message}` : err);
    await cleanup();
    process.exit(1);
  },
);
