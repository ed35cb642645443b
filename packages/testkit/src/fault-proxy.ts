/**
 * A TCP fault proxy for tests: it sits between a client and a target (an edge gateway and
 * cloud-sync, say) and drops, delays, duplicates, reorders and resets what passes through.
 *
 * ```ts
 * const proxy = await startFaultProxy({ target: { host: '127.0.0.1', port: cloudPort }, seed: 7 });
 * // point the client at proxy.url instead of the target
 * await proxy.setFaults({ lossRate: 0.3 });          // 30 % of exchanges fail (see below)
 * await proxy.setFaults({ delayMs: 50, jitterMs: 50 });
 * await proxy.pause();                                // "cloud down": refuse and reset
 * await proxy.resume();
 * proxy.stats();                                      // what happened, per direction
 * await proxy.close();
 * ```
 *
 * TCP is a byte stream, so the faults are defined on what the proxy reads from one socket in one
 * go (a *chunk*), per direction: `toTarget` (client → target) and `toClient` (target → client).
 * Probabilities come from a PRNG seeded with `seed`, so a run can be replayed as far as the
 * kernel hands over the same chunks.
 *
 * - `delayMs` + up to `jitterMs`: each chunk waits that long; order is preserved.
 * - `duplicate`: the chunk is written twice.
 * - `reorder`: the chunk is held back and written after the next chunk of the same direction
 *   (or after `reorderHoldMs` / the end of the stream if none comes). This corrupts the stream on
 *   purpose: the peer gets a broken request or response and must survive it.
 * - `drop`: the chunk is discarded. Real packet loss is repaired by TCP; a lost chunk is loss TCP
 *   could not repair, so the stream is now broken and the peers would wait forever. The proxy
 *   therefore resets the connection `dropResetMs` after the first drop (`Infinity`: never).
 * - `resetRate`: the connection is reset (RST to both peers) instead of forwarding the chunk.
 * - `direction` limits the per-chunk faults above to one direction (default: both).
 *
 * `lossRate` is the knob for "30 % packet loss" as an HTTP client experiences it. A
 * request/response protocol's unit is the *exchange*: the client speaks (any number of chunks),
 * then the target answers. Each exchange — the first client chunk after the target last spoke —
 * fails with probability `lossRate`, independent of chunk sizes and of connection reuse. A failed
 * exchange loses either the request (the target never sees it) or the response (the target
 * handled the request but the client never hears back: exactly what idempotent retries must
 * survive); `lossPoint` picks which, default either with equal odds. With `lossMode: 'reset'`
 * (default) the connection is reset at that point; with `'stall'` it goes silent and is reset
 * `dropResetMs` later. Protocols where the target speaks first only lose exchanges the client
 * starts.
 *
 * `blackhole`: connections are accepted but nothing is forwarded either way; connections open
 * when it is switched on go silent too. Clearing it resets the silenced connections (their
 * streams are broken) so clients fail fast, and new connections work again.
 * `down` (also `pause()`/`resume()`): the listener is closed, so new connections are refused
 * (ECONNREFUSED), and open connections are reset; clearing it listens on the same port again.
 *
 * The proxy never throws on socket errors: if one side fails (ECONNRESET, EPIPE, target not
 * listening) the other side is reset, and the error is counted in `stats()`. (A peer that resets
 * while its last write is still in flight may reach the proxy as a plain EOF, which the proxy
 * passes on as one: the client then sees a truncated response rather than ECONNRESET.)
 */

import net, { type AddressInfo } from 'node:net';
import { createRng } from '@aisle/recsys/random';

export type Direction = 'toTarget' | 'toClient';

export interface Faults {
  /** Which direction the per-chunk faults (delay, drop, duplicate, reorder, reset) apply to. */
  direction: 'both' | Direction;
  /** Fixed delay per chunk, ms. */
  delayMs: number;
  /** Extra random delay per chunk, 0..jitterMs ms; order is still preserved. */
  jitterMs: number;
  /** Probability that a chunk is discarded (and the connection reset `dropResetMs` later). */
  drop: number;
  /** ms after a drop or a stall until the connection is reset; `Infinity` (or over 2^31-1) never resets. */
  dropResetMs: number;
  /** Probability that a chunk is written twice. */
  duplicate: number;
  /** Probability that a chunk is held back and written after the next one. */
  reorder: number;
  /** Longest time a held chunk waits for a next chunk, ms. */
  reorderHoldMs: number;
  /** Probability per chunk that the connection is reset instead. */
  resetRate: number;
  /** Probability that a request/response exchange fails (see the module comment). */
  lossRate: number;
  /** Where a failed exchange breaks: before the target sees the request, or after. */
  lossPoint: 'any' | 'request' | 'response';
  /** A failed exchange resets the connection at once, or stalls it for `dropResetMs` first. */
  lossMode: 'reset' | 'stall';
  /** Accept connections but forward nothing. */
  blackhole: boolean;
  /** Refuse new connections and reset open ones. */
  down: boolean;
}

