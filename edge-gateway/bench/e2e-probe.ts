/**
 * The end-to-end bench's probe, run as its own process by e2e.ts (`node --import tsx`) and
 * driven over IPC: it is two store devices at once, a BLE scanner of one zone (its own MQTT
 * connection and registry account) and that zone's screen (a socket.io client). Each probe is
 * the first sighting of a brand-new shopper; its latency is publish → the `recommendations`
 * push for that shopper, both read from this process's performance.now().
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type HelloResult,
  PROTOCOL_VERSION,
  type PresenceEvent,
  type RecommendationsPush,
  type ScreenClientToServer,
  type ScreenServerToClient,
  topics,
} from '@aisle/contracts';
import mqtt from 'mqtt';
import { io, type Socket } from 'socket.io-client';
import type { ProbeEnvelope, ProbeMessage, ProbeResult, ProbeRun, ProbeSetup } from './e2e-protocol';

const CONNECT_TIMEOUT_MS = 5_000;

/**
 * A screen shows the last 4 characters of a shopper's id (`shopper.ref`). Probe ids end in 4
 * letters from g–z: unique for 160,000 probes, and never the end of a background phone's id
 * (`shp-` + hex), so a push for a probe cannot be mistaken for one for anybody else.
 */
const REF_ALPHABET = 'ghijklmnopqrstuvwxyz';
function refOf(seq: number): string {
  let ref = '';
  for (let i = 0, n = seq; i < 4; i++, n = Math.floor(n / REF_ALPHABET.length))
    ref = REF_ALPHABET[n % REF_ALPHABET.length]! + ref;
  return ref;
}
const MAX_PROBES = REF_ALPHABET.length ** 4;

interface Probe {
  seq: number;
  sentAt: number;
  zoneEnterAt?: number;
  answeredAt?: number;
  state: 'pending' | 'answered' | 'lost';
}

interface Connected {
  setup: ProbeSetup;
  scanner: mqtt.MqttClient;
  watcher: mqtt.MqttClient;
  screen: Socket<ScreenServerToClient, ScreenClientToServer>;
  topic: string;
  /** What went wrong with a connection while it should have stayed up. */
  broken?: string;
}

let conn: Connected | undefined;
const tag = randomBytes(3).toString('hex');
let seq = 0;
/** Probes by ref; a probe stays here after its answer so that repeated pushes are recognised. */
const probes = new Map<string, Probe>();
/** The run going on, which the answers are counted in. */
let current:
  | { result: ProbeResult; fresh: number[]; pending: number; lastAnswered: number; probes: Probe[] }
  | undefined;

async function setup(s: ProbeSetup): Promise<void> {
  const scanner = await mqtt.connectAsync(s.mqttUrl, {
    clientId: s.scanner.clientId,
    username: s.scanner.username,
    password: s.scanner.password,
    clean: true,
    reconnectPeriod: 0,
    connectTimeout: CONNECT_TIMEOUT_MS,
  });
  const watcher = await mqtt.connectAsync(s.mqttUrl, {
    clientId: s.presence.username,
    username: s.presence.username,
    password: s.presence.password,
    clean: true,
    reconnectPeriod: 0,
    connectTimeout: CONNECT_TIMEOUT_MS,
  });
  const presenceTopic = topics.presence(s.storeId);
  const granted = await watcher.subscribeAsync(presenceTopic, { qos: 0 });
  if (granted[0]?.qos === 128) throw new Error(`the gateway refused the subscription ${presenceTopic}`);

  const screen: Socket<ScreenServerToClient, ScreenClientToServer> = io(s.httpUrl, {
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    timeout: CONNECT_TIMEOUT_MS,
    auth: { token: s.screen.token },
  });
  const c: Connected = {
    setup: s,
    scanner,
    watcher,
    screen,
    topic: topics.beaconSighting(s.storeId, s.scanner.scannerId),
  };
  conn = c;
  const hello = await new Promise<HelloResult>((resolve, reject) => {
    screen.once('connect_error', (err) => reject(new Error(`screen cannot connect to ${s.httpUrl}: ${err.message}`)));
    screen.timeout(CONNECT_TIMEOUT_MS).emit(
      'hello',
      {
        protocolVersion: PROTOCOL_VERSION,
        screenId: s.screen.id,
        kind: s.screen.kind,
        storeId: s.storeId,
        lastSeq: 0,
      },
      (err, r) => (err ? reject(new Error(`no answer to the screen's hello: ${err.message}`)) : resolve(r)),
    );
  });
  if (!hello.ok) throw new Error(`the gateway refused screen ${s.screen.id}: ${hello.reason} (${hello.message})`);
  if (hello.zoneId !== s.zoneId)
    throw new Error(`screen ${s.screen.id} is in zone ${hello.zoneId ?? '(none)'}, not ${s.zoneId}`);

  screen.on('recommendations', onPush);
  watcher.on('message', (_topic, payload) => onPresence(payload));
  const broken = (what: string) => (reason: string) => {
    c.broken ??= `${what}: ${reason}`;
  };
  screen.on('disconnect', broken('screen disconnected'));
  scanner.on('close', () => broken('probe scanner')('connection closed'));
  watcher.on('close', () => broken('presence watcher')('connection closed'));
}

