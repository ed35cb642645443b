import { type HelloResult, PROTOCOL_VERSION, type ScreenHello, schemaExamples } from '@aisle/contracts';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ScreenConnection, type ScreenSocket } from './ScreenConnection';

type Handler = (...args: unknown[]) => void;
type Ack = (err: Error | null, result?: unknown) => void;

/** Just enough of a socket.io client socket, driven by the test as if it were the gateway. */
class FakeSocket {
  connected = false;
  active = true;
  connectCalls = 0;
  disconnectCalls = 0;
  readonly hellos: { msg: ScreenHello; ack: Ack; timeoutMs: number }[] = [];
  readonly requests: { event: string; msg: unknown; ack: Ack }[] = [];
  private readonly handlers = new Map<string, Set<Handler>>();

  on(event: string, fn: Handler) {
    if (!this.handlers.has(event)) this.handlers.set(event, new Set());
    this.handlers.get(event)!.add(fn);
    return this;
  }
  off(event: string, fn: Handler) {
    this.handlers.get(event)?.delete(fn);
    return this;
  }
  connect() {
    this.connectCalls++;
    return this;
  }
  disconnect() {
    this.disconnectCalls++;
    this.connected = false;
    return this;
  }
  timeout(timeoutMs: number) {
    return {
      emit: (event: string, msg: ScreenHello, ack: Ack) => {
        if (event === 'hello') this.hellos.push({ msg, ack, timeoutMs });
        else this.requests.push({ event, msg, ack });
      },
    };
  }

  listenerCount() {
    return [...this.handlers.values()].reduce((n, set) => n + set.size, 0);
  }
  fire(event: string, ...args: unknown[]) {
    for (const fn of this.handlers.get(event) ?? []) fn(...args);
  }
  up() {
    this.connected = true;
    this.fire('connect');
  }
  down(reason = 'transport close') {
    this.connected = false;
    this.fire('disconnect', reason);
  }
  answerLastHello(result: HelloResult | unknown) {
    this.hellos.at(-1)!.ack(null, result);
  }
}

const hello: ScreenHello = { protocolVersion: PROTOCOL_VERSION, screenId: 'kiosk-1', kind: 'kiosk' };
const okResult: HelloResult = { ok: true, storeId: 'seoul-01', storeName: 'Aisle Seoul Gangnam', zoneId: 'beauty' };
const recs = schemaExamples.RecommendationsPush.example;
const zone = schemaExamples.ZoneContext.example;
const overview = schemaExamples.StoreOverview.example;

let socket: FakeSocket;
let warnings: string[];
let conn: ScreenConnection;

beforeEach(() => {
  vi.useFakeTimers();
  socket = new FakeSocket();
  warnings = [];
  conn = new ScreenConnection(socket as unknown as ScreenSocket, hello, {
    helloTimeoutMs: 1000,
    retryMs: 500,
    refusedRetryMs: 5000,
    now: () => 42,
    warn: (message) => warnings.push(message),
  });
});

afterEach(() => {
  vi.useRealTimers();
});