export const NO_FAULTS: Readonly<Faults> = Object.freeze({
  direction: 'both',
  delayMs: 0,
  jitterMs: 0,
  drop: 0,
  dropResetMs: 1_000,
  duplicate: 0,
  reorder: 0,
  reorderHoldMs: 100,
  resetRate: 0,
  lossRate: 0,
  lossPoint: 'any',
  lossMode: 'reset',
  blackhole: false,
  down: false,
});

export interface Endpoint {
  host: string;
  port: number;
}

export interface FaultProxyOptions {
  target: Endpoint;
  /** Where the proxy listens; default 127.0.0.1 on a free port. */
  listen?: Partial<Endpoint>;
  faults?: Partial<Faults>;
  /** PRNG seed (uint32); default random, readable as `proxy.seed` to replay a run. */
  seed?: number;
}

export interface LaneStats {
  /** Chunks and bytes read from the sending side. */
  chunks: number;
  bytes: number;
  /** Writes and bytes written to the receiving side (a duplicate counts twice). */
  forwarded: number;
  bytesForwarded: number;
  dropped: number;
  duplicated: number;
  /** Chunks actually written after a later one. */
  reordered: number;
  /** Chunks swallowed by a blackhole, a stall or a lost exchange. */
  swallowed: number;
}

export interface FaultProxyStats {
  accepted: number;
  active: number;
  /** Connections refused while `down` (only those that reached the listener in the switch). */
  refused: number;
  /** Resets the proxy injected: resetRate, drop timeouts, lost exchanges, resetAll, down. */
  resets: number;
  /** Exchanges failed by `lossRate`. */
  lostExchanges: number;
  /** Connections reset because the target could not be reached. */
  targetUnreachable: number;
  /** Connections reset because one peer failed (ECONNRESET, EPIPE, …). */
  peerErrors: number;
  toTarget: LaneStats;
  toClient: LaneStats;
}

export interface FaultProxy {
  readonly host: string;
  readonly port: number;
  /** `http://host:port`, for HTTP clients. */
  readonly url: string;
  readonly seed: number;
  faults(): Faults;
  /** Changes some faults; validates them (rejects naming the bad setting) and waits for `down` to take effect. */
  setFaults(change: Partial<Faults>): Promise<void>;
  stats(): FaultProxyStats;
  /** Resets every open connection; returns how many. */
  resetAll(): number;
  /** Same as `setFaults({ down: true })`. */
  pause(): Promise<void>;
  /** Same as `setFaults({ down: false })`. */
  resume(): Promise<void>;
  /** Destroys every connection and stops listening. */
  close(): Promise<void>;
}

/** setTimeout's limit; longer timers fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;
const PROBABILITIES = ['drop', 'duplicate', 'reorder', 'resetRate', 'lossRate'] as const;
const DURATIONS = ['delayMs', 'jitterMs', 'reorderHoldMs'] as const;
const CHOICES = {
  direction: ['both', 'toTarget', 'toClient'],
  lossPoint: ['any', 'request', 'response'],
  lossMode: ['reset', 'stall'],
} as const;

/** Merges `change` into `base`, throwing a RangeError that names the first bad setting. */
export function mergeFaults(base: Faults, change: Partial<Faults>): Faults {
  if (typeof change !== 'object' || change === null) throw new TypeError('fault proxy: faults must be an object');
  for (const key of Object.keys(change)) {
    if (!(key in NO_FAULTS)) throw new RangeError(`fault proxy: unknown fault setting "${key}"`);
  }
  const next = { ...base, ...change };
  for (const key of PROBABILITIES) {
    const v = next[key];
    if (typeof v !== 'number' || !(v >= 0 && v <= 1)) {
      throw new RangeError(`fault proxy: ${key} must be a probability from 0 to 1, got ${String(v)}`);
    }
  }
  for (const key of DURATIONS) {
    const v = next[key];
    if (typeof v !== 'number' || !(v >= 0 && v <= MAX_TIMER_MS)) {
      throw new RangeError(`fault proxy: ${key} must be ms from 0 to ${MAX_TIMER_MS}, got ${String(v)}`);
    }
  }
  if (typeof next.dropResetMs !== 'number' || Number.isNaN(next.dropResetMs) || next.dropResetMs < 0) {
    throw new RangeError(`fault proxy: dropResetMs must be ms >= 0 or Infinity, got ${String(next.dropResetMs)}`);
  }
  for (const [key, allowed] of Object.entries(CHOICES)) {
    const v = next[key as keyof typeof CHOICES];
    if (!(allowed as readonly string[]).includes(v)) {
      throw new RangeError(`fault proxy: ${key} must be one of ${allowed.join(', ')}, got ${String(v)}`);
    }
  }
  for (const key of ['blackhole', 'down'] as const) {
    if (typeof next[key] !== 'boolean') {
      throw new RangeError(`fault proxy: ${key} must be true or false, got ${String(next[key])}`);
    }
  }
  return next;
}

