import {
  type HelloRefusal,
  HelloResult,
  PersonalizationResult,
  type RecommendationsPush,
  type ScreenClientToServer,
  type ScreenHello,
  type ScreenServerToClient,
  type StoreOverview,
  type ZoneContext,
} from '@aisle/contracts';
import type { Socket } from 'socket.io-client';
import { parseServerEvent, type ServerEventName, type ServerEventPayload } from './validate';

export type ScreenSocket = Socket<ScreenServerToClient, ScreenClientToServer>;

/**
 * - `connecting`: no hello answered yet on this page
 * - `online`: connected and greeted by the gateway
 * - `offline`: the connection dropped (or never came up); socket.io keeps retrying
 * - `refused`: the gateway answered hello with `ok: false`
 */
export type ConnectionState = 'connecting' | 'online' | 'offline' | 'refused';

export interface ScreenSnapshot {
  state: ConnectionState;
  refusal: { reason: HelloRefusal; message: string } | null;
  /** What the gateway said about the store in its last accepted hello. */
  store: { storeId: string; storeName: string; zoneId: string | null } | null;
  zone: ZoneContext | null;
  recommendations: RecommendationsPush | null;
  /** Local clock (epoch ms) when `recommendations` arrived, to advance the shopper's dwell time. */
  recommendationsAt: number | null;
  overview: StoreOverview | null;
}

export const INITIAL_SNAPSHOT: ScreenSnapshot = Object.freeze({
  state: 'connecting',
  refusal: null,
  store: null,
  zone: null,
  recommendations: null,
  recommendationsAt: null,
  overview: null,
});

export interface ScreenConnectionOptions {
  /** How long to wait for the hello ack before greeting again. */
  helloTimeoutMs?: number;
  /** Delay before reconnecting when the gateway closed the connection itself. */
  retryMs?: number;
  /** Delay before greeting again after a refusal (the floor plan or the gateway may have been fixed). */
  refusedRetryMs?: number;
  now?: () => number;
  warn?: (message: string) => void;
}

/**
 * The screen side of the gateway protocol, independent of React: greets on every
 * (re)connect, tracks the connection state, and keeps the last valid content of
 * each pushed event. Invalid pushes are dropped with a warning.
 */
export class ScreenConnection {
  private snapshot: ScreenSnapshot = INITIAL_SNAPSHOT;
  private readonly listeners = new Set<() => void>();
  /** Bumped on every hello and disconnect, so a late ack of an older hello is ignored. */
  private generation = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly helloTimeoutMs: number;
  private readonly retryMs: number;
  private readonly refusedRetryMs: number;
  private readonly now: () => number;
  private readonly warn: (message: string) => void;
  private readonly offs: (() => void)[] = [];

  constructor(
    private readonly socket: ScreenSocket,
    private readonly hello: ScreenHello,
    options: ScreenConnectionOptions = {},
  ) {
    this.helloTimeoutMs = options.helloTimeoutMs ?? 10_000;
    this.retryMs = options.retryMs ?? 3_000;
    this.refusedRetryMs = options.refusedRetryMs ?? 30_000;
    this.now = options.now ?? Date.now;
    this.warn = options.warn ?? ((message) => console.warn(`[aisle] ${message}`));
  }

  getSnapshot = (): ScreenSnapshot => this.snapshot;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  start(): void {
    const s = this.socket;
    this.listen('connect', () => this.sendHello());
    this.listen('disconnect', (reason: string) => this.onDisconnect(reason));
    this.listen('connect_error', () => this.onConnectError());
    this.listen('zoneContext', (payload: unknown) => {
      const zone = this.validate('zoneContext', payload);
      if (zone) this.update({ zone });
    });
    this.listen('recommendations', (payload: unknown) => {
      const recommendations = this.validate('recommendations', payload);
      if (recommendations) this.update({ recommendations, recommendationsAt: this.now() });
    });
    this.listen('storeOverview', (payload: unknown) => {
      const overview = this.validate('storeOverview', payload);
      if (overview) this.update({ overview });
    });
    if (s.connected) this.sendHello();
    else s.connect();
  }

  /**
   * Switches personalization on or off for the shopper in front of this screen. Resolves with the gateway's
   * answer, or with `ok: false` when it does not answer in time or answers something invalid; never rejects.
   */
  setPersonalization(on: boolean, timeoutMs = 5_000): Promise<PersonalizationResult> {
    return new Promise((resolve) => {
      this.socket.timeout(timeoutMs).emit('personalization', { on }, (err: Error | null, raw: unknown) => {
        if (err) return resolve({ ok: false, message: 'the store did not answer' });
        const parsed = PersonalizationResult.safeParse(raw);
        resolve(parsed.success ? parsed.data : { ok: false, message: 'the store sent an invalid answer' });
      });
    });
  }

  stop(): void {
    clearTimeout(this.retryTimer);
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

  private sendHello(): void {
    clearTimeout(this.retryTimer);
    const generation = ++this.generation;
    this.socket.timeout(this.helloTimeoutMs).emit('hello', this.hello, (err: Error | null, raw: unknown) => {
      if (generation !== this.generation) return;
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
        });
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
    if (this.snapshot.state !== 'refused') this.update({ state: 'offline' });
    if (reason === 'io server disconnect') {
      // socket.io does not reconnect by itself when the server closed the connection.
      const delay = this.snapshot.state === 'refused' ? this.refusedRetryMs : this.retryMs;
      this.schedule(delay, () => this.retry());
    }
  }

  private onConnectError(): void {
    if (this.snapshot.state !== 'refused') this.update({ state: 'offline' });
    // A connection refused by server middleware is not retried by socket.io.
    if (!this.socket.active) this.schedule(this.retryMs, () => this.retry());
  }

  /** The payload if it matches the event's contract schema; otherwise null, with a warning (the last good content stays). */
  private validate<E extends ServerEventName>(event: E, payload: unknown): ServerEventPayload<E> | null {
    const parsed = parseServerEvent(event, payload);
    if (parsed.ok) return parsed.value;
    this.warn(`ignoring invalid "${event}" from the gateway: ${parsed.error}`);
    return null;
  }
}
