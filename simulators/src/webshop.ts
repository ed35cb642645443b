/**
 * The web shop, simulated: signed-in online customers browse, put items in their cart and take them out, and check
 * out, through cloud-sync's HTTP API with the operator's credential (the web shop's, for now). Each browser session
 * is a node of the carts' hybrid logical clock: it ticks its clock for each cart edit and takes in the cart's clock
 * from every answer, so its edits come after everything it has seen, whatever its own wall clock says.
 *
 *   node --import tsx simulators/src/webshop.ts --cloud http://127.0.0.1:8090 --token admin.<secret> \
 *     --customers cus-0001,cus-0002 --rate 2 [--seed N] [--steps N | --seconds N]
 */
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import {
  ApiError,
  type CartEdit,
  CartEditResult,
  CartView,
  Catalog,
  CustomerId,
  type Hlc,
  hlcStart,
  type Product,
  receive,
  tick,
  type WebEvent,
  WebEventBatchResult,
} from '@aisle/contracts';
import { z } from 'zod';
import { createRng, pick, type Rng, shortId, zipf } from './random';

export interface WebShopOptions {
  /** cloud-sync's base URL. */
  cloudUrl: string;
  /** The operator's credential, `admin.<secret>`. */
  token: string;
  /** The signed-in customers browsing; each must exist in the cloud. */
  customers: readonly string[];
  seed?: number;
  now?: () => number;
  /** Told one line per action. */
  log?: (line: string) => void;
}

export type WebShopAction = 'view' | 'add' | 'remove' | 'purchase';

/** What the simulation did so far. */
export interface WebShopStats {
  view: number;
  add: number;
  remove: number;
  purchase: number;
  /** Cart edits and web events the cloud accepted. */
  edits: number;
  events: number;
  /** Actions the cloud refused or that failed on the way. */
  errors: number;
}

/** One online customer's browser session: its clock node and its cart as the cloud last answered it. */
interface Session {
  customerId: string;
  sessionId: string;
  clock: Hlc;
  cart: Map<string, number>;
  lastViewed?: Product;
  seq: number;
}

/** A refused or failed cloud call, with the cloud's error code when it answered one. */
export class WebShopError extends Error {
  constructor(
    message: string,
    readonly status?: number,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'WebShopError';
  }
}

/** Simulated online customers against one cloud. Build it with `WebShop.open`. */
export class WebShop {
  readonly stats: WebShopStats = { view: 0, add: 0, remove: 0, purchase: 0, edits: 0, events: 0, errors: 0 };

  private constructor(
    private readonly opts: WebShopOptions,
    private readonly catalog: readonly Product[],
    private readonly sessions: readonly Session[],
    private readonly rng: Rng,
  ) {}

  /** Reads the catalog and each customer's cart (a customer the cloud does not know is an error). */
  static async open(opts: WebShopOptions): Promise<WebShop> {
    const rng = createRng(opts.seed ?? 1);
    const now = opts.now ?? Date.now;
    const catalog = (await call(opts, 'GET', '/v1/catalog', Catalog)).items;
    if (catalog.length === 0) throw new WebShopError('the cloud has an empty catalog');
    const sessions: Session[] = [];
    for (const customerId of opts.customers) {
      const sessionId = `ws-${shortId(rng)}`;
      const session: Session = {
        customerId,
        sessionId,
        clock: hlcStart(`web:${sessionId}`),
        cart: new Map(),
        seq: 0,
      };
      seeCart(session, await call(opts, 'GET', `/v1/customers/${customerId}/cart`, CartView), now());
      sessions.push(session);
    }
    return new WebShop(opts, catalog, sessions, rng);
  }

  /** The cart of a customer as the simulation last saw it (item → quantity). */
  cartOf(customerId: string): ReadonlyMap<string, number> | undefined {
    return this.sessions.find((s) => s.customerId === customerId)?.cart;
  }