describe('ScreenConnection', () => {
  it('connects, greets with hello and goes online on ok', () => {
    conn.start();
    expect(socket.connectCalls).toBe(1);
    expect(conn.getSnapshot().state).toBe('connecting');
    socket.up();
    expect(socket.hellos).toHaveLength(1);
    expect(socket.hellos[0]!.msg).toEqual({ protocolVersion: PROTOCOL_VERSION, screenId: 'kiosk-1', kind: 'kiosk' });
    socket.answerLastHello(okResult);
    expect(conn.getSnapshot()).toMatchObject({
      state: 'online',
      refusal: null,
      store: { storeId: 'seoul-01', storeName: 'Aisle Seoul Gangnam', zoneId: 'beauty' },
    });
  });

  it('greets at once when the socket is already connected', () => {
    socket.connected = true;
    conn.start();
    expect(socket.connectCalls).toBe(0);
    expect(socket.hellos).toHaveLength(1);
  });

  it('keeps pushed content and notifies subscribers', () => {
    const seen: string[] = [];
    conn.subscribe(() => seen.push(conn.getSnapshot().state));
    conn.start();
    socket.up();
    socket.answerLastHello(okResult);
    socket.fire('zoneContext', zone);
    socket.fire('recommendations', recs);
    socket.fire('storeOverview', overview);
    expect(conn.getSnapshot()).toMatchObject({ zone, recommendations: recs, recommendationsAt: 42, overview });
    expect(seen).toEqual(['online', 'online', 'online', 'online']);
  });

  it('ignores invalid pushes with a warning and keeps the last good content', () => {
    conn.start();
    socket.up();
    socket.answerLastHello(okResult);
    socket.fire('recommendations', recs);
    socket.fire('recommendations', { ...recs, items: [{ itemId: 'x' }] });
    socket.fire('zoneContext', { zoneId: 'beauty' });
    expect(conn.getSnapshot().recommendations).toEqual(recs);
    expect(conn.getSnapshot().zone).toBeNull();
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toContain('ignoring invalid "recommendations"');
  });

  it('shows the refusal reason and greets again later', () => {
    conn.start();
    socket.up();
    socket.answerLastHello({ ok: false, reason: 'unknownScreen', message: 'no kiosk "kiosk-1" in this store' });
    expect(conn.getSnapshot()).toMatchObject({
      state: 'refused',
      refusal: { reason: 'unknownScreen', message: 'no kiosk "kiosk-1" in this store' },
    });
    // Losing the connection does not hide the refusal.
    socket.down();
    expect(conn.getSnapshot().state).toBe('refused');
    socket.up();
    expect(socket.hellos).toHaveLength(2);
    socket.answerLastHello(okResult);
    expect(conn.getSnapshot()).toMatchObject({ state: 'online', refusal: null });
  });

  it('retries a refused hello after refusedRetryMs while still connected', () => {
    conn.start();
    socket.up();
    socket.answerLastHello({ ok: false, reason: 'clientTooOld', message: 'gateway speaks protocol 2' });
    vi.advanceTimersByTime(4999);
    expect(socket.hellos).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(socket.hellos).toHaveLength(2);
  });

  it('goes offline on disconnect, keeps content, and greets again on reconnect', () => {
    conn.start();
    socket.up();
    socket.answerLastHello(okResult);
    socket.fire('recommendations', recs);
    socket.down();
    expect(conn.getSnapshot()).toMatchObject({ state: 'offline', recommendations: recs });
    socket.up();
    expect(socket.hellos).toHaveLength(2);
    expect(conn.getSnapshot().state).toBe('offline');
    socket.answerLastHello(okResult);
    expect(conn.getSnapshot().state).toBe('online');
  });

  it('ignores the answer to a hello sent on an earlier connection', () => {
    conn.start();
    socket.up();
    const first = socket.hellos[0]!;
    socket.down();
    socket.up();
    first.ack(null, okResult);
    expect(conn.getSnapshot().state).toBe('offline');
    socket.answerLastHello(okResult);
    expect(conn.getSnapshot().state).toBe('online');
  });

  it('greets again when the hello is not acknowledged or the answer is invalid', () => {
    conn.start();
    socket.up();
    expect(socket.hellos[0]!.timeoutMs).toBe(1000);
    socket.hellos[0]!.ack(new Error('operation has timed out'));
    vi.advanceTimersByTime(0);
    expect(socket.hellos).toHaveLength(2);
    socket.answerLastHello({ ok: 'yes' });
    expect(conn.getSnapshot().state).toBe('connecting');
    vi.advanceTimersByTime(500);
    expect(socket.hellos).toHaveLength(3);
    expect(warnings).toHaveLength(2);
  });

  it('reconnects itself when the gateway closed the connection', () => {
    conn.start();
    socket.up();
    socket.answerLastHello(okResult);
    socket.down('io server disconnect');
    expect(socket.connectCalls).toBe(1);
    vi.advanceTimersByTime(500);
    expect(socket.connectCalls).toBe(2);
  });

  it('goes offline when the gateway cannot be reached', () => {
    conn.start();
    socket.fire('connect_error', new Error('xhr poll error'));
    expect(conn.getSnapshot().state).toBe('offline');
    // socket.io retries by itself while the socket is active
    vi.advanceTimersByTime(10_000);
    expect(socket.connectCalls).toBe(1);
    socket.active = false;
    socket.fire('connect_error', new Error('refused by middleware'));
    vi.advanceTimersByTime(500);
    expect(socket.connectCalls).toBe(2);
  });

  it('switches personalization and reports the answer, a timeout or an invalid answer without rejecting', async () => {
    conn.start();
    const answered = conn.setPersonalization(false);
    expect(socket.requests.at(-1)).toMatchObject({ event: 'personalization', msg: { on: false } });
    socket.requests.at(-1)!.ack(null, { ok: true, personalized: false, shopper: '4b1e' });
    expect(await answered).toEqual({ ok: true, personalized: false, shopper: '4b1e' });
    const timedOut = conn.setPersonalization(true);
    socket.requests.at(-1)!.ack(new Error('operation has timed out'));
    expect(await timedOut).toEqual({ ok: false, message: 'the store did not answer' });
    const invalid = conn.setPersonalization(true);
    socket.requests.at(-1)!.ack(null, { ok: 'sure' });
    expect(await invalid).toMatchObject({ ok: false });
  });

  it('stop() removes its listeners and disconnects', () => {
    conn.start();
    expect(socket.listenerCount()).toBe(6);
    conn.stop();
    expect(socket.listenerCount()).toBe(0);
    expect(socket.disconnectCalls).toBe(1);
  });
});
