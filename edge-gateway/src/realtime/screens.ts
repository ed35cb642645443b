import type { Server as HttpServer } from 'node:http';
import {
  type ConnectRefusal,
  type FloorPlan,
  type HelloResult,
  PROTOCOL_VERSION,
  type RecommendationsPush,
  ScreenAck,
  ScreenAuth,
  type ScreenClientToServer,
  ScreenHello,
  type ScreenKind,
  type ScreenRequestName,
  type ScreenServerToClient,
  type StoreOverview,
  screenRequests,
  type ZoneContext,
} from '@aisle/contracts';
import type { Logger } from 'pino';
import { Server, type Socket } from 'socket.io';
import type { ScreenOutbox } from './outbox';
import type { PairedScreen, ScreenPairing } from './pairing';
import type { StaffAuth, StaffMember } from './staff-auth';
import type { ScreenContext, ScreenHandlers, ScreenSender, ScreenTarget, ServerEvent, ServerPayload } from './types';

/** What the hub knows about a connection: the screen its token names, the accepted hello, the staff logged in. */
interface ScreenData {
  paired?: PairedScreen;
  screen?: { screenId: string; kind: ScreenKind; zoneId: string | undefined };
  staff?: StaffMember;
}

type ScreenSocket = Socket<ScreenClientToServer, ScreenServerToClient, Record<string, never>, ScreenData>;
type Reply = (result: unknown) => void;

export interface ScreenHubOptions {
  floorPlan: FloorPlan;
  logger: Logger;
  pairing: ScreenPairing;
  /** Every message to a screen goes through here: numbered, stored, then emitted to the screen's device room. */
  outbox: ScreenOutbox;
  staffAuth: StaffAuth;
  /** What the gateway does with each screen request (everything but hello and staff login/logout). */
  handlers: ScreenHandlers;
  /** What a screen of a zone shows right after its hello. */
  zoneSnapshot(zoneId: string): { context: ZoneContext; recommendations: RecommendationsPush | undefined };
  storeSnapshot(): StoreOverview;
  /** A connection, hello or request refused (by reason or event name). */
  onRefused(reason: string): void;
  /** How often messages beyond the retention are deleted, ms. */
  pruneIntervalMs?: number;
}

export const storeRoom = (storeId: string) => `store:${storeId}`;
export const deviceRoom = (screenId: string) => `device:${screenId}`;
export const zoneRoom = (zoneId: string) => `zone:${zoneId}`;
export const STAFF_ROOM = 'staff';

type RequestName = Exclude<ScreenRequestName, 'hello'>;
const REQUESTS = (Object.keys(screenRequests) as ScreenRequestName[]).filter((e): e is RequestName => e !== 'hello');
/** Requests of staff screens that need a staff member logged in on the connection. */
const NEED_LOGIN = new Set<RequestName>(['staffCustomers', 'customerCard', 'resolveRequest', 'staffInsights']);
const NEED_MANAGER = new Set<RequestName>(['staffInsights']);
const KNOWN_EVENTS = new Set<string>([...Object.keys(screenRequests), 'ack']);

/** The `{ ok: false }` answer of a refused request, in the shape of that request's result. */
function failure(event: RequestName, message: string, reason: 'invalid' | 'refused' = 'invalid'): unknown {
  if (event === 'identify') return { ok: false, reason, message };
  if (event === 'staffLogin') return { ok: false, reason: 'invalid', message };
  return { ok: false, message };
}

/**
 * socket.io for the store's screens. A connection must present a paired device token (`auth.token`); its hello must
 * name that very screen and this store. Every client event is parsed with its contract schema and allowed only for
 * the kinds of screen `screenRequests` lists. Messages to screens are sequenced and stored by the outbox, so a
 * screen's hello with its `lastSeq` is answered with exactly what it missed. Clients never choose rooms: after hello
 * a socket is put in `store:<id>`, `device:<screenId>` and `zone:<zoneId>` (kiosk, mirror) or `staff`.
 */
export class ScreenHub implements ScreenSender {
  readonly io: Server<ScreenClientToServer, ScreenServerToClient, Record<string, never>, ScreenData>;
  private readonly pruneTimer: NodeJS.Timeout;

  constructor(
    httpServer: HttpServer,
    private readonly opts: ScreenHubOptions,
  ) {
    this.io = new Server(httpServer, { serveClient: false, maxHttpBufferSize: 64 * 1024 });
    this.io.use((socket, next) => {
      const refusal = this.authenticate(socket);
      if (!refusal) return next();
      this.opts.onRefused(refusal);
      this.opts.logger.warn({ reason: refusal, address: socket.handshake.address }, 'screen connection refused');
      next(new Error(refusal));
    });
    this.io.on('connection', (socket) => this.onConnection(socket));
    opts.outbox.deliver = (screenId, event, payload, delivery) => {
      (this.io.to(deviceRoom(screenId)).emit as (e: string, ...args: unknown[]) => void)(event, payload, delivery);
    };
    this.prune();
    this.pruneTimer = setInterval(() => this.prune(), opts.pruneIntervalMs ?? 60_000);
    this.pruneTimer.unref();
  }

