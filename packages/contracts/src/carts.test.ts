import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  applyCartEdits,
  type CartEdit,
  CartEdit as CartEditSchema,
  type CartState,
  cartEdits,
  cartLines,
  compareEdits,
  compareHlc,
  emptyCart,
  type Hlc,
  hlcStart,
  receive,
  tick,
  WebEvent,
} from './carts';

const RUNS = { numRuns: 500 };
const NODES = ['web', 'app:phone-1', 'pos:seoul-01', 'pos:busan-02'] as const;
const ITEMS = ['sku-a', 'sku-b', 'sku-c'] as const;

/** One step of an origin: an edit of its own, or a clock it receives from another origin (a sync, a page load). */
type Step =
  | { kind: 'edit'; origin: number; item: number; quantity: number; clockStep: number }
  | { kind: 'receive'; origin: number; from: number; clockStep: number };

/** An edit with the edits that happened before it (Lamport's happened-before: same origin or received). */
interface Made {
  edit: CartEdit;
  after: ReadonlySet<string>;
}

/**
 * Plays the steps: each origin ticks its own clock, whose wall time wanders (forwards and, for a skewed clock,
 * back), and receives another origin's clock now and then.
 */
function play(origins: number, steps: readonly Step[]): Made[] {
  const clocks: Hlc[] = NODES.slice(0, origins).map((n) => hlcStart(n));
  const walls = NODES.slice(0, origins).map((_, i) => 1_000 + i * 7);
  const seen = NODES.slice(0, origins).map(() => new Set<string>());
  const made: Made[] = [];
  for (const step of steps) {
    const o = step.origin % origins;
    walls[o] = Math.max(0, walls[o]! + step.clockStep);
    if (step.kind === 'receive') {
      const from = step.from % origins;
      if (from === o) continue;
      clocks[o] = receive(clocks[o]!, clocks[from]!, walls[o]!);
      for (const id of seen[from]!) seen[o]!.add(id);
      continue;
    }
    clocks[o] = tick(clocks[o]!, walls[o]!);
    const node = clocks[o]!.node;
    const edit: CartEdit = {
      editId: `${node}-${String(made.length).padStart(4, '0')}`,
      customerId: 'cus-0001',
      itemId: ITEMS[step.item % ITEMS.length]!,
      quantity: step.quantity,
      hlc: clocks[o]!,
      origin: node.startsWith('pos:') ? { channel: 'store', storeId: node.slice(4) } : { channel: 'web' },
      at: walls[o]!,
    };
    made.push({ edit, after: new Set(seen[o]) });
    seen[o]!.add(edit.editId);
  }
  return made;
}

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  {
    arbitrary: fc.record({
      kind: fc.constant('edit' as const),
      origin: fc.nat(3),
      item: fc.nat(2),
      quantity: fc.nat(3),
      clockStep: fc.integer({ min: -5, max: 20 }),
    }),
    weight: 3,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant('receive' as const),
      origin: fc.nat(3),
      from: fc.nat(3),
      clockStep: fc.integer({ min: -5, max: 20 }),
    }),
    weight: 1,
  },
);

/** Edits from 2–4 origins. */
const historyArb = fc
  .record({ origins: fc.integer({ min: 2, max: 4 }), steps: fc.array(stepArb, { minLength: 1, maxLength: 40 }) })
  .map(({ origins, steps }) => play(origins, steps));

/**
 * How one replica gets the edits: each sent 1–3 times, in an order where any copy may be delayed past any other, in
 * batches of any size.
 */
const deliveryArb = fc.record({
  copies: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 40, maxLength: 40 }),
  delays: fc.array(fc.nat(1_000), { minLength: 120, maxLength: 120 }),
  cuts: fc.array(fc.boolean(), { minLength: 120, maxLength: 120 }),
});
type Delivery = typeof deliveryArb extends fc.Arbitrary<infer T> ? T : never;

/** The batches a replica receives under `delivery`. */
function deliver(edits: readonly CartEdit[], delivery: Delivery): CartEdit[][] {
  const sent = edits.flatMap((e, i) => Array.from({ length: delivery.copies[i % 40]! }, () => e));
  const arrival = sent
    .map((e, i) => ({ e, at: i + delivery.delays[i % 120]! }))
    .sort((a, b) => a.at - b.at)
    .map((x) => x.e);
  const batches: CartEdit[][] = [[]];
  arrival.forEach((e, i) => {
    batches.at(-1)!.push(e);
    if (delivery.cuts[i % 120]) batches.push([]);
  });
  return batches;
}

