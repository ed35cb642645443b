import type { Server as HttpServer } from 'node:http';
import {
  type FloorPlan,
  type HelloResult,
  PersonalizationRequest,
  type PersonalizationResult,
  PROTOCOL_VERSION,
  type RecommendationsPush,
  type ScreenClientToServer,
  ScreenHello,
  type ScreenServerToClient,
  SizeRequest,
  type SizeRequestResult,
  type StoreOverview,
  type ZoneContext,
} from '@aisle/contracts';
import type { Logger } from 'pino';
import { Server, type Socket } from 'socket.io';
import type { z } from 'zod';

type ScreenSocket = Socket<
  ScreenClientToServer,
  ScreenServerToClient,
  Record<string, never>,
  { zoneId?: string; kind?: string }
>;

export interface ScreenHubOptions {
  floorPlan: FloorPlan;
  logger: Logger;
  /** What a screen of a zone should show right away after its hello. */
  zoneSnapshot(zoneId: string): { context: ZoneContext; recommendations: RecommendationsPush | undefined };
  storeSnapshot(): StoreOverview;
  onRefused(reason: string): void;
  /** A mirror in `zoneId` asks for another size of a garment. */
  onSizeRequest?(zoneId: string, req: SizeRequest): Promise<SizeRequestResult>;
  /** The shopper at a kiosk or mirror in `zoneId` switches personalization on or off. */
  onPersonalization?(zoneId: string, req: PersonalizationRequest): Promise<PersonalizationResult>;
}

const zoneRoom = (zoneId: string) => `zone:${zoneId}`;
const STAFF_ROOM = 'staff';

/**
 * socket.io for the store's screens. Every client event is parsed with its contract
 * schema; a screen joins its zone's room (kiosk, mirror) or the staff room after hello.
 */
export class ScreenHub {
  readonly io: Server<
    ScreenClientToServer,
    ScreenServerToClient,
    Record<string, never>,
    { zoneId?: string; kind?: string }
  >;

  constructor(
    httpServer: HttpServer,
    private readonly opts: ScreenHubOptions,
  ) {
    this.io = new Server(httpServer, { serveClient: false, maxHttpBufferSize: 64 * 1024 });
    this.io.on('connection', (socket) => this.onConnection(socket));
  }

  get connected(): number {
    return this.io.engine.clientsCount;
  }

  pushRecommendations(msg: RecommendationsPush): void {
    this.io.to(zoneRoom(msg.zoneId)).emit('recommendations', msg);
  }

  pushZoneContext(msg: ZoneContext): void {
    this.io.to(zoneRoom(msg.zoneId)).emit('zoneContext', msg);
  }

  pushStoreOverview(msg: StoreOverview): void {
    this.io.to(STAFF_ROOM).emit('storeOverview', msg);
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.io.close(() => resolve());
    });
  }

  private onConnection(socket: ScreenSocket): void {
    socket.on('hello', (raw: unknown, ack: unknown) => {
      const reply = typeof ack === 'function' ? (ack as (r: HelloResult) => void) : () => {};
      const result = this.hello(socket, raw);
      if (!result.ok) {
        this.opts.onRefused(result.reason);
        this.opts.logger.warn({ reason: result.reason, detail: result.message }, 'screen refused');
      }
      reply(result);
      if (!result.ok) return;
      if (result.zoneId) {
        const snap = this.opts.zoneSnapshot(result.zoneId);
        socket.emit('zoneContext', snap.context);
        if (snap.recommendations) socket.emit('recommendations', snap.recommendations);
      } else {
        socket.emit('storeOverview', this.opts.storeSnapshot());
      }
    });
    this.answer(socket, 'sizeRequest', SizeRequest, ['mirror'], this.opts.onSizeRequest, 'ask for sizes');
    this.answer(
      socket,
      'personalization',
      PersonalizationRequest,
      ['kiosk', 'mirror'],
      this.opts.onPersonalization,
      'switch personalization',
    );
  }

  /**
   * A request a screen of `kinds` sends with an acknowledgement: parsed with its schema and handed to `handle` with
   * the screen's zone. Anything else — another kind of screen, no hello yet, bad input, a failed handler — is
   * answered `{ ok: false, message }` and counted as a refusal.
   */
  private answer<Req, Res>(
    socket: ScreenSocket,
    event: 'sizeRequest' | 'personalization',
    schema: z.ZodType<Req>,
    kinds: readonly string[],
    handle: ((zoneId: string, req: Req) => Promise<Res>) | undefined,
    what: string,
  ): void {
    const on = socket.on.bind(socket) as (event: string, fn: (raw: unknown, ack: unknown) => void) => void;
    on(event, (raw, ack) => {
      const reply = typeof ack === 'function' ? (ack as (r: Res | { ok: false; message: string }) => void) : () => {};
      const refuse = (message: string) => {
        this.opts.onRefused(event);
        reply({ ok: false, message });
      };
      const { zoneId, kind } = socket.data;
      if (!kind || !kinds.includes(kind) || !zoneId)
        return refuse(`only a ${kinds.join(' or ')} that said hello may ${what}`);
      const parsed = schema.safeParse(raw);
      if (!parsed.success) return refuse(parsed.error.issues[0]?.message ?? `invalid ${event}`);
      if (!handle) return refuse(`cannot ${what} here`);
      handle(zoneId, parsed.data).then(reply, (err: Error) => {
        this.opts.logger.error({ err, event }, 'screen request failed');
        reply({ ok: false, message: `${event} failed` });
      });
    });
  }

  private hello(socket: ScreenSocket, raw: unknown): HelloResult {
    const parsed = ScreenHello.safeParse(raw);
    if (!parsed.success) return { ok: false, reason: 'invalidMessage', message: parsed.error.issues[0]?.message ?? '' };
    const hello = parsed.data;
    if (hello.protocolVersion < PROTOCOL_VERSION)
      return { ok: false, reason: 'clientTooOld', message: `gateway speaks protocol ${PROTOCOL_VERSION}` };
    if (hello.protocolVersion > PROTOCOL_VERSION)
      return { ok: false, reason: 'serverTooOld', message: `gateway speaks protocol ${PROTOCOL_VERSION}` };
    const plan = this.opts.floorPlan;
    const screen = plan.screens.find((s) => s.id === hello.screenId && s.kind === hello.kind);
    if (!screen)
      return { ok: false, reason: 'unknownScreen', message: `no ${hello.kind} "${hello.screenId}" in this store` };
    for (const room of socket.rooms) if (room !== socket.id) socket.leave(room);
    socket.join(screen.zoneId ? zoneRoom(screen.zoneId) : STAFF_ROOM);
    socket.data = { zoneId: screen.zoneId, kind: screen.kind };
    return { ok: true, storeId: plan.storeId, storeName: plan.name, ...(screen.zoneId && { zoneId: screen.zoneId }) };
  }
}