interface Lane {
  dir: Direction;
  src: net.Socket;
  dst: net.Socket;
  queue: { data: Buffer; due: number }[];
  lastDue: number;
  held: { data: Buffer; copies: number } | undefined;
  holdTimer: NodeJS.Timeout | undefined;
  pumpTimer: NodeJS.Timeout | undefined;
  ended: boolean;
  endSent: boolean;
  waitingDrain: boolean;
}

interface Conn {
  client: net.Socket;
  target: net.Socket | undefined;
  lanes: Lane[];
  lastSpoke: Direction | undefined;
  loseResponse: boolean;
  /** Swallows everything: blackholed, or a lost exchange in stall mode. */
  stalled: boolean;
  blackholed: boolean;
  resetTimer: NodeJS.Timeout | undefined;
  dead: boolean;
}

function emptyLane(): LaneStats {
  return {
    chunks: 0,
    bytes: 0,
    forwarded: 0,
    bytesForwarded: 0,
    dropped: 0,
    duplicated: 0,
    reordered: 0,
    swallowed: 0,
  };
}

/** Resets a socket (RST) if it can, destroys it otherwise; never throws. */
function hardReset(socket: net.Socket | undefined): void {
  if (!socket || socket.destroyed) return;
  try {
    if (socket.connecting) socket.destroy();
    else socket.resetAndDestroy();
  } catch {
    socket.destroy();
  }
}

function checkEndpoint(what: string, e: Partial<Endpoint>, portMin: number): void {
  if (typeof e.host !== 'string' || e.host === '')
    throw new RangeError(`fault proxy: ${what}.host must be a host name`);
  if (!Number.isInteger(e.port) || (e.port as number) < portMin || (e.port as number) > 65_535) {
    throw new RangeError(
      `fault proxy: ${what}.port must be an integer from ${portMin} to 65535, got ${String(e.port)}`,
    );
  }
}

function listen(server: net.Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => {
      server.off('listening', onListening);
      reject(new Error(`fault proxy: cannot listen on ${host}:${port}: ${err.message}`));
    };
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}