function onPush(push: RecommendationsPush): void {
  const at = performance.now();
  const run = current;
  const ref = push.shopper?.ref;
  const probe = ref === undefined ? undefined : probes.get(ref);
  if (!run) return;
  if (!probe || probe.state === 'answered') {
    run.result.otherPushes++;
    return;
  }
  if (probe.state === 'lost') {
    run.result.late++;
    run.result.otherPushes++;
    return;
  }
  probe.state = 'answered';
  probe.answeredAt = at;
  run.pending--;
  run.lastAnswered = Math.max(run.lastAnswered, probe.seq);
  const ms = at - probe.sentAt;
  run.result.latencies.push(ms);
  run.fresh.push(ms);
}

function onPresence(payload: Buffer): void {
  const at = performance.now();
  const run = current;
  if (!run) return;
  const e = JSON.parse(payload.toString()) as PresenceEvent;
  if (e.type !== 'zone_enter' || !e.deviceId.startsWith(`prb-${tag}-`)) return;
  const probe = probes.get(e.deviceId.slice(-4));
  if (!probe || probe.zoneEnterAt !== undefined) return;
  probe.zoneEnterAt = at;
  run.result.zoneEnters.push(at - probe.sentAt);
}

function sendProbe(c: Connected): Probe {
  if (seq >= MAX_PROBES) throw new Error(`more than ${MAX_PROBES} probes in one process`);
  const n = seq++;
  const ref = refOf(n);
  const deviceId = `prb-${tag}-${ref}`;
  const payload = JSON.stringify({
    eventId: `e2e-${tag}-${n.toString(36)}`,
    scannerId: c.setup.scanner.scannerId,
    deviceId,
    rssi: c.setup.rssi,
    ts: Date.now(),
  });
  const probe: Probe = { seq: n, sentAt: performance.now(), state: 'pending' };
  probes.set(ref, probe);
  c.scanner.publish(c.topic, payload, { qos: 0 });
  return probe;
}

async function run(r: ProbeRun): Promise<ProbeResult> {
  const c = conn;
  if (!c) throw new Error('not set up');
  const result: ProbeResult = {
    sent: 0,
    latencies: [],
    zoneEnters: [],
    afterZoneEnter: [],
    lost: 0,
    superseded: 0,
    late: 0,
    otherPushes: 0,
    maxSlipMs: 0,
  };
  const state = { result, fresh: [] as number[], pending: 0, lastAnswered: -1, probes: [] as Probe[] };
  current = state;
  let reportedAt = performance.now();
  const report = () => {
    reportedAt = performance.now();
    const message: ProbeMessage = {
      type: 'progress',
      label: r.label,
      sent: result.sent,
      lost: result.lost,
      latencies: state.fresh,
    };
    state.fresh = [];
    process.send?.(message);
  };
  const progress = setInterval(report, r.progressMs);
  const start = performance.now();
  try {
    await new Promise<void>((resolve, reject) => {
      const tick = () => {
        const now = performance.now();
        if (c.broken) return reject(new Error(c.broken));
        if (now - start >= r.durationMs) return resolve();
        result.maxSlipMs = Math.max(result.maxSlipMs, now - (start + result.sent * r.intervalMs));
        const probe = sendProbe(c);
        state.probes.push(probe);
        result.sent++;
        state.pending++;
        setTimeout(() => {
          if (probe.state !== 'pending') return;
          probe.state = 'lost';
          result.lost++;
          if (state.lastAnswered > probe.seq) result.superseded++;
          state.pending--;
        }, r.timeoutMs);
        setTimeout(tick, Math.max(0, start + result.sent * r.intervalMs - performance.now()));
      };
      tick();
    });
    while (state.pending > 0) await sleep(5);
    if (c.broken) throw new Error(c.broken);
  } finally {
    clearInterval(progress);
    current = undefined;
  }
  for (const p of state.probes)
    if (p.answeredAt !== undefined && p.zoneEnterAt !== undefined)
      result.afterZoneEnter.push(p.answeredAt - p.zoneEnterAt);
  // the last stretch, unless the timer has just reported it
  if (performance.now() - reportedAt > r.progressMs / 2) report();
  return result;
}

async function close(): Promise<void> {
  const c = conn;
  conn = undefined;
  if (!c) return;
  c.screen.disconnect();
  await Promise.all([c.scanner.endAsync(true), c.watcher.endAsync(true)]);
}

function reply(message: ProbeMessage): void {
  process.send?.(message);
}

process.on('message', (raw) => {
  const { id, request } = raw as ProbeEnvelope;
  const work = (async () => {
    switch (request.type) {
      case 'setup':
        await setup(request.setup);
        return undefined;
      case 'run':
        return run(request.run);
    }
  })();
  work.then(
    (result) => reply(result ? { id, ok: true, result } : { id, ok: true }),
    (err: unknown) => reply({ id, ok: false, error: err instanceof Error ? err.message : String(err) }),
  );
});

// the bench went away (finished, crashed or killed): nothing left to do here
process.on('disconnect', () => {
  void close().finally(() => process.exit(0));
  setTimeout(() => process.exit(0), 1_000).unref();
});

if (!process.send) {
  console.error('e2e-probe.ts is started by edge-gateway/bench/e2e.ts over IPC; run `npm run bench:e2e`');
  process.exit(2);
}
process.send({ id: 0, ok: true } satisfies ProbeMessage);
