import {
  type ConnectRefusal,
  Delivery,
  type HandoverStatus,
  type HelloRefusal,
  HelloResult,
  type MirrorGarment,
  type PersonalizationResult,
  type RecommendationsPush,
  type ScreenClientToServer,
  type ScreenHello,
  type ScreenRequestName,
  type ScreenRequestOf,
  type ScreenResultOf,
  type ScreenServerToClient,
  type StaffAlert,
  type StaffRequest,
  type StoreOverview,
  screenRequests,
  type ZoneContext,
} from '@aisle/contracts';
import type { Socket } from 'socket.io-client';
import { parseServerEvent, SERVER_EVENTS, type ServerEventName, type ServerEventPayload } from './validate';

export type ScreenSocket = Socket<ScreenServerToClient, ScreenClientToServer>;

/**
 * - `connecting`: no hello answered yet on this page
 * - `online`: connected and greeted by the gateway
 * - `offline`: the connection dropped (or never came up); socket.io keeps retrying
 * - `refused`: the gateway refused the device token or the hello (or the screen does not know its store)
 */
export type ConnectionState = 'connecting' | 'online' | 'offline' | 'refused';

/** Why a screen cannot connect: the gateway's hello or connection refusal, or `missingStore` (decided locally). */
export type ScreenRefusal = HelloRefusal | ConnectRefusal | 'missingStore';

/** Requests a screen may send (everything but hello). */
export type ScreenRequest = Exclude<ScreenRequestName, 'hello'>;

/** Most staff requests and alerts a screen keeps. */
export const MAX_STAFF_REQUESTS = 50;
export const MAX_ALERTS = 20;
/** Most sequence numbers kept in the debug record (`window.__aisleScreen.seqs`). */
export const MAX_DEBUG_SEQS = 5_000;

export interface ScreenSnapshot {
  state: ConnectionState;
  refusal: { reason: ScreenRefusal; message: string } | null;
  /** What the gateway said about the store in its last accepted hello. */
  store: { storeId: string; storeName: string; zoneId: string | null } | null;
  zone: ZoneContext | null;
  recommendations: RecommendationsPush | null;
  /** Local clock (epoch ms) when `recommendations` arrived, to advance the shopper's dwell time. */
  recommendationsAt: number | null;
  overview: StoreOverview | null;
  /** The garment the mirror's reader read last. */
  garment: MirrorGarment | null;
  /** The latest state of each staff request, newest first. */
  staffRequests: StaffRequest[];
  /** Staff alerts, newest first. */
  alerts: StaffAlert[];
  /** What became of the kiosk's last hand-over to a till. */
  handover: HandoverStatus | null;
  /** Sequence number of the last message processed. */
  lastSeq: number;
  /** Gaps seen in the sequence outside a replay (each answered by greeting again to be replayed the rest). */
  seqGaps: number;
}

export const INITIAL_SNAPSHOT: ScreenSnapshot = Object.freeze({
  state: 'connecting',
  refusal: null,
  store: null,
  zone: null,
  recommendations: null,
  recommendationsAt: null,
  overview: null,
  garment: null,
  staffRequests: [],
  alerts: [],
  handover: null,
  lastSeq: 0,
  seqGaps: 0,
});

/** Where a screen keeps the last sequence number it processed, so a reload resumes (localStorage in browsers). */
export interface SeqStore {
  load(): number;
  save(seq: number): void;
}

/** What tests read on the page (`window.__aisleScreen`): every processed sequence number, in order. */
export interface ScreenDebug {
  lastSeq: number;
  seqs: number[];
  gaps: number;
}

export interface ScreenConnectionOptions {
  /** How long to wait for the hello ack before greeting again. */
  helloTimeoutMs?: number;
  /** Delay before reconnecting when the gateway closed the connection itself. */
  retryMs?: number;
  /** Delay before greeting again after a refusal (the floor plan or the gateway may have been fixed). */
  refusedRetryMs?: number;
  /** At most one `ack` per this many ms. */
  ackEveryMs?: number;
  /** Keeps `lastSeq` across page loads (saved on every message); in memory only when absent. */
  seqStore?: SeqStore;
  now?: () => number;
  warn?: (message: string) => void;
}

