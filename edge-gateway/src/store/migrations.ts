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
  // 3: decisioning — cached customer profiles, this store's stock and promotions, the decision log, models
  `
  CREATE TABLE profiles (
    customer_id TEXT PRIMARY KEY,
    profile TEXT NOT NULL,             -- CustomerProfile JSON as served by the cloud
    updated_at INTEGER NOT NULL,       -- the profile's own updatedAt
    last_used INTEGER NOT NULL         -- LRU clock: evicted oldest first, unless pinned
  );
  CREATE INDEX profiles_lru ON profiles (last_used);
  CREATE TABLE profile_devices (
    device_id TEXT PRIMARY KEY,        -- a shopper app's pseudonymous id
    customer_id TEXT NOT NULL REFERENCES profiles (customer_id) ON DELETE CASCADE
  );
  CREATE INDEX profile_devices_customer ON profile_devices (customer_id);
  CREATE TABLE sync_cursors (
    name TEXT PRIMARY KEY,
    cursor INTEGER NOT NULL
  );
  CREATE TABLE assortment (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    assortment TEXT NOT NULL           -- StoreAssortment JSON: stock and promotions
  );
  CREATE TABLE decisions (
    id TEXT PRIMARY KEY,
    at INTEGER NOT NULL,
    zone_id TEXT NOT NULL,
    screen_kind TEXT,
    trigger TEXT NOT NULL,
    shopper_ref TEXT,                  -- the shopper's pseudonym, never a customer id
    personalized INTEGER NOT NULL,
    model_version TEXT NOT NULL,
    arm TEXT NOT NULL,                 -- the bandit's choice
    propensity REAL NOT NULL,          -- probability the policy had of choosing that arm
    context TEXT NOT NULL,             -- the context features, JSON
    items TEXT NOT NULL,               -- shown items with score, reason and propensity, JSON
    reward REAL                        -- set when the shopper acted on it
  );
  CREATE INDEX decisions_at ON decisions (at);
  CREATE INDEX decisions_shopper ON decisions (shopper_ref, at);
  CREATE TABLE model_versions (
    version TEXT PRIMARY KEY,
    state TEXT NOT NULL,               -- staged | live | canary | shadow | retired | rejected
    reason TEXT,
    updated_at INTEGER NOT NULL
  );
  `,
  // 4: screens — device tokens from pairing, each screen's sequenced messages (replayed after a reconnect, also
  // across restarts), identities to find a profile by at the kiosk, and carts handed over to a till
  `
  CREATE TABLE screen_tokens (
    screen_id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,                -- kiosk | mirror | staff
    token_hash TEXT NOT NULL,          -- sha256 of the token; the token itself is only shown once
    paired_at INTEGER NOT NULL
  );
  CREATE TABLE screen_messages (
    screen_id TEXT NOT NULL,
    seq INTEGER NOT NULL,              -- per screen, gap-free from 1
    event TEXT NOT NULL,
    payload TEXT NOT NULL,             -- JSON, as the screen receives it
    sent_at INTEGER NOT NULL,
    PRIMARY KEY (screen_id, seq)
  ) WITHOUT ROWID;
  CREATE TABLE screen_acks (
    screen_id TEXT PRIMARY KEY,
    seq INTEGER NOT NULL,              -- the screen processed every message up to here
    at INTEGER NOT NULL
  );
  CREATE TABLE profile_identities (
    kind TEXT NOT NULL,                -- loyalty | phone (sha256 of the digits)
    value TEXT NOT NULL,
    customer_id TEXT NOT NULL REFERENCES profiles (customer_id) ON DELETE CASCADE,
    PRIMARY KEY (kind, value)
  );
  CREATE INDEX profile_identities_customer ON profile_identities (customer_id);
  CREATE TABLE handovers (
    handover_id TEXT PRIMARY KEY,
    screen_id TEXT NOT NULL,
    terminal_id TEXT NOT NULL,
    code TEXT NOT NULL,
    customer_id TEXT,
    lines TEXT NOT NULL,               -- PurchaseLine[] JSON
    created_at INTEGER NOT NULL,
    paid_at INTEGER
  );
  `,
  // 5: the store's outbox sequence, numbered by a counter of its own: gap-free from 1, never reused (the cloud
  // detects gaps with it). Rows sent before it have none; unsent rows are numbered in order.
  `
  CREATE TABLE outbox_counter (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    last_seq INTEGER NOT NULL
  );
  ALTER TABLE outbox ADD COLUMN store_seq INTEGER;
  UPDATE outbox SET store_seq = (SELECT count(*) FROM outbox o WHERE o.sent_at IS NULL AND o.seq <= outbox.seq)
    WHERE sent_at IS NULL;
  INSERT INTO outbox_counter (id, last_seq) SELECT 1, count(*) FROM outbox WHERE sent_at IS NULL;
  CREATE UNIQUE INDEX outbox_store_seq ON outbox (store_seq);
  `,
  // 6: privacy at the edge (issue #8) — anonymous per-zone counts that survive when a shopper's sightings may not
  `
  CREATE TABLE zone_hourly (
    zone_id TEXT NOT NULL,
    hour_start INTEGER NOT NULL,       -- epoch ms of the hour
    entries INTEGER NOT NULL DEFAULT 0,  -- shoppers presence tracked into the zone (consented, or transient)
    dwell_ms INTEGER NOT NULL DEFAULT 0, -- their summed dwell
    sightings INTEGER NOT NULL DEFAULT 0, -- sightings of devices that may not be tracked, counted and dropped
    PRIMARY KEY (zone_id, hour_start)
  ) WITHOUT ROWID;
  -- one random salt per UTC day: device ids are written as HMAC(salt, raw id) and the salt is deleted after the
  -- longest retention, so old pseudonyms can no longer be linked to a device (privacy/pseudonyms.ts)
  CREATE TABLE pseudonym_salts (
    day INTEGER PRIMARY KEY,           -- days since the epoch (UTC)
    salt BLOB NOT NULL
  );
  -- the retention purge deletes by age (privacy/retention.ts)
  CREATE INDEX visits_entered ON visits (entered_at);
  CREATE INDEX sessions_started ON sessions (started_at);
  CREATE INDEX interactions_ts ON interactions (ts);
  CREATE INDEX rfid_reads_ts ON rfid_reads (ts);
  CREATE INDEX dead_letters_received ON dead_letters (received_at);
  `,
  // 7: the privacy budget ledger of published aggregates (issue #8)
  `
  -- every published release, kept so the same query is answered again unchanged and at no cost (privacy/aggregates.ts)
  CREATE TABLE privacy_releases (
    id INTEGER PRIMARY KEY,
    query TEXT NOT NULL UNIQUE,        -- the normalized query: kind, range, zone, k and ε
    at INTEGER NOT NULL,
    result TEXT NOT NULL               -- the release as published, JSON (already suppressed and noised)
  );
  -- what each release cost each UTC day of data it covers; a day's sum never exceeds its budget
  CREATE TABLE privacy_ledger (
    period TEXT NOT NULL,              -- the UTC day of the data, e.g. 2026-11-29
    release_id INTEGER NOT NULL REFERENCES privacy_releases (id),
    epsilon_micro INTEGER NOT NULL,    -- ε in millionths: integer sums compare exactly with the budget
    at INTEGER NOT NULL,
    PRIMARY KEY (period, release_id)
  ) WITHOUT ROWID;
  `,
  // 8: customers erased here (issue #8), remembered by a hash of their id only, so a profile of theirs arriving late
  // (an older page, a kiosk lookup answered before the erasure) is refused instead of bringing them back
  `
  CREATE TABLE erased_customers (
    customer_hash TEXT PRIMARY KEY,    -- sha256 hex of the customer id (privacy/erasure.ts erasedHash)
    erased_at INTEGER NOT NULL
  ) WITHOUT ROWID;
  `,
];
