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
  // 2: every device family, raw sightings with retention, device status, sessions
  `
  CREATE TABLE sightings (
    id INTEGER PRIMARY KEY,
    device_id TEXT NOT NULL,           -- pseudonymous shopper device id
    scanner_id TEXT NOT NULL,
    rssi INTEGER NOT NULL,
    ts INTEGER NOT NULL,               -- the scanner's clock
    received_at INTEGER NOT NULL       -- the gateway's clock
  );
  CREATE INDEX sightings_received ON sightings (received_at);
  CREATE TABLE rfid_reads (
    event_id TEXT NOT NULL,
    epc TEXT NOT NULL,
    item_id TEXT,
    zone_id TEXT NOT NULL,
    shopper_device_id TEXT,
    ts INTEGER NOT NULL,
    PRIMARY KEY (event_id, epc)
  );
  CREATE TABLE sensor_readings (
    event_id TEXT PRIMARY KEY,
    sensor_id TEXT NOT NULL,
    metric TEXT NOT NULL,
    value REAL NOT NULL,
    ts INTEGER NOT NULL
  );
  CREATE TABLE device_status (
    family TEXT NOT NULL,
    device_id TEXT NOT NULL,
    state TEXT NOT NULL,
    status TEXT NOT NULL,              -- DeviceStatus JSON
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (family, device_id)
  );
  CREATE TABLE sessions (
    id INTEGER PRIMARY KEY,
    device_id TEXT NOT NULL,
    started_at INTEGER NOT NULL,
    ended_at INTEGER
  );
  CREATE INDEX sessions_device ON sessions (device_id, started_at);
  `,
];