/** The hello a screen says, without the sequence number, which the connection fills in. */
export type ScreenGreeting = Omit<ScreenHello, 'lastSeq' | 'storeId'> & { storeId: string | null };

const CONNECT_REFUSALS: ReadonlySet<string> = new Set<ConnectRefusal>(['missingToken', 'invalidToken']);

/** The `{ ok: false }` answer of a request, in the shape of that request's result. */
function failure<E extends ScreenRequest>(event: E, message: string): ScreenResultOf<E> {
  if (event === 'identify' || event === 'staffLogin')
    return { ok: false, reason: 'invalid', message } as ScreenResultOf<E>;
  return { ok: false, message } as ScreenResultOf<E>;
}

/**
 * The screen side of the gateway protocol, independent of React: greets on every (re)connect with the last
 * sequence number it processed, tracks the connection state, keeps the last valid content of each pushed event,
 * drops duplicates, greets again on a gap (to be replayed what is missing), and acknowledges what it processed.
 * Invalid pushes are dropped with a warning.
 */
export class ScreenConnection {
  private snapshot: ScreenSnapshot;
  private readonly listeners = new Set<() => void>();
  /** Bumped on every hello and disconnect, so a late ack of an older hello is ignored. */
  private generation = 0;
  /** A hello is on its way: messages beyond the next one wait for its replay. */
  private greeting = false;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private ackTimer: ReturnType<typeof setTimeout> | undefined;
  private acked = 0;
  private readonly helloTimeoutMs: number;
  private readonly retryMs: number;
  private readonly refusedRetryMs: number;
  private readonly ackEveryMs: number;
  private readonly now: () => number;
  private readonly warn: (message: string) => void;
  private readonly offs: (() => void)[] = [];
  /** Read by end-to-end tests through `window.__aisleScreen`. */
  readonly debug: ScreenDebug;

  constructor(
    private readonly socket: ScreenSocket,
    private readonly greetingMsg: ScreenGreeting,
    private readonly options: ScreenConnectionOptions = {},
  ) {
    this.helloTimeoutMs = options.helloTimeoutMs ?? 10_000;
    this.retryMs = options.retryMs ?? 3_000;
    this.refusedRetryMs = options.refusedRetryMs ?? 30_000;
    this.ackEveryMs = options.ackEveryMs ?? 250;
    this.now = options.now ?? Date.now;
    this.warn = options.warn ?? ((message) => console.warn(`[aisle] ${message}`));
    const lastSeq = Math.max(0, Math.floor(options.seqStore?.load() ?? 0)) || 0;
    this.acked = lastSeq;
    this.snapshot = { ...INITIAL_SNAPSHOT, lastSeq };
    this.debug = { lastSeq, seqs: [], gaps: 0 };
  }

  getSnapshot = (): ScreenSnapshot => this.snapshot;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  start(): void {
    const s = this.socket;
    if (!this.greetingMsg.storeId) {
      // the hello must name the store, and nothing told this screen which one it stands in
      this.update({
        state: 'refused',
        refusal: { reason: 'missingStore', message: 'open this screen with ?store=<storeId>&token=<token>' },
      });
      return;
    }
    this.listen('connect', () => this.sendHello());
    this.listen('disconnect', (reason: string) => this.onDisconnect(reason));
    this.listen('connect_error', (err: Error) => this.onConnectError(err));
    for (const event of SERVER_EVENTS)
      this.listen(event, (payload: unknown, delivery: unknown) => this.onMessage(event, payload, delivery));
    if (s.connected) this.sendHello();
    else s.connect();
  }