const replay = (batches: readonly CartEdit[][], from: CartState = emptyCart) =>
  batches.reduce((state, batch) => applyCartEdits(state, batch), from);

describe('hybrid logical clock', () => {
  const hlcArb = fc.record({
    wallMs: fc.integer({ min: 0, max: 50 }),
    counter: fc.nat(5),
    node: fc.constantFrom<string>(...NODES),
  });

  it('ticks to a later reading than the last one and never behind the wall clock, even when the clock goes back', () => {
    fc.assert(
      fc.property(hlcArb, fc.array(fc.integer({ min: 0, max: 60 }), { minLength: 1, maxLength: 30 }), (start, nows) => {
        let clock = start;
        for (const now of nows) {
          const next = tick(clock, now);
          expect(compareHlc(next, clock)).toBe(1);
          expect(next.wallMs).toBeGreaterThanOrEqual(now);
          expect(next.node).toBe(start.node);
          clock = next;
        }
      }),
      RUNS,
    );
  });

  it('receives to a reading later than both its own and the remote one', () => {
    fc.assert(
      fc.property(hlcArb, hlcArb, fc.integer({ min: 0, max: 60 }), (local, remote, now) => {
        const next = receive(local, remote, now);
        expect(compareHlc(next, local)).toBe(1);
        expect(next.wallMs > remote.wallMs || next.counter > remote.counter).toBe(true);
        expect(next.wallMs).toBeGreaterThanOrEqual(now);
      }),
      RUNS,
    );
  });

  it('orders readings totally: antisymmetric, and equal only when identical', () => {
    fc.assert(
      fc.property(hlcArb, hlcArb, (a, b) => {
        expect(compareHlc(a, b) + compareHlc(b, a)).toBe(0);
        expect(compareHlc(a, b) === 0).toBe(a.wallMs === b.wallMs && a.counter === b.counter && a.node === b.node);
      }),
      RUNS,
    );
  });
});

describe('cart merge', () => {
  it('gives every edit a clock later than every edit that happened before it', () => {
    fc.assert(
      fc.property(historyArb, (made) => {
        const byId = new Map(made.map((m) => [m.edit.editId, m.edit]));
        for (const { edit, after } of made)
          for (const id of after) expect(compareHlc(edit.hlc, byId.get(id)!.hlc)).toBe(1);
      }),
      RUNS,
    );
  });

  it('converges: replicas getting the edits in any order, duplicated, delayed and batched hold the same cart', () => {
    fc.assert(
      fc.property(historyArb, fc.array(deliveryArb, { minLength: 2, maxLength: 3 }), (made, deliveries) => {
        const edits = made.map((m) => m.edit);
        const reference = applyCartEdits(emptyCart, edits);
        for (const delivery of deliveries) {
          const state = replay(deliver(edits, delivery));
          expect(state).toEqual(reference);
          expect(cartLines(state)).toEqual(cartLines(reference));
        }
      }),
      RUNS,
    );
  });

  it('is commutative and associative over batches', () => {
    fc.assert(
      fc.property(historyArb, fc.nat(), fc.nat(), (made, i, j) => {
        const edits = made.map((m) => m.edit);
        const [x, y] = [i % (edits.length + 1), j % (edits.length + 1)].sort((p, q) => p - q);
        const [a, b, c] = [edits.slice(0, x), edits.slice(x, y), edits.slice(y)];
        const abc = replay([a, b, c]);
        expect(replay([c, b, a])).toEqual(abc);
        expect(replay([b, a, c])).toEqual(abc);
        expect(applyCartEdits(replay([a]), [...b, ...c])).toEqual(abc);
      }),
      RUNS,
    );
  });

  it('is idempotent: replaying any subset of the edits again changes nothing', () => {
    fc.assert(
      fc.property(historyArb, fc.array(fc.nat()), (made, picks) => {
        const edits = made.map((m) => m.edit);
        const state = applyCartEdits(emptyCart, edits);
        const subset = edits.length === 0 ? [] : picks.map((p) => edits[p % edits.length]!);
        expect(applyCartEdits(state, subset)).toEqual(state);
        expect(applyCartEdits(state, [])).toEqual(state);
      }),
      RUNS,
    );
  });

  it('keeps as losing edits exactly those superseded by a later edit of the same line', () => {
    fc.assert(
      fc.property(historyArb, deliveryArb, (made, delivery) => {
        const edits = made.map((m) => m.edit);
        const state = replay(deliver(edits, delivery));
        expect(
          cartEdits(state)
            .map((e) => e.editId)
            .sort(),
        ).toEqual(edits.map((e) => e.editId).sort());
        for (const item of ITEMS) {
          const ofLine = edits.filter((e) => e.itemId === item).sort(compareEdits);
          const line = state.lines[item];
          if (ofLine.length === 0) {
            expect(line).toBeUndefined();
            continue;
          }
          expect(line!.winner).toEqual(ofLine.at(-1));
          expect(line!.superseded).toEqual(ofLine.slice(0, -1));
          for (const lost of line!.superseded) expect(compareEdits(lost, line!.winner)).toBe(-1);
        }
      }),
      RUNS,
    );
  });

  it('gives the profile every line whose last edit keeps it, added when it was last put in the cart', () => {
    fc.assert(
      fc.property(historyArb, (made) => {
        const edits = made.map((m) => m.edit);
        const lines = cartLines(applyCartEdits(emptyCart, edits));
        for (const item of ITEMS) {
          const ofLine = edits.filter((e) => e.itemId === item).sort(compareEdits);
          const last = ofLine.at(-1);
          const line = lines.find((l) => l.itemId === item);
          if (!last || last.quantity === 0) {
            expect(line).toBeUndefined();
            continue;
          }
          const lastRemoval = ofLine.findLastIndex((e) => e.quantity === 0);
          expect(line).toEqual({ itemId: item, quantity: last.quantity, addedAt: ofLine[lastRemoval + 1]!.at });
        }
      }),
      RUNS,
    );
  });

  it('lets an edit made after seeing another edit of the same line win over it (causality is respected)', () => {
    const web: CartEdit = {
      editId: 'web-00000001',
      customerId: 'cus-0001',
      itemId: 'sku-a',
      quantity: 2,
      hlc: { wallMs: 5_000, counter: 0, node: 'web' },
      origin: { channel: 'web' },
      at: 5_000,
    };
    // the store's clock is 4 s behind, but it saw the web edit (its profile pull) before selling the item
    const seen = receive(hlcStart('pos:seoul-01'), web.hlc, 1_000);
    const store: CartEdit = {
      ...web,
      editId: 'pos-00000001',
      quantity: 0,
      hlc: tick(seen, 1_001),
      origin: { channel: 'store', storeId: 'seoul-01' },
      at: 1_001,
    };
    for (const order of [
      [web, store],
      [store, web],
    ]) {
      const state = applyCartEdits(emptyCart, order);
      expect(cartLines(state)).toEqual([]);
      expect(state.lines['sku-a']!.superseded).toEqual([web]);
    }
  });
});