export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  if (typeof options !== 'object' || options === null) throw new TypeError('fault proxy: options must be an object');
  const target = { ...options.target };
  checkEndpoint('target', target, 1);
  const listenAt = { host: '127.0.0.1', port: 0, ...options.listen };
  checkEndpoint('listen', listenAt, 0);
  let faults = mergeFaults({ ...NO_FAULTS }, options.faults ?? {});
  if (options.seed !== undefined && !Number.isInteger(options.seed)) {
    throw new RangeError(`fault proxy: seed must be an integer, got ${String(options.seed)}`);
  }
  const seed = (options.seed ?? Math.floor(Math.random() * 2 ** 32)) >>> 0;
  const random = createRng(seed);
  const roll = (p: number) => p > 0 && random() < p;

  const counters = {
    accepted: 0,
    refused: 0,
    resets: 0,
    lostExchanges: 0,
    targetUnreachable: 0,
    peerErrors: 0,
    toTarget: emptyLane(),
    toClient: emptyLane(),
  };
  const conns = new Set<Conn>();
  let closed = false;

  const appliesTo = (dir: Direction) => faults.direction === 'both' || faults.direction === dir;

  function kill(conn: Conn): void {
    if (conn.dead) return;
    conn.dead = true;
    conns.delete(conn);
    clearTimeout(conn.resetTimer);
    for (const lane of conn.lanes) {
      clearTimeout(lane.holdTimer);
      clearTimeout(lane.pumpTimer);
      lane.queue.length = 0;
      lane.held = undefined;
    }
    hardReset(conn.client);
    hardReset(conn.target);
  }

  function injectReset(conn: Conn): void {
    if (conn.dead) return;
    counters.resets++;
    kill(conn);
  }

  function resetLater(conn: Conn): void {
    if (conn.resetTimer || conn.dead || faults.dropResetMs > MAX_TIMER_MS) return;
    conn.resetTimer = setTimeout(() => injectReset(conn), faults.dropResetMs);
  }

  function write(lane: Lane, data: Buffer): void {
    const { src, dst } = lane;
    if (dst.destroyed || !dst.writable) return;
    const stats = counters[lane.dir];
    stats.forwarded++;
    stats.bytesForwarded += data.length;
    if (!dst.write(data) && !lane.waitingDrain) {
      lane.waitingDrain = true;
      src.pause();
      dst.once('drain', () => {
        lane.waitingDrain = false;
        src.resume();
      });
    }
  }

  function maybeEnd(lane: Lane): void {
    if (!lane.ended || lane.endSent || lane.queue.length || lane.held || lane.pumpTimer) return;
    lane.endSent = true;
    if (!lane.dst.destroyed && lane.dst.writable) lane.dst.end();
  }

  function pump(lane: Lane): void {
    if (lane.pumpTimer) return;
    for (let head = lane.queue[0]; head; head = lane.queue[0]) {
      const wait = head.due - Date.now();
      if (wait > 0) {
        lane.pumpTimer = setTimeout(() => {
          lane.pumpTimer = undefined;
          pump(lane);
        }, wait);
        return;
      }
      lane.queue.shift();
      write(lane, head.data);
    }
    maybeEnd(lane);
  }

  function enqueue(lane: Lane, data: Buffer, copies: number): void {
    let delay = 0;
    if (appliesTo(lane.dir)) delay = faults.delayMs + (faults.jitterMs > 0 ? random() * faults.jitterMs : 0);
    const due = Math.max(Date.now() + delay, lane.lastDue);
    lane.lastDue = due;
    for (let i = 0; i < copies; i++) lane.queue.push({ data, due });
    pump(lane);
  }

  function releaseHeld(lane: Lane, swapped: boolean): void {
    const held = lane.held;
    if (!held) return;
    clearTimeout(lane.holdTimer);
    lane.holdTimer = undefined;
    lane.held = undefined;
    if (swapped) counters[lane.dir].reordered++;
    enqueue(lane, held.data, held.copies);
  }

  /** The exchange rule of `lossRate`; returns true when this chunk is lost. */
  function exchangeLost(conn: Conn, dir: Direction): boolean {
    const startsExchange = dir === 'toTarget' && conn.lastSpoke !== 'toTarget';
    conn.lastSpoke = dir;
    if (startsExchange) {
      conn.loseResponse = false;
      if (!roll(faults.lossRate)) return false;
      counters.lostExchanges++;
      const point = faults.lossPoint === 'any' ? (random() < 0.5 ? 'request' : 'response') : faults.lossPoint;
      if (point === 'request') return true;
      conn.loseResponse = true;
      return false;
    }
    return dir === 'toClient' && conn.loseResponse;
  }

  function onChunk(conn: Conn, lane: Lane, chunk: Buffer): void {
    const stats = counters[lane.dir];
    stats.chunks++;
    stats.bytes += chunk.length;
    if (conn.dead) return;
    if (conn.stalled) {
      stats.swallowed++;
      return;
    }
    if (exchangeLost(conn, lane.dir)) {
      stats.swallowed++;
      if (faults.lossMode === 'reset') injectReset(conn);
      else {
        conn.stalled = true;
        resetLater(conn);
      }
      return;
    }
    if (!appliesTo(lane.dir)) {
      enqueue(lane, chunk, 1);
      return;
    }
    if (roll(faults.resetRate)) {
      injectReset(conn);
      return;
    }
    if (roll(faults.drop)) {
      stats.dropped++;
      resetLater(conn);
      return;
    }
    const copies = roll(faults.duplicate) ? 2 : 1;
    if (copies === 2) stats.duplicated++;
    if (lane.held) {
      enqueue(lane, chunk, copies);
      releaseHeld(lane, true);
      return;
    }
    if (roll(faults.reorder)) {
      lane.held = { data: chunk, copies };
      lane.holdTimer = setTimeout(() => {
        releaseHeld(lane, false);
        maybeEnd(lane);
      }, faults.reorderHoldMs);
      return;
    }
    enqueue(lane, chunk, copies);
  }

  function makeLane(dir: Direction, src: net.Socket, dst: net.Socket): Lane {
    return {
      dir,
      src,
      dst,
      queue: [],
      lastDue: 0,
      held: undefined,
      holdTimer: undefined,
      pumpTimer: undefined,
      ended: false,
      endSent: false,
      waitingDrain: false,
    };
  }

  function wire(conn: Conn, lane: Lane): void {
    lane.src.on('data', (chunk: Buffer) => onChunk(conn, lane, chunk));
    lane.src.on('end', () => {
      if (conn.dead) return;
      if (conn.stalled) {
        // A silenced connection forwards no FIN either; a client that gave up is let go.
        if (lane.dir === 'toTarget' && conn.blackholed) kill(conn);
        return;
      }
      lane.ended = true;
      releaseHeld(lane, false);
      maybeEnd(lane);
    });
  }

  function onConnection(client: net.Socket): void {
    counters.accepted++;
    client.on('error', () => {});
    if (faults.down || closed) {
      counters.refused++;
      hardReset(client);
      return;
    }
    const conn: Conn = {
      client,
      target: undefined,
      lanes: [],
      lastSpoke: undefined,
      loseResponse: false,
      stalled: false,
      blackholed: false,
      resetTimer: undefined,
      dead: false,
    };
    conns.add(conn);
    // A clean close (both halves done) lets the connection go once the other side is done too;
    // a failed one resets the other side.
    const onClose = (hadError: boolean) => {
      if (hadError || (client.destroyed && (!conn.target || conn.target.destroyed))) kill(conn);
    };
    client.on('close', onClose);
    if (faults.blackhole) {
      conn.stalled = true;
      conn.blackholed = true;
      client.on('data', (chunk: Buffer) => {
        counters.toTarget.chunks++;
        counters.toTarget.bytes += chunk.length;
        counters.toTarget.swallowed++;
      });
      client.on('end', () => kill(conn));
      return;
    }
    const upstream = net.connect({ host: target.host, port: target.port, allowHalfOpen: true });
    conn.target = upstream;
    let connected = false;
    upstream.once('connect', () => {
      connected = true;
    });
    upstream.on('error', () => {
      if (conn.dead) return;
      if (connected) counters.peerErrors++;
      else counters.targetUnreachable++;
      kill(conn);
    });
    client.on('error', () => {
      if (conn.dead) return;
      counters.peerErrors++;
      kill(conn);
    });
    upstream.on('close', onClose);
    conn.lanes = [makeLane('toTarget', client, upstream), makeLane('toClient', upstream, client)];
    for (const lane of conn.lanes) wire(conn, lane);
  }

  const server = net.createServer({ allowHalfOpen: true }, onConnection);
  server.on('error', () => {});
  await listen(server, listenAt.host, listenAt.port);
  const port = (server.address() as AddressInfo).port;
  const host = listenAt.host;

  let transition: Promise<void> = Promise.resolve();
  function closeListener(): Promise<void> {
    if (!server.listening) return Promise.resolve();
    const done = new Promise<void>((resolve) => server.close(() => resolve()));
    return done;
  }
  function resetAll(): number {
    const open = [...conns];
    for (const conn of open) injectReset(conn);
    return open.length;
  }
  function applyDown(down: boolean): Promise<void> {
    transition = transition
      .catch(() => {})
      .then(async () => {
        if (closed) return;
        if (down && server.listening) {
          const stopped = closeListener();
          resetAll();
          await stopped;
        } else if (!down && !server.listening) {
          await listen(server, host, port);
        }
      });
    return transition;
  }

  if (faults.down) await applyDown(true);

  const proxy: FaultProxy = {
    host,
    port,
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    seed,
    faults: () => ({ ...faults }),
    async setFaults(change) {
      const next = mergeFaults(faults, change);
      const wasBlackhole = faults.blackhole;
      faults = next;
      if (next.blackhole && !wasBlackhole) {
        for (const conn of conns) {
          conn.stalled = true;
          conn.blackholed = true;
        }
      } else if (!next.blackhole && wasBlackhole) {
        for (const conn of [...conns]) if (conn.blackholed) injectReset(conn);
      }
      await applyDown(next.down);
    },
    stats: () => ({
      ...counters,
      active: conns.size,
      toTarget: { ...counters.toTarget },
      toClient: { ...counters.toClient },
    }),
    resetAll,
    pause: () => proxy.setFaults({ down: true }),
    resume: () => proxy.setFaults({ down: false }),
    async close() {
      if (closed) return;
      closed = true;
      await transition.catch(() => {});
      const stopped = closeListener();
      for (const conn of [...conns]) kill(conn);
      await stopped;
    },
  };
  return proxy;
}
