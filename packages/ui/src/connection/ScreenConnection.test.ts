import { type HelloResult, PROTOCOL_VERSION, type ScreenHello, schemaExamples } from '@aisle/contracts';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ScreenConnection, type ScreenGreeting, type ScreenSocket } from './ScreenConnection';

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
  readonly acks: unknown[] = [];
  emit(event: string, msg: unknown) {
    if (event === 'ack') this.acks.push(msg);
    return this;
  }
  timeout(timeoutMs: number) {
    // like socket.io's, `emit` is a method that needs its `this`: calling it detached must fail here too
    const socket = this;
    return {
      timeoutMs,
      emit(this: { timeoutMs: number }, event: string, msg: ScreenHello, ack: Ack) {
        const ms = this.timeoutMs;
        if (event === 'hello') socket.hellos.push({ msg, ack, timeoutMs: ms });
        else socket.requests.push({ event, msg, ack });
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

const hello: ScreenGreeting = {
  protocolVersion: PROTOCOL_VERSION,
  screenId: 'kiosk-1',
  kind: 'kiosk',
  storeId: 'seoul-01',
};
const okResult: HelloResult = {
  ok: true,
  storeId: 'seoul-01',
  storeName: 'Aisle Seoul Gangnam',
  zoneId: 'beauty',
  lastSeq: 0,
  replaying: 0,
  resync: false,
};
const recs = schemaExamples.RecommendationsPush.example;
const zone = schemaExamples.ZoneContext.example;
const overview = schemaExamples.StoreOverview.example;

let socket: FakeSocket;
let warnings: string[];
let conn: ScreenConnection;
let seq: number;
/** The gateway sends the next message of this screen's sequence. */
const push = (event: string, payload: unknown, at = ++seq) => socket.fire(event, payload, { seq: at, sentAt: 1 });

beforeEach(() => {
  vi.useFakeTimers();
  socket = new FakeSocket();
  warnings = [];
  seq = 0;
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
    expect(socket.hellos[0]!.msg).toEqual({
      protocolVersion: PROTOCOL_VERSION,
      screenId: 'kiosk-1',
      kind: 'kiosk',
      storeId: 'seoul-01',
      lastSeq: 0,
    } satisfies ScreenHello);
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
    push('zoneContext', zone);
    push('recommendations', recs);
    push('storeOverview', overview);
    expect(conn.getSnapshot()).toMatchObject({ zone, recommendations: recs, recommendationsAt: 42, overview });
    expect(seen).toEqual(['online', 'online', 'online', 'online']);
  });

  it('ignores invalid pushes with a warning and keeps the last good content', () => {
    conn.start();
    socket.up();
    socket.answerLastHello(okResult);
    push('recommendations', recs);
    push('recommendations', { ...recs, items: [{ itemId: 'x' }] });
    push('zoneContext', { zoneId: 'beauty' });
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
    push('recommendations', recs);
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
    socket.up();
    socket.answerLastHello(okResult);
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
    expect(socket.listenerCount()).toBe(10);
    conn.stop();
    expect(socket.listenerCount()).toBe(0);
    expect(socket.disconnectCalls).toBe(1);
  });
});

describe('ScreenConnection sequence numbers', () => {
  const online = (result: Partial<HelloResult> = {}) => {
    socket.up();
    socket.answerLastHello({ ...okResult, ...result });
  };

  it('drops duplicates, counts a gap and greets again with the last processed number to be replayed the rest', () => {
    conn.start();
    online();
    push('zoneContext', { ...zone, shoppers: 1 }, 1);
    push('zoneContext', { ...zone, shoppers: 2 }, 2);
    push('zoneContext', { ...zone, shoppers: 1 }, 1); // a duplicate
    expect(conn.getSnapshot()).toMatchObject({ lastSeq: 2, seqGaps: 0, zone: { shoppers: 2 } });
    push('zoneContext', { ...zone, shoppers: 5 }, 5); // 3 and 4 are missing
    expect(conn.getSnapshot()).toMatchObject({ lastSeq: 2, seqGaps: 1, zone: { shoppers: 2 } });
    expect(socket.hellos.at(-1)!.msg.lastSeq).toBe(2);
    push('zoneContext', { ...zone, shoppers: 6 }, 6); // still waiting for the replay: no second gap
    expect(conn.getSnapshot().seqGaps).toBe(1);
    socket.answerLastHello({ ...okResult, lastSeq: 6, replaying: 4 });
    for (const n of [3, 4, 5, 6]) push('zoneContext', { ...zone, shoppers: n }, n);
    expect(conn.getSnapshot()).toMatchObject({ lastSeq: 6, seqGaps: 1, zone: { shoppers: 6 } });
    expect(conn.debug).toEqual({ lastSeq: 6, seqs: [1, 2, 3, 4, 5, 6], gaps: 1 });
  });

  it('says hello with the last number after a reconnect, and counts on from the gateway after a resync', () => {
    conn.start();
    online();
    push('zoneContext', zone, 1);
    push('zoneContext', zone, 2);
    socket.down();
    socket.up();
    expect(socket.hellos.at(-1)!.msg.lastSeq).toBe(2);
    socket.answerLastHello({ ...okResult, lastSeq: 40, resync: true });
    expect(conn.getSnapshot().lastSeq).toBe(40);
    push('recommendations', recs, 41);
    expect(conn.getSnapshot()).toMatchObject({ lastSeq: 41, seqGaps: 0, recommendations: recs });
  });

  it('acknowledges at most every ackEveryMs, remembers the number, and resumes from it on the next page load', () => {
    const saved: number[] = [];
    const store = { load: () => saved.at(-1) ?? 0, save: (n: number) => saved.push(n) };
    conn = new ScreenConnection(socket as unknown as ScreenSocket, hello, { seqStore: store, ackEveryMs: 250 });
    conn.start();
    online();
    for (let n = 1; n <= 5; n++) push('zoneContext', zone, n);
    expect(socket.acks).toEqual([]);
    vi.advanceTimersByTime(250);
    expect(socket.acks).toEqual([{ seq: 5 }]);
    expect(saved).toEqual([1, 2, 3, 4, 5]);
    vi.advanceTimersByTime(1_000);
    expect(socket.acks).toHaveLength(1);
    conn.stop();
    const next = new FakeSocket();
    const reloaded = new ScreenConnection(next as unknown as ScreenSocket, hello, { seqStore: store });
    reloaded.start();
    next.up();
    expect(next.hellos[0]!.msg.lastSeq).toBe(5);
  });

  it('ignores a message without a valid delivery', () => {
    conn.start();
    online();
    socket.fire('zoneContext', zone);
    socket.fire('zoneContext', zone, { seq: 0, sentAt: 1 });
    expect(conn.getSnapshot()).toMatchObject({ lastSeq: 0, zone: null });
    expect(warnings).toHaveLength(2);
  });
});

describe('ScreenConnection refusals, content and requests', () => {
  it('shows a refused device token, and does not connect at all without a store', () => {
    conn.start();
    socket.active = false;
    socket.fire('connect_error', new Error('invalidToken'));
    expect(conn.getSnapshot()).toMatchObject({ state: 'refused', refusal: { reason: 'invalidToken' } });
    vi.advanceTimersByTime(5_000);
    expect(socket.connectCalls).toBe(2);
    const lost = new FakeSocket();
    const nowhere = new ScreenConnection(lost as unknown as ScreenSocket, { ...hello, storeId: null });
    nowhere.start();
    expect(nowhere.getSnapshot()).toMatchObject({ state: 'refused', refusal: { reason: 'missingStore' } });
    expect(lost.connectCalls).toBe(0);
  });

  it('keeps the garment, hand-over, staff requests (latest per request) and alerts, and clears shopper content', () => {
    conn.start();
    socket.up();
    socket.answerLastHello(okResult);
    const req = schemaExamples.StaffRequest.example;
    const alert = schemaExamples.StaffAlert.example;
    push('recommendations', recs);
    push('mirrorGarment', schemaExamples.MirrorGarment.example);
    push('handoverStatus', schemaExamples.HandoverStatus.example);
    push('staffRequest', req);
    push('staffRequest', { ...req, requestId: 'req-2' });
    push('staffRequest', { ...req, status: 'done' });
    for (let i = 0; i < 25; i++) push('staffAlert', { ...alert, alertId: `alert-${i}` });
    const snap = conn.getSnapshot();
    expect(snap.garment).toEqual(schemaExamples.MirrorGarment.example);
    expect(snap.handover).toEqual(schemaExamples.HandoverStatus.example);
    expect(snap.staffRequests.map((r) => [r.requestId, r.status])).toEqual([
      [req.requestId, 'done'],
      ['req-2', req.status],
    ]);
    expect(snap.alerts).toHaveLength(20);
    expect(snap.alerts[0]!.alertId).toBe('alert-24');
    conn.clearScreen();
    expect(conn.getSnapshot()).toMatchObject({ recommendations: null, garment: null, handover: null });
    expect(conn.getSnapshot().alerts).toHaveLength(20);
  });

  it('sends any request and checks the answer against its result schema, never rejecting', async () => {
    conn.start();
    expect(await conn.request('staffLogin', { pin: '1234' })).toMatchObject({ ok: false, reason: 'invalid' });
    socket.up();
    socket.answerLastHello(okResult);
    const login = conn.request('staffLogin', { pin: '1234' });
    expect(socket.requests.at(-1)).toMatchObject({ event: 'staffLogin', msg: { pin: '1234' } });
    socket.requests.at(-1)!.ack(null, { ok: true, staff: { name: 'Minji', role: 'associate' } });
    expect(await login).toEqual({ ok: true, staff: { name: 'Minji', role: 'associate' } });
    const identify = conn.request('identify', { method: 'anonymous' });
    socket.requests.at(-1)!.ack(null, { ok: true, session: { sessionId: 's' } });
    expect(await identify).toMatchObject({ ok: false, reason: 'invalid' });
    const insights = conn.request('staffInsights', {});
    socket.requests.at(-1)!.ack(new Error('operation has timed out'));
    expect(await insights).toEqual({ ok: false, message: 'the store did not answer' });
  });
});