  /** One action of a customer chosen at random; a refusal is counted and logged, not thrown. */
  async step(): Promise<{ action: WebShopAction; customerId: string; ok: boolean }> {
    const session = pick(this.rng, this.sessions);
    const action = this.chooseAction(session);
    try {
      await this[action](session);
      this.stats[action]++;
      return { action, customerId: session.customerId, ok: true };
    } catch (err) {
      this.stats.errors++;
      this.say(`${session.customerId}: ${action} failed: ${(err as Error).message}`);
      return { action, customerId: session.customerId, ok: false };
    }
  }

  /** Browsing most of the time; cart changes and checkouts only with something in the cart. */
  private chooseAction(session: Session): WebShopAction {
    const r = this.rng();
    if (session.cart.size === 0) return r < 0.6 ? 'view' : 'add';
    if (r < 0.4) return 'view';
    if (r < 0.65) return 'add';
    if (r < 0.8) return 'remove';
    return 'purchase';
  }

  private async view(session: Session): Promise<void> {
    const item = this.catalog[zipf(this.rng, this.catalog.length)]!;
    session.lastViewed = item;
    await this.events(session, [{ ...this.eventBase(session), type: 'view', itemId: item.id }]);
    this.say(`${session.customerId} views ${item.id}`);
  }

  /** Puts the item last viewed (or another) in the cart, one more of it. */
  private async add(session: Session): Promise<void> {
    const item = session.lastViewed ?? this.catalog[zipf(this.rng, this.catalog.length)]!;
    const quantity = Math.min(999, (session.cart.get(item.id) ?? 0) + 1);
    await this.edit(session, item.id, quantity);
    await this.events(session, [{ ...this.eventBase(session), type: 'add_to_cart', itemId: item.id, quantity: 1 }]);
    this.say(`${session.customerId} puts ${item.id} in the cart (${quantity})`);
  }

  private async remove(session: Session): Promise<void> {
    const itemId = pick(this.rng, [...session.cart.keys()]);
    await this.edit(session, itemId, 0);
    await this.events(session, [{ ...this.eventBase(session), type: 'remove_from_cart', itemId }]);
    this.say(`${session.customerId} takes ${itemId} out of the cart`);
  }

  /** Checks out the whole cart; the cloud takes what was bought out of it. */
  private async purchase(session: Session): Promise<void> {
    const prices = new Map(this.catalog.map((p) => [p.id, p]));
    const lines = [...session.cart]
      .filter(([itemId]) => prices.has(itemId))
      .map(([itemId, quantity]) => ({ itemId, quantity, unitPrice: prices.get(itemId)!.price }));
    if (lines.length === 0) return;
    const total = Math.round(lines.reduce((s, l) => s + l.quantity * l.unitPrice * 100, 0)) / 100;
    const currency = prices.get(lines[0]!.itemId)!.currency;
    // the checkout's clock reading comes after every edit of this session, so all of them are settled by it
    session.clock = tick(session.clock, this.now());
    const hlc = session.clock;
    await this.events(session, [{ ...this.eventBase(session), type: 'purchase', lines, total, currency, hlc }]);
    seeCart(session, await call(this.opts, 'GET', `/v1/customers/${session.customerId}/cart`, CartView), this.now());
    this.say(`${session.customerId} buys ${lines.length} item(s) for ${total} ${currency}`);
  }

  /** Sets a line of the session's cart with a new clock reading; the answer is the cart as the cloud has it. */
  private async edit(session: Session, itemId: string, quantity: number): Promise<void> {
    const at = this.now();
    session.clock = tick(session.clock, at);
    const edit: CartEdit = {
      editId: `web:${session.sessionId}:${++session.seq}`,
      customerId: session.customerId,
      itemId,
      quantity,
      hlc: session.clock,
      origin: { channel: 'web' },
      at,
    };
    const result = await call(this.opts, 'POST', `/v1/customers/${session.customerId}/cart/edits`, CartEditResult, {
      edits: [edit],
    });
    this.stats.edits += result.accepted;
    seeCart(session, result.cart, this.now());
  }

  private async events(session: Session, events: WebEvent[]): Promise<void> {
    const result = await call(this.opts, 'POST', '/v1/web/events', WebEventBatchResult, { events });
    this.stats.events += result.accepted;
    session.seq++;
  }