  get connected(): number {
    return this.io.engine.clientsCount;
  }

  /** Sends a message to every screen the target names, in each one's sequence; stored for screens not connected. */
  send<E extends ServerEvent>(target: ScreenTarget, event: E, payload: ServerPayload<E>): void {
    this.opts.outbox.send(target, event, payload);
  }

  close(): Promise<void> {
    clearInterval(this.pruneTimer);
    this.opts.outbox.deliver = undefined;
    return new Promise((resolve) => {
      this.io.close(() => resolve());
    });
  }

  private prune(): void {
    try {
      const deleted = this.opts.outbox.prune();
      if (deleted > 0) this.opts.logger.debug({ deleted }, 'screen messages past retention deleted');
    } catch (err) {
      this.opts.logger.error({ err }, 'cannot prune screen messages');
    }
  }

  private authenticate(socket: ScreenSocket): ConnectRefusal | undefined {
    const auth = socket.handshake.auth as Record<string, unknown> | undefined;
    if (auth?.token === undefined || auth.token === null || auth.token === '') return 'missingToken';
    const parsed = ScreenAuth.safeParse(auth);
    if (!parsed.success) return 'invalidToken';
    const paired = this.opts.pairing.lookup(parsed.data.token);
    if (!paired) return 'invalidToken';
    socket.data.paired = paired;
    return undefined;
  }

  private onConnection(socket: ScreenSocket): void {
    const on = socket.on.bind(socket) as (event: string, fn: (raw: unknown, ack: unknown) => void) => void;
    on('hello', (raw, ack) => this.onHello(socket, raw, typeof ack === 'function' ? (ack as Reply) : () => {}));
    on('ack', (raw) => {
      const screen = socket.data.screen;
      const parsed = ScreenAck.safeParse(raw);
      if (!screen || !parsed.success) return this.opts.onRefused('ack');
      this.opts.outbox.ack(screen.screenId, parsed.data.seq);
    });
    for (const event of REQUESTS)
      on(event, (raw, ack) => {
        const reply: Reply = typeof ack === 'function' ? (ack as Reply) : () => {};
        this.onRequest(socket, event, raw, reply).catch((err: Error) => {
          this.opts.logger.error({ err, event }, 'screen request failed');
          reply(failure(event, `${event} failed`));
        });
      });
    socket.onAny((event: string, ...args: unknown[]) => {
      if (KNOWN_EVENTS.has(event)) return;
      this.opts.onRefused('unknownEvent');
      const ack = args.at(-1);
      if (typeof ack === 'function') (ack as Reply)({ ok: false, message: `unknown event "${event.slice(0, 40)}"` });
    });
  }

  private onHello(socket: ScreenSocket, raw: unknown, reply: Reply): void {
    const result = this.hello(socket, raw);
    if (!result.ok) {
      this.opts.onRefused(result.reason);
      this.opts.logger.warn({ reason: result.reason, detail: result.message }, 'screen refused');
      reply(result);
      return;
    }
    // Everything below runs in one synchronous block, so no live message can overtake the replay.
    const { screenId, zoneId } = socket.data.screen!;
    const replay = result.resync ? [] : this.opts.outbox.since(screenId, (raw as ScreenHello).lastSeq);
    reply({ ...result, replaying: replay.length });
    const emit = socket.emit.bind(socket) as (event: string, ...args: unknown[]) => void;
    for (const m of replay) emit(m.event, m.payload, m.delivery);
    for (const room of socket.rooms) if (room !== socket.id) socket.leave(room);
    socket.join([storeRoom(this.opts.floorPlan.storeId), deviceRoom(screenId), zoneId ? zoneRoom(zoneId) : STAFF_ROOM]);
    // then the current state, as new messages of the screen's sequence
    if (zoneId) {
      const snap = this.opts.zoneSnapshot(zoneId);
      this.send({ screen: screenId }, 'zoneContext', snap.context);
      if (snap.recommendations) this.send({ screen: screenId }, 'recommendations', snap.recommendations);
    } else {
      this.send({ screen: screenId }, 'storeOverview', this.opts.storeSnapshot());
    }
  }

