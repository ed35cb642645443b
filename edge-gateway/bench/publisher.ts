/**
 * The bench's publisher, run as its own process by ingest.ts (`node --import tsx`) and driven
 * over the IPC channel: one MQTT connection per scanner and broker ("target"), QoS 0 beacon
 * sightings at a paced rate, each stamped with Date.now() when it is published.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { topics } from '@aisle/contracts';
import mqtt from 'mqtt';
import {
  type BenchReply,
  benchPhoneId,
  type Envelope,
  MIN_MOVE_EVERY,
  MOVE_RSSI,
  type RunResult,
  type ScannerConnection,
  STAY_RSSI,
  type TrafficShape,
  zonesOfPhone,
} from './protocol';

const TICK_MS = 4;
const FLUSH_TIMEOUT_MS = 60_000;

/** The phones' ids, the same for every target of this run. */
const phoneIds: string[] = [];

/**
 * The beacon traffic of one target: phones sighted round-robin, each by its current zone's
 * scanner, every `moveEvery`-th sighting of a phone coming from its other zone (a move).
 * Kept per target so each broker sees a consistent walk.
 */
class Traffic {
  private readonly zone: Uint8Array;
  private readonly phase: Uint32Array;
  private readonly pairs: [number, number][];
  private readonly prefix: string;
  private next = 0;
  private seq = 0;

  constructor(
    private readonly shape: TrafficShape,
    target: string,
  ) {
    if (shape.moveEvery < MIN_MOVE_EVERY) throw new Error(`moveEvery must be ≥ ${MIN_MOVE_EVERY}`);
    if (shape.scannerIds.length < 2) throw new Error('need at least two scanners (zones)');
    while (phoneIds.length < shape.phones) phoneIds.push(benchPhoneId(phoneIds.length));
    this.pairs = Array.from({ length: shape.phones }, (_, i) => zonesOfPhone(i, shape.scannerIds.length));
    this.zone = Uint8Array.from(this.pairs, ([a]) => a);
    // staggered, so that moves are spread evenly over the traffic instead of coming in waves
    this.phase = Uint32Array.from({ length: shape.phones }, (_, i) => i % shape.moveEvery);
    this.prefix = `ble-${target.slice(0, 3)}-${randomBytes(3).toString('hex')}-`;
  }

  /** The next sighting: which scanner (zone index) publishes it, its JSON, whether it is a move. */
  sighting(): { scanner: number; payload: string; move: boolean } {
    const i = this.next;
    this.next = (i + 1) % this.shape.phones;
    const phase = (this.phase[i]! + 1) % this.shape.moveEvery;
    this.phase[i] = phase;
    const move = phase === 0;
    if (move) {
      const [a, b] = this.pairs[i]!;
      this.zone[i] = this.zone[i] === a ? b : a;
    }
    const scanner = this.zone[i]!;
    const payload = `{"eventId":"${this.prefix}${(this.seq++).toString(36)}","scannerId":"${this.shape.scannerIds[scanner]}","deviceId":"${phoneIds[i]}","rssi":${move ? MOVE_RSSI : STAY_RSSI},"ts":${Date.now()}}`;
    return { scanner, payload, move };
  }
}

interface Target {
  clients: mqtt.MqttClient[];
  topics: string[];
  traffic: Traffic;
  disconnects: number;
  lastError?: string;
}
const targets = new Map<string, Target>();

async function connect(
  name: string,
  url: string,
  connections: readonly ScannerConnection[],
  shape: TrafficShape,
): Promise<void> {
  const traffic = new Traffic(shape, name);
  const target: Target = { clients: [], topics: [], traffic, disconnects: 0 };
  const byScanner = new Map(connections.map((c) => [c.scannerId, c]));
  try {
    for (const scannerId of shape.scannerIds) {
      const c = byScanner.get(scannerId);
      if (!c) throw new Error(`no connection for scanner ${scannerId}`);
      const client = await mqtt.connectAsync(url, {
        clientId: c.clientId,
        username: c.username,
        password: c.password,
        clean: true,
        reconnectPeriod: 0,
        connectTimeout: 5_000,
        keepalive: 60,
      });
      client.on('error', (err) => {
        target.lastError = err.message;
      });
      client.on('close', () => {
        target.disconnects++;
      });
      target.clients.push(client);
      target.topics.push(topics.beaconSighting(shape.storeId, scannerId));
    }
  } catch (err) {
    await Promise.all(target.clients.map((c) => c.endAsync(true)));
    throw new Error(`${name}: cannot connect to ${url}: ${(err as Error).message}`);
  }
  targets.set(name, target);
}

async function run(name: string, rate: number, durationMs: number): Promise<RunResult> {
  const target = targets.get(name);
  if (!target) throw new Error(`not connected to ${name}`);
  const total = Math.round((rate * durationMs) / 1000);
  const disconnectsBefore = target.disconnects;
  let sent = 0;
  let moves = 0;
  const start = performance.now();
  await new Promise<void>((resolve) => {
    const tick = () => {
      const due = Math.min(total, Math.floor((rate * (performance.now() - start)) / 1000));
      for (; sent < due; sent++) {
        const s = target.traffic.sighting();
        if (s.move) moves++;
        target.clients[s.scanner]!.publish(target.topics[s.scanner]!, s.payload, { qos: 0 });
      }
      if (sent >= total) resolve();
      else setTimeout(tick, TICK_MS);
    };
    tick();
  });
  const publishMs = performance.now() - start;
  // what the broker has not read yet waits in the sockets' write buffers
  const deadline = Date.now() + FLUSH_TIMEOUT_MS;
  while (target.clients.some((c) => c.connected && (c.stream?.writableLength ?? 0) > 0) && Date.now() < deadline)
    await sleep(2);
  const flushedMs = performance.now() - start;
  return {
    startedAt: performance.timeOrigin + start,
    sent,
    moves,
    publishMs,
    flushedMs,
    disconnects: target.disconnects - disconnectsBefore,
  };
}

async function close(name: string): Promise<void> {
  const target = targets.get(name);
  targets.delete(name);
  await Promise.all((target?.clients ?? []).map((c) => c.endAsync(false)));
}

function reply(message: BenchReply): void {
  process.send?.(message);
}

process.on('message', (raw) => {
  const { id, request } = raw as Envelope;
  const work = (async () => {
    switch (request.type) {
      case 'connect':
        await connect(request.target, request.url, request.connections, request.traffic);
        return undefined;
      case 'run':
        return run(request.target, request.rate, request.durationMs);
      case 'close':
        await close(request.target);
        return undefined;
    }
  })();
  work.then(
    (result) => reply(result ? { id, ok: true, result } : { id, ok: true }),
    (err: unknown) => reply({ id, ok: false, error: err instanceof Error ? err.message : String(err) }),
  );
});

// the bench went away (finished, crashed or killed): nothing left to do here
process.on('disconnect', () => {
  for (const t of targets.values()) for (const c of t.clients) c.end(true);
  process.exit(0);
});

if (!process.send) {
  console.error('publisher.ts is started by edge-gateway/bench/ingest.ts over IPC; run `npm run bench:ingest`');
  process.exit(2);
}
process.send({ id: 0, ok: true } satisfies BenchReply);
