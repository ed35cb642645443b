import type { Migration } from '../migration';

/** The carts tables, as kysely sees them (part of CloudTables). */
export type CartsTables = {
  /** Every cart edit received, by its idempotency key, with whether it is its line's winner or lost to a later one. */
  cart_edits: {
    edit_id: string;
    customer_id: string;
    item_id: string;
    quantity: number;
    hlc_wall: number;
    hlc_counter: number;
    hlc_node: string;
    channel: 'web' | 'app' | 'store';
    store_id: string | null;
    at: number;
    received_at: number;
    status: 'won' | 'lost';
    /** The edit that beat a lost one (its line's current winner). */
    superseded_by: string | null;
  };
  /** The winning edit per (customer, item); quantity 0 is a removed line whose version is still kept. */
  cart_lines: {
    customer_id: string;
    item_id: string;
    quantity: number;
    added_at: number;
    edit_id: string;
    hlc_wall: number;
    hlc_counter: number;
    hlc_node: string;
    channel: 'web' | 'app' | 'store';
    store_id: string | null;
  };
  /** Web-shop events, once per event id; `payload` is the event as received. */
  web_events: {
    event_id: string;
    type: string;
    session_id: string;
    customer_id: string | null;
    payload: string;
    at: number;
    received_at: number;
  };
};

/** The carts feature's migration (its number is fixed by its place in store.ts's list). */
export const cartsMigration: Migration = {
  both: [
    `CREATE TABLE cart_edits (edit_id TEXT PRIMARY KEY, customer_id TEXT NOT NULL, item_id TEXT NOT NULL,
      quantity INTEGER NOT NULL, hlc_wall BIGINT NOT NULL, hlc_counter BIGINT NOT NULL, hlc_node TEXT NOT NULL,
      channel TEXT NOT NULL, store_id TEXT, at BIGINT NOT NULL, received_at BIGINT NOT NULL, status TEXT NOT NULL,
      superseded_by TEXT)`,
    'CREATE INDEX cart_edits_line ON cart_edits (customer_id, item_id)',
    `CREATE TABLE cart_lines (customer_id TEXT NOT NULL, item_id TEXT NOT NULL, quantity INTEGER NOT NULL,
      added_at BIGINT NOT NULL, edit_id TEXT NOT NULL, hlc_wall BIGINT NOT NULL, hlc_counter BIGINT NOT NULL,
      hlc_node TEXT NOT NULL, channel TEXT NOT NULL, store_id TEXT, PRIMARY KEY (customer_id, item_id))`,
    `CREATE TABLE web_events (event_id TEXT PRIMARY KEY, type TEXT NOT NULL, session_id TEXT NOT NULL,
      customer_id TEXT, payload TEXT NOT NULL, at BIGINT NOT NULL, received_at BIGINT NOT NULL)`,
    'CREATE INDEX web_events_customer ON web_events (customer_id, at)',
  ],
};