describe('cart and web event schemas', () => {
  const edit = {
    editId: 'edit-0001',
    customerId: 'cus-0001',
    itemId: 'sku-a',
    quantity: 1,
    hlc: { wallMs: 1, counter: 0, node: 'web' },
    origin: { channel: 'web' },
    at: 1,
  };

  it('needs the store of an in-store edit, and only of one', () => {
    expect(CartEditSchema.safeParse(edit).success).toBe(true);
    expect(CartEditSchema.safeParse({ ...edit, origin: { channel: 'store' } }).success).toBe(false);
    expect(CartEditSchema.safeParse({ ...edit, origin: { channel: 'web', storeId: 's-1' } }).success).toBe(false);
    expect(CartEditSchema.safeParse({ ...edit, origin: { channel: 'store', storeId: 's-1' } }).success).toBe(true);
    expect(CartEditSchema.safeParse({ ...edit, quantity: -1 }).success).toBe(false);
  });

  it('checks a web purchase adds up and names its customer', () => {
    const purchase = {
      type: 'purchase',
      eventId: 'web-evt-0001',
      sessionId: 'sess-1',
      customerId: 'cus-0001',
      lines: [{ itemId: 'sku-a', quantity: 2, unitPrice: 10 }],
      total: 20,
      currency: 'KRW',
      at: 1,
    };
    expect(WebEvent.safeParse(purchase).success).toBe(true);
    expect(WebEvent.safeParse({ ...purchase, total: 19 }).success).toBe(false);
    expect(WebEvent.safeParse({ ...purchase, customerId: undefined }).success).toBe(false);
    expect(
      WebEvent.safeParse({ type: 'view', eventId: 'web-evt-0002', sessionId: 's', itemId: 'x', at: 1 }).success,
    ).toBe(true);
    expect(WebEvent.safeParse({ type: 'wishlist', eventId: 'web-evt-0003', sessionId: 's', at: 1 }).success).toBe(
      false,
    );
  });
});