  /**
   * Sends a request and resolves with the gateway's answer, checked against the request's result schema; a
   * timeout, an invalid answer or no connection resolve with `ok: false`. Never rejects.
   */
  request<E extends ScreenRequest>(
    event: E,
    payload: ScreenRequestOf<E>,
    timeoutMs = 5_000,
  ): Promise<ScreenResultOf<E>> {
    if (this.snapshot.state !== 'online') return Promise.resolve(failure(event, 'not connected to the store'));
    return new Promise((resolve) => {
      // the typed `emit` cannot take an event name that is a type parameter; keep it a method call (it needs `this`)
      const timed = this.socket.timeout(timeoutMs) as unknown as {
        emit(event: string, payload: unknown, ack: (err: Error | null, raw: unknown) => void): void;
      };
      timed.emit(event, payload, (err, raw) => {
        if (err) return resolve(failure(event, 'the store did not answer'));
        const parsed = screenRequests[event].result.safeParse(raw);
        if (parsed.success) return resolve(parsed.data as ScreenResultOf<E>);
        this.warn(`ignoring an invalid answer to "${event}": ${parsed.error.issues[0]?.message ?? ''}`);
        resolve(failure(event, 'the store sent an invalid answer'));
      });
    });
  }

  /**
   * Switches personalization on or off for the shopper in front of this screen. Resolves with the gateway's
   * answer, or with `ok: false` when it does not answer in time or answers something invalid; never rejects.
   */
  setPersonalization(on: boolean, timeoutMs = 5_000): Promise<PersonalizationResult> {
    return this.request('personalization', { on }, timeoutMs);
  }

  /** Forgets what was shown for one shopper (cards, garment, hand-over): the kiosk's reset after inactivity. */
  clearScreen(): void {
    this.update({ recommendations: null, recommendationsAt: null, garment: null, handover: null });
  }

  stop(): void {
    clearTimeout(this.retryTimer);
    this.flushAck();
    for (const off of this.offs.splice(0)) off();
    this.generation++;
    this.socket.disconnect();
    this.listeners.clear();
  }

  private listen(event: string, handler: (...args: never[]) => void): void {
    // The socket's typed `on` cannot take a union of event names; every handler here treats its arguments as unknown.
    const s = this.socket as unknown as {
      on(event: string, fn: (...args: never[]) => void): void;
      off(event: string, fn: (...args: never[]) => void): void;
    };
    s.on(event, handler);
    this.offs.push(() => s.off(event, handler));
  }

  private update(patch: Partial<ScreenSnapshot>): void {
    this.snapshot = { ...this.snapshot, ...patch };
    for (const listener of this.listeners) listener();
  }

  private onMessage(event: ServerEventName, payload: unknown, rawDelivery: unknown): void {
    const delivery = Delivery.safeParse(rawDelivery);
    if (!delivery.success) {
      this.warn(`ignoring "${event}" without a valid sequence number`);
      return;
    }
    const { seq } = delivery.data;
    const last = this.snapshot.lastSeq;
    if (seq <= last) return; // a duplicate (replayed after a message that was live)
    if (seq > last + 1) {
      // a gap: greet again, and the gateway replays from `last`, this message included
      if (!this.greeting) {
        this.warn(`messages ${last + 1}–${seq - 1} are missing; asking the gateway to replay them`);
        this.debug.gaps++;
        this.update({ seqGaps: this.snapshot.seqGaps + 1 });
        this.sendHello();
      }
      return;
    }
    this.debug.lastSeq = seq;
    this.debug.seqs.push(seq);
    if (this.debug.seqs.length > MAX_DEBUG_SEQS) this.debug.seqs.splice(0, this.debug.seqs.length - MAX_DEBUG_SEQS);
    this.update({ lastSeq: seq, ...this.apply(event, payload) });
    // remembered at once, so a reload right after resumes here (the ack to the gateway can wait)
    this.options.seqStore?.save(seq);
    this.scheduleAck();
  }

  /** What a valid message changes in the snapshot (nothing for an invalid one: the last good content stays). */
  private apply(event: ServerEventName, payload: unknown): Partial<ScreenSnapshot> {
    const parsed = parseServerEvent(event, payload);
    if (!parsed.ok) {
      this.warn(`ignoring invalid "${event}" from the gateway: ${parsed.error}`);
      return {};
    }
    const v = parsed.value as ServerEventPayload<ServerEventName>;
    switch (event) {
      case 'zoneContext':
        return { zone: v as ZoneContext };
      case 'recommendations':
        return { recommendations: v as RecommendationsPush, recommendationsAt: this.now() };
      case 'storeOverview':
        return { overview: v as StoreOverview };
      case 'mirrorGarment':
        return { garment: v as MirrorGarment };
      case 'handoverStatus':
        return { handover: v as HandoverStatus };
      case 'staffRequest': {
        const req = v as StaffRequest;
        const rest = this.snapshot.staffRequests.filter((r) => r.requestId !== req.requestId);
        return { staffRequests: [req, ...rest].slice(0, MAX_STAFF_REQUESTS) };
      }
      case 'staffAlert': {
        const alert = v as StaffAlert;
        const rest = this.snapshot.alerts.filter((a) => a.alertId !== alert.alertId);
        return { alerts: [alert, ...rest].slice(0, MAX_ALERTS) };
      }
    }
    return {};
  }