  private eventBase(session: Session) {
    return {
      eventId: `web-${session.sessionId}-${session.seq + 1}`,
      sessionId: session.sessionId,
      customerId: session.customerId,
      at: this.now(),
    };
  }

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }

  private say(line: string): void {
    this.opts.log?.(line);
  }
}

/** Takes the cloud's cart into the session: its lines, and its clock into the session's clock. */
function seeCart(session: Session, cart: CartView, now: number): void {
  session.cart = new Map(cart.lines.map((l) => [l.itemId, l.quantity]));
  if (cart.clock) session.clock = receive(session.clock, cart.clock, now);
}

/** One cloud call; a non-2xx answer is a `WebShopError` with the cloud's code and message. */
async function call<T>(
  opts: WebShopOptions,
  method: 'GET' | 'POST',
  path: string,
  schema: z.ZodType<T>,
  body?: unknown,
): Promise<T> {
  const res = await fetch(`${opts.cloudUrl.replace(/\/$/, '')}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${opts.token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json: unknown = await res.json().catch(() => undefined);
  if (!res.ok) {
    const error = ApiError.safeParse(json).data?.error;
    throw new WebShopError(
      `${method} ${path}: ${res.status} ${error ? `${error.code}: ${error.message}` : 'no error body'}`,
      res.status,
      error?.code,
    );
  }
  return schema.parse(json);
}

const USAGE = `usage: node --import tsx simulators/src/webshop.ts --cloud URL --token admin.<secret>
  --customers cus-0001,cus-0002 [--rate actions/s (1)] [--seed N] [--steps N | --seconds N]`;

/** The command line, validated once. */
const CommandArgs = z
  .object({
    cloud: z.url({ protocol: /^https?$/ }),
    token: z.string().regex(/^admin\.[^.\s]+$/, 'the operator credential, admin.<secret>'),
    customers: z
      .string()
      .transform((s) => s.split(',').map((c) => c.trim()))
      .pipe(z.array(CustomerId).min(1)),
    rate: z.coerce.number().positive().max(1000).default(1),
    seed: z.coerce.number().int().optional(),
    steps: z.coerce.number().int().positive().optional(),
    seconds: z.coerce.number().positive().optional(),
  })
  .strict();

/**
 * Runs the web shop at `rate` actions per second until `steps` actions, `seconds` or Ctrl-C, printing each action
 * and a closing JSON line of the counts. Returns the exit code (2: bad arguments).
 */
export async function runWebShopCommand(argv: readonly string[], say = (line: string) => console.log(line)) {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      cloud: { type: 'string' },
      token: { type: 'string' },
      customers: { type: 'string' },
      rate: { type: 'string' },
      seed: { type: 'string' },
      steps: { type: 'string' },
      seconds: { type: 'string' },
    },
  });
  const args = CommandArgs.safeParse(values);
  if (!args.success) {
    for (const issue of args.error.issues) say(`--${issue.path.join('.')}: ${issue.message}`);
    say(USAGE);
    return 2;
  }
  const { cloud, token, customers, rate, seed, steps, seconds } = args.data;
  const shop = await WebShop.open({ cloudUrl: cloud, token, customers, seed: seed ?? Date.now(), log: say });
  say(`web shop: ${customers.length} customer(s) at ${rate} action(s)/s against ${cloud}`);
  let stopped = false;
  const stop = () => {
    stopped = true;
  };
  process.once('SIGINT', stop);
  const endAt = seconds === undefined ? Number.POSITIVE_INFINITY : Date.now() + seconds * 1000;
  try {
    for (let n = 0; !stopped && n < (steps ?? Number.POSITIVE_INFINITY) && Date.now() < endAt; n++) {
      await shop.step();
      await new Promise((r) => setTimeout(r, 1000 / rate));
    }
  } finally {
    process.off('SIGINT', stop);
  }
  say(JSON.stringify({ webshop: shop.stats }));
  return shop.stats.errors === 0 ? 0 : 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href)
  runWebShopCommand(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: Error) => {
      console.error(`web shop failed: ${err.message}`);
      process.exit(1);
    },
  );
