import type {
  Delivery,
  FloorPlan,
  HelloResult,
  ScreenClientToServer,
  ScreenHello,
  ScreenKind,
  ScreenRequestName,
  ScreenRequestOf,
  ScreenResultOf,
  ScreenServerToClient,
} from '@aisle/contracts';
import { PROTOCOL_VERSION } from '@aisle/contracts';
import { until } from '@aisle/testkit';
import { io, type Socket } from 'socket.io-client';

export type ScreenSocket = Socket<ScreenServerToClient, ScreenClientToServer>;
type ServerEvent = keyof ScreenServerToClient;
type Payload<E extends ServerEvent> = Parameters<ScreenServerToClient[E]>[0];

/** One message a test screen processed, in the order of its sequence. */
export interface ScreenMessage {
  event: ServerEvent;
  payload: unknown;
  delivery: Delivery;
}

/** What `connectScreen` needs of a gateway: where it listens, its floor plan, and a way to pair screens. */
export interface ScreenGateway {
  urls: { httpUrl: string };
  plan: FloorPlan;
  gateway: { pairScreen(screenId: string): string };
}

export interface ConnectScreenOptions {
  /** The kind said in hello; the floor plan's kind of the screen by default. */
  kind?: ScreenKind;
  /** The device token: by default the screen is paired once per gateway (and the token reused); null = none. */
  token?: string | null;
  /** Fields of the hello to override (storeId, protocolVersion, lastSeq…). */
  hello?: Partial<ScreenHello>;
  /** Wait for the hello's answer before returning (default true). */
  waitHello?: boolean;
  /** Called before the socket connects, e.g. to add listeners that must not miss the first messages. */
  before?: (screen: TestScreen) => void;
}

const tokens = new WeakMap<object, Map<string, string>>();

/** The device token of a screen of this gateway, pairing it on first use. */
export function screenToken(target: ScreenGateway, screenId: string): string {
  const byScreen = tokens.get(target.gateway) ?? new Map<string, string>();
  tokens.set(target.gateway, byScreen);
  const token = byScreen.get(screenId) ?? target.gateway.pairScreen(screenId);
  byScreen.set(screenId, token);
  return token;
}

/**
 * A screen as a test drives it: a real socket.io client with a device token that says hello, records every message
 * with its sequence number (dropping duplicates, counting gaps), acknowledges, and after every reconnect says hello
 * again with the last sequence number it processed — as the screens do.
 */
export class TestScreen {
  readonly messages: ScreenMessage[] = [];
  /** Every hello answer, newest last. */
  readonly hellos: HelloResult[] = [];
  duplicates = 0;
  gaps = 0;
  lastSeq: number;
  connectError: string | undefined;
  private closed = false;

  constructor(
    readonly socket: ScreenSocket,
    private readonly helloMsg: ScreenHello,
  ) {
    this.lastSeq = helloMsg.lastSeq;
    const on = socket.on.bind(socket) as (event: string, fn: (...args: unknown[]) => void) => void;
    socket.onAny((event: string, payload: unknown, delivery: unknown) => {
      const d = delivery as Delivery | undefined;
      if (!d || typeof d.seq !== 'number') return;
      if (d.seq <= this.lastSeq) {
        this.duplicates++;
        return;
      }
      if (d.seq !== this.lastSeq + 1) this.gaps++;
      this.lastSeq = d.seq;
      this.messages.push({ event: event as ServerEvent, payload, delivery: d });
    });
    on('connect', () => void this.sayHello());
    on('connect_error', (err) => {
      this.connectError = (err as Error).message;
    });
    on('disconnect', (reason) => {
      // socket.io does not reconnect by itself when the server closed the connection
      if (reason === 'io server disconnect' && !this.closed) setTimeout(() => socket.connect(), 100);
    });
  }

  get hello(): HelloResult | undefined {
    return this.hellos.at(-1);
  }

  /** Says hello with the last processed sequence number (or `over`), and records the answer. */
  sayHello(over: Partial<ScreenHello> = {}): Promise<HelloResult> {
    return new Promise((resolve) => {
      (this.socket.emit as (e: string, m: unknown, a: (r: HelloResult) => void) => void)(
        'hello',
        { ...this.helloMsg, lastSeq: this.lastSeq, ...over },
        (r) => {
          if (r.ok && r.resync) this.lastSeq = r.lastSeq;
          this.hellos.push(r);
          resolve(r);
        },
      );
    });
  }

  /** The payloads of one event, oldest first. */
  of<E extends ServerEvent>(event: E): Payload<E>[] {
    return this.messages.filter((m) => m.event === event).map((m) => m.payload as Payload<E>);
  }

  /** Waits until a processed message of `event` matches `match` (the first one that does, however old). */
  next<E extends ServerEvent>(event: E, match: (p: Payload<E>) => boolean = () => true, label = event) {
    return until(label, () => this.of(event).find(match));
  }

  request<E extends Exclude<ScreenRequestName, 'hello'>>(
    event: E,
    payload: ScreenRequestOf<E> | unknown,
  ): Promise<ScreenResultOf<E>> {
    return new Promise((resolve) =>
      (this.socket.emit as (e: string, m: unknown, a: (r: ScreenResultOf<E>) => void) => void)(event, payload, resolve),
    );
  }

  ack(seq = this.lastSeq): void {
    this.socket.emit('ack', { seq });
  }

  close(): void {
    this.closed = true;
    this.socket.disconnect();
  }
}

/** Connects a screen of the gateway's floor plan (paired automatically) and, by default, waits for its hello. */
export async function connectScreen(
  target: ScreenGateway,
  screenId: string,
  opts: ConnectScreenOptions = {},
): Promise<TestScreen> {
  const kind = opts.kind ?? target.plan.screens.find((s) => s.id === screenId)?.kind ?? 'kiosk';
  const token = opts.token === undefined ? screenToken(target, screenId) : opts.token;
  const socket: ScreenSocket = io(target.urls.httpUrl, {
    transports: ['websocket'],
    forceNew: true,
    reconnectionDelay: 100,
    reconnectionDelayMax: 300,
    autoConnect: false,
    ...(token !== null && { auth: { token } }),
  });
  const hello: ScreenHello = {
    protocolVersion: PROTOCOL_VERSION,
    screenId,
    kind,
    storeId: target.plan.storeId,
    lastSeq: 0,
    ...opts.hello,
  };
  const screen = new TestScreen(socket, hello);
  opts.before?.(screen);
  const answered = screen.hellos.length;
  socket.connect();
  if (opts.waitHello ?? true) await until(`${screenId} hello answered`, () => screen.hellos.length > answered);
  return screen;
}

/** The `connect_error` message a connection with these handshake credentials gets (`missingToken`, `invalidToken`). */
export function connectRefusal(httpUrl: string, auth?: Record<string, unknown>): Promise<string> {
  const socket = io(httpUrl, { transports: ['websocket'], forceNew: true, reconnection: false, ...(auth && { auth }) });
  return new Promise((resolve, reject) => {
    socket.on('connect', () => {
      socket.disconnect();
      reject(new Error('the connection was accepted'));
    });
    socket.on('connect_error', (err) => {
      socket.disconnect();
      resolve(err.message);
    });
  });
}
