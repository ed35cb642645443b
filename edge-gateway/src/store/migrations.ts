/**
 * Numbered schema migrations. Never edit one that has shipped: append a new one.
 * The applied count is kept in SQLite's `user_version`.
 */
export const migrations: readonly string[] = [
  // 1: the walking skeleton
  `
  CREATE TABLE catalog (
    item_id TEXT PRIMARY KEY,
    product TEXT NOT NULL              -- Product JSON as served by the cloud
  );
  CREATE TABLE visits (
    id INTEGER PRIMARY KEY,
    device_id TEXT NOT NULL,           -- pseudonymous shopper device id
    zone_id TEXT NOT NULL,
    entered_at INTEGER NOT NULL,
    left_at INTEGER
  );
  CREATE INDEX visits_device ON visits (device_id, entered_at);
  CREATE TABLE purchases (
    event_id TEXT PRIMARY KEY,
    shopper_device_id TEXT,
    ts INTEGER NOT NULL,
    payload TEXT NOT NULL
  );
  CREATE TABLE purchase_lines (
    event_id TEXT NOT NULL REFERENCES purchases (event_id),
    item_id TEXT NOT NULL,
    quantity INTEGER NOT NULL
  );
  CREATE INDEX purchase_lines_event ON purchase_lines (event_id);
  CREATE TABLE interactions (
    event_id TEXT PRIMARY KEY,
    zone_id TEXT NOT NULL,
    item_id TEXT NOT NULL,
    action TEXT NOT NULL,
    shopper_device_id TEXT,
    ts INTEGER NOT NULL
  );
  CREATE TABLE outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    sent_at INTEGER
  );
  CREATE INDEX outbox_unsent ON outbox (seq) WHERE sent_at IS NULL;
  CREATE TABLE dead_letters (
    id INTEGER PRIMARY KEY,
    topic TEXT NOT NULL,
    client_id TEXT,
    reason TEXT NOT NULL,
    detail TEXT,
    payload BLOB,
    received_at INTEGER NOT NULL
  );
  `,
];