  private scheduleAck(): void {
    if (this.ackTimer) return;
    this.ackTimer = setTimeout(() => this.flushAck(), this.ackEveryMs);
  }

  private flushAck(): void {
    clearTimeout(this.ackTimer);
    this.ackTimer = undefined;
    const seq = this.snapshot.lastSeq;
    if (seq === this.acked) return;
    this.acked = seq;
    if (this.socket.connected) this.socket.emit('ack', { seq });
  }

  private sendHello(): void {
    clearTimeout(this.retryTimer);
    const generation = ++this.generation;
    this.greeting = true;
    const hello: ScreenHello = {
      ...this.greetingMsg,
      storeId: this.greetingMsg.storeId ?? '',
      lastSeq: this.snapshot.lastSeq,
    };
    this.socket.timeout(this.helloTimeoutMs).emit('hello', hello, (err: Error | null, raw: unknown) => {
      if (generation !== this.generation) return;
      this.greeting = false;
      if (err) {
        this.warn(`no answer to hello within ${this.helloTimeoutMs} ms; greeting again`);
        this.schedule(0, () => this.retry());
        return;
      }
      const parsed = HelloResult.safeParse(raw);
      if (!parsed.success) {
        this.warn(`ignoring an invalid hello answer: ${parsed.error.issues[0]?.message ?? 'unknown shape'}`);
        this.schedule(this.retryMs, () => this.retry());
        return;
      }
      const result = parsed.data;
      if (result.ok) {
        this.update({
          state: 'online',
          refusal: null,
          store: { storeId: result.storeId, storeName: result.storeName, zoneId: result.zoneId ?? null },
          // the messages after ours are gone (or the gateway is behind us): count on from the gateway's number
          ...(result.resync && { lastSeq: result.lastSeq }),
        });
        if (result.resync) {
          this.debug.lastSeq = result.lastSeq;
          this.options.seqStore?.save(result.lastSeq);
        }
      } else {
        this.warn(`gateway refused this screen (${result.reason}): ${result.message}`);
        this.update({ state: 'refused', refusal: { reason: result.reason, message: result.message } });
        this.schedule(this.refusedRetryMs, () => this.retry());
      }
    });
  }

  /** Greets again if still connected, otherwise reconnects (which greets on `connect`). */
  private retry(): void {
    if (this.socket.connected) this.sendHello();
    else this.socket.connect();
  }

  private schedule(ms: number, fn: () => void): void {
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(fn, ms);
  }

  private onDisconnect(reason: string): void {
    this.generation++;
    this.greeting = false;
    if (this.snapshot.state !== 'refused') this.update({ state: 'offline' });
    if (reason === 'io server disconnect') {
      // socket.io does not reconnect by itself when the server closed the connection.
      const delay = this.snapshot.state === 'refused' ? this.refusedRetryMs : this.retryMs;
      this.schedule(delay, () => this.retry());
    }
  }

  private onConnectError(err: Error | undefined): void {
    const message = err?.message ?? '';
    if (CONNECT_REFUSALS.has(message)) {
      // the gateway's middleware refused the device token: socket.io does not retry by itself
      this.warn(`gateway refused this screen's device token (${message})`);
      this.update({
        state: 'refused',
        refusal: { reason: message as ConnectRefusal, message: 'pair this screen and open it with its ?token=' },
      });
      this.schedule(this.refusedRetryMs, () => this.retry());
      return;
    }
    if (this.snapshot.state !== 'refused') this.update({ state: 'offline' });
    // A connection refused by server middleware is not retried by socket.io.
    if (!this.socket.active) this.schedule(this.retryMs, () => this.retry());
  }
}