  private hello(socket: ScreenSocket, raw: unknown): HelloResult {
    const parsed = ScreenHello.safeParse(raw);
    if (!parsed.success) return { ok: false, reason: 'invalidMessage', message: parsed.error.issues[0]?.message ?? '' };
    const hello = parsed.data;
    if (hello.protocolVersion < PROTOCOL_VERSION)
      return { ok: false, reason: 'clientTooOld', message: `gateway speaks protocol ${PROTOCOL_VERSION}` };
    if (hello.protocolVersion > PROTOCOL_VERSION)
      return { ok: false, reason: 'serverTooOld', message: `gateway speaks protocol ${PROTOCOL_VERSION}` };
    const paired = socket.data.paired!;
    if (paired.screenId !== hello.screenId || paired.kind !== hello.kind)
      return {
        ok: false,
        reason: 'notPaired',
        message: `this device token was issued to ${paired.kind} "${paired.screenId}", not ${hello.kind} "${hello.screenId}"`,
      };
    const plan = this.opts.floorPlan;
    if (hello.storeId !== plan.storeId)
      return { ok: false, reason: 'wrongStore', message: `this gateway serves store "${plan.storeId}"` };
    const screen = plan.screens.find((s) => s.id === hello.screenId && s.kind === hello.kind);
    if (!screen)
      return { ok: false, reason: 'unknownScreen', message: `no ${hello.kind} "${hello.screenId}" in this store` };
    const outbox = this.opts.outbox;
    const latest = outbox.latestSeq(screen.id);
    const oldest = outbox.oldestSeq(screen.id);
    // ahead of the gateway (its database was replaced), or behind what is still kept
    const resync = hello.lastSeq > latest || (oldest !== undefined && hello.lastSeq < oldest - 1);
    if (!resync) outbox.ack(screen.id, hello.lastSeq);
    if (socket.data.screen?.screenId !== screen.id) socket.data.staff = undefined;
    socket.data.screen = { screenId: screen.id, kind: screen.kind, zoneId: screen.zoneId };
    return {
      ok: true,
      storeId: plan.storeId,
      storeName: plan.name,
      ...(screen.zoneId && { zoneId: screen.zoneId }),
      lastSeq: latest,
      replaying: 0,
      resync,
    };
  }

  /**
   * A request with an acknowledgement: allowed for the kinds `screenRequests` lists (and, for staff requests, a
   * logged-in staff member), parsed with its schema, handed to its handler, and the handler's answer checked
   * against the result schema. Anything else is answered `{ ok: false, message }` and counted as a refusal.
   */
  private async onRequest(socket: ScreenSocket, event: RequestName, raw: unknown, reply: Reply): Promise<void> {
    const spec = screenRequests[event];
    const refuse = (message: string, reason: 'invalid' | 'refused' = 'refused') => {
      this.opts.onRefused(event);
      reply(failure(event, message, reason));
    };
    const screen = socket.data.screen;
    if (!screen) return refuse(`say hello before ${event}`);
    if (!(spec.kinds as readonly ScreenKind[]).includes(screen.kind))
      return refuse(`only a ${spec.kinds.join(' or ')} screen may send ${event}, not a ${screen.kind}`);
    const parsed = spec.request.safeParse(raw);
    if (!parsed.success) return refuse(parsed.error.issues[0]?.message ?? `invalid ${event}`, 'invalid');
    if (event === 'staffLogin') {
      const { result, staff } = await this.opts.staffAuth.login(screen.screenId, (parsed.data as { pin: string }).pin);
      socket.data.staff = staff;
      if (!result.ok) {
        this.opts.onRefused(`staffLogin:${result.reason}`);
        this.opts.logger.warn({ screen: screen.screenId, reason: result.reason }, 'staff login refused');
      } else this.opts.logger.info({ screen: screen.screenId, staff: staff?.id }, 'staff logged in');
      return reply(result);
    }
    if (event === 'staffLogout') {
      socket.data.staff = undefined;
      return reply({ ok: true });
    }
    const staff = socket.data.staff;
    if (NEED_LOGIN.has(event) && !staff) return refuse('log in first');
    if (NEED_MANAGER.has(event) && staff?.role !== 'manager') return refuse('only a manager may see this');
    const handler = this.opts.handlers[event] as
      | ((ctx: ScreenContext, req: unknown) => Promise<unknown> | unknown)
      | undefined;
    if (!handler) return refuse(`${event} is not available here`);
    const ctx: ScreenContext = { screenId: screen.screenId, kind: screen.kind, zoneId: screen.zoneId, staff };
    const answer = await handler(ctx, parsed.data);
    const checked = spec.result.safeParse(answer);
    if (!checked.success) {
      this.opts.logger.error({ event, issue: checked.error.issues[0] }, 'a screen handler answered an invalid result');
      return reply(failure(event, `${event} failed`));
    }
    reply(checked.data);
  }
}
