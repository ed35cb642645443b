import { z } from 'zod';

const Port = z.number().int().min(0).max(65_535);

/** Everything the gateway can be told, with defaults and units. Parsed once, in main.ts. */
export const GatewayConfig = z
  .object({
    http: z.object({ host: z.string().default('127.0.0.1'), port: Port.default(8080) }).prefault({}),
    mqtt: z
      .object({
        /** Where the embedded broker listens. */
        host: z.string().default('127.0.0.1'),
        port: Port.default(1883),
        /** Also listen for MQTT over TLS (PEM certificate and key files). */
        tls: z
          .object({ port: Port.default(8883), certPath: z.string(), keyPath: z.string() })
          .strict()
          .optional(),
        /** Also listen for MQTT over WebSocket at ws://host:wsPort/mqtt (browser-based devices). */
        wsPort: Port.optional(),
        /** Use this broker instead of embedding one (e.g. the store's Mosquitto). */
        external: z
          .object({
            url: z.url(),
            username: z.string().optional(),
            password: z.string().optional(),
            /**
             * Must be unique per gateway on that broker and stable across its restarts (see persistentSession).
             * Default `aisle-gateway-<storeId>`, so the gateways of several stores can share a broker.
             */
            clientId: z.string().min(1).max(128).optional(),
            /**
             * Keep the gateway's MQTT session at the broker while it is away (clean session off, QoS 1 subscription):
             * sales a till publishes at QoS 1 while the gateway restarts, crashes or is upgraded wait at the broker
             * and arrive when it reconnects, instead of being lost. What store IT should know: the broker holds
             * those messages up to its own limit (Mosquitto: `max_queued_messages`, 1000 by default; raise it for
             * long outages), QoS 0 traffic (beacon sightings) is not queued, two gateways must never share a
             * clientId, and a retired gateway's session stays until the broker expires it
             * (`persistent_client_expiration`) or a client connects once with its clientId and a clean session.
             * Off: every connect starts afresh and what was published meanwhile is gone (tests, throwaway gateways).
             */
            persistentSession: z.boolean().default(true),
          })
          .strict()
          .optional(),
      })
      .prefault({}),
    /** SQLite file, or ':memory:' (tests). */
    databasePath: z.string().min(1),
    floorPlanPath: z.string().min(1),
    /** Folder holding model.onnx and model.json, as written by @aisle/recsys. */
    modelDir: z.string().min(1),
    cloudUrl: z.url(),
    /** This store's cloud-sync credential, `<storeId>.<secret>` (sent as `Authorization: Bearer …`). */
    cloudCredential: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}\.[A-Za-z0-9_-]+$/, '<storeId>.<secret>')
      .optional(),
    /**
     * Who may connect to the broker: the device registry (per-device credentials and
     * topic ACL), or `open` (anyone; tests and local tools only).
     */
    auth: z
      .discriminatedUnion('mode', [
        z.object({ mode: z.literal('registry'), registryPath: z.string().min(1) }).strict(),
        z.object({ mode: z.literal('open') }).strict(),
      ])
      .default({ mode: 'open' }),
    ingest: z
      .object({
        /** Messages per second one device may publish on average… */
        ratePerSecond: z.number().positive().default(50),
        /** …and how many it may send at once. */
        burst: z.number().int().positive().default(200),
        /** Device clocks further than this from the gateway's (ms) are counted and logged once. */
        maxClockSkewMs: z.number().int().positive().default(300_000),
        /**
         * Secret salt of the shopper ids derived from raw advertisements; random per start if unset. Those ids only
         * live in memory: what is written is pseudonymised again with a daily salt (privacy/pseudonyms.ts).
         */
        pseudonymSalt: z.string().min(16).optional(),
      })
      .prefault({}),
    storage: z
      .object({
        /** Raw beacon sightings are kept this long, then purged; visits and touches stay. */
        rawRetentionHours: z.number().positive().default(24),
        /** At most this many raw sightings are stored per day; the rest are counted and dropped. */
        maxRawSightingsPerDay: z.number().int().positive().default(2_000_000),
        /** How often buffered sightings are written in one transaction, ms. */
        flushIntervalMs: z.number().int().positive().default(250),
      })
      .prefault({}),
    /** Privacy at the store (issue #8): location consent at ingest, retention of personal data. */
    privacy: z
      .object({
        /**
         * What happens to a shopper device without location consent (anonymous beacons, app users who did not
         * consent): `drop` — it is not tracked at all, only counted per zone and hour; `transient` — it is tracked in
         * memory for its live visit, so screens react to an anonymous shopper, but nothing about it is written.
         */
        unconsentedPresence: z.enum(['drop', 'transient']).default('drop'),
        /** How long each class of data is kept, days (raw sightings: `storage.rawRetentionHours`). */
        retention: z
          .object({
            visitsDays: z.number().positive().default(30),
            sessionsDays: z.number().positive().default(30),
            /** Shelf interactions and RFID reads. */
            interactionsDays: z.number().positive().default(90),
            decisionsDays: z.number().positive().default(90),
            deadLettersDays: z.number().positive().default(14),
            screenMessagesDays: z.number().positive().default(2),
            /** Outbox rows the cloud has acknowledged. */
            outboxSentDays: z.number().positive().default(7),
            /** The anonymous per-zone hourly counts. */
            zoneHourlyDays: z.number().positive().default(400),
            /** How often the purge runs, ms. */
            purgeIntervalMs: z.number().int().positive().default(3_600_000),
          })
          .strict()
          .prefault({}),
        /**
         * Zone footfall, dwell and heatmaps published to dashboards (privacy/aggregates.ts, docs/privacy/aggregates.md):
         * counts below k are withheld, the rest carry noise of privacy loss ε per query, and each UTC day of data has
         * `epsilonPerDay` to spend, for good.
         */
        aggregates: z
          .object({
            k: z.number().int().min(2).default(10),
            epsilonPerQuery: z.number().min(0.000001).max(10).default(1),
            epsilonPerDay: z.number().min(0.000001).max(100).default(10),
            /**
             * Zone-hour entries one shopper's day may add to footfall and heatmaps; beyond it their day is not
             * counted. It bounds the noise a whole-day release needs (its sensitivity) far below zones × 24.
             */
            maxEntriesPerShopperDay: z.number().int().min(1).max(1_000).default(12),
            /** sha256 (hex) of API tokens that may read aggregates (chain dashboards); staff screen tokens may too. */
            apiTokenHashes: z.array(z.string().regex(/^[0-9a-f]{64}$/, 'sha256 hex')).default([]),
          })
          .strict()
          .refine((a) => a.epsilonPerQuery <= a.epsilonPerDay, {
            message: 'epsilonPerQuery must not exceed epsilonPerDay',
          })
          .prefault({}),
      })
      .strict()
      .prefault({}),
    /** The screens' realtime connection: pairing, replay retention, staff login. */
    realtime: z
      .object({
        /** Screens paired ahead of start: a JSON file `[{ screenId, kind, token }]` (the demo writes one). */
        tokensPath: z.string().min(1).optional(),
        /** Staff who may log in on staff screens: JSON `[{ id, name, role, pinHash }]`; read on every login. */
        staffPath: z.string().min(1).optional(),
        /** Messages kept per screen for replay after a reconnect… */
        keepMessages: z.number().int().positive().default(1_000),
        /** …and for how long, hours (a screen away longer is resynced with the current state). */
        keepHours: z.number().positive().default(24),
        /** Wrong staff PINs in a row on one screen before it is locked… */
        pinAttempts: z.number().int().positive().default(5),
        /** …for this long, ms. */
        pinLockMs: z.number().int().positive().default(60_000),
      })
      .strict()
      .prefault({}),
    /** Folders of built screens served over HTTP, by URL prefix (e.g. { kiosk: 'kiosk-app/dist' }). */
    screens: z.record(z.string().regex(/^[a-z-]+$/), z.string()).default({}),
    presence: z
      .object({
        /** Sightings older than this no longer count towards a shopper's zone. */
        windowMs: z.number().int().positive().default(5_000),
        /** A shopper unseen for this long has left the store. */
        leaveAfterMs: z.number().int().positive().default(15_000),
        /** How much stronger (dB) a new zone must be before a shopper is moved there. */
        hysteresisDb: z.number().nonnegative().default(6),
        /** How long (ms) the new zone must stay ahead before the move. */
        confirmMs: z.number().int().nonnegative().default(2_000),
        /** A shopper in one zone this long is lingering: a `dwell` event, once per visit. */
        dwellThresholdMs: z.number().int().positive().default(10_000),
        /** Weight of a new RSSI reading in the per device × scanner exponential smoothing. */
        smoothing: z.number().gt(0).max(1).default(0.25),
      })
      .prefault({}),
    recommendations: z
      .object({
        /** Cards per screen. */
        count: z.number().int().min(1).max(50).default(6),
        /** Candidates asked of the model before filters, re-ranking and diversity. */
        pool: z.number().int().min(1).max(500).default(40),
        /** MMR's λ: 1 keeps the model's order, lower shows more variety for a little predicted score. */
        diversity: z.number().min(0).max(1).default(0.7),
        /** Share of decisions whose first card's offer type is chosen uniformly at random (exploration). */
        exploration: z.number().gt(0).max(1).default(0.1),
        /** Items bought this many days ago or less (online or in any store) are not recommended again. */
        recentPurchaseDays: z.number().nonnegative().default(30),
        /** A decision earns its reward if the shopper handles or buys a shown item within this time, ms. */
        rewardHorizonMs: z.number().int().positive().default(600_000),
      })
      .prefault({}),
    triggers: z
      .object({
        /** A product put back after being held this long (ms) brings alternatives to the zone's screen. */
        longTouchMs: z.number().int().nonnegative().default(5_000),
        /** A trigger's cards stay on the zone's screens this long (ms) before zone updates replace them. */
        holdMs: z.number().int().nonnegative().default(30_000),
        /**
         * An identified, consented customer with online-cart items in stock here who has been in the store this long
         * (ms) without buying is a `cart_at_risk` alert on staff screens (once per visit).
         */
        cartAtRiskMs: z.number().int().positive().default(300_000),
      })
      .prefault({}),
    /** Store aggregates for managers on staff screens. */
    insights: z
      .object({
        /** Figures computed from fewer shoppers than this are withheld (k-anonymity). */
        k: z.number().int().min(2).default(5),
        /** The window they cover, ms. */
        windowMs: z.number().int().positive().default(3_600_000),
      })
      .strict()
      .prefault({}),
    profiles: z
      .object({
        /** Customer profiles kept in the gateway's SQLite; least recently used go first, shoppers in store never. */
        maxProfiles: z.number().int().positive().default(200_000),
        /** Parsed profiles kept in memory. */
        memoryProfiles: z.number().int().positive().default(5_000),
        /** How often profile changes are pulled from the cloud, ms. */
        refreshIntervalMs: z.number().int().positive().default(30_000),
      })
      .prefault({}),
    models: z
      .object({
        /** A co-purchase (bundles) model folder for cross-sell while a shopper lingers; the main model if unset. */
        bundlesDir: z.string().min(1).optional(),
        /** Where model versions pulled from the cloud registry are kept; no pulling when unset. */
        registryDir: z.string().min(1).optional(),
        /** How often the registry is asked for new versions, ms. */
        pullIntervalMs: z.number().int().positive().default(60_000),
        /** A new version is rolled back when its error rate or p99 latency regresses beyond these. */
        maxErrorRate: z.number().min(0).max(1).default(0.05),
        maxP99Ratio: z.number().min(1).default(3),
        /** p99 latencies below this (ms) never count as a regression (sub-millisecond noise is not one). */
        minP99Ms: z.number().nonnegative().default(5),
      })
      .prefault({}),
    sync: z
      .object({
        intervalMs: z.number().int().positive().default(2_000),
        batchSize: z.number().int().min(1).max(500).default(200),
        requestTimeoutMs: z.number().int().positive().default(5_000),
        /** After a failed push the next waits a random 0..min(cap, base · 2^(failures-1)) ms (full jitter). */
        backoffBaseMs: z.number().int().positive().default(2_000),
        backoffCapMs: z.number().int().positive().default(60_000),
      })
      .refine((s) => s.backoffCapMs >= s.backoffBaseMs, { message: 'backoffCapMs must be at least backoffBaseMs' })
      .prefault({}),
  })
  .strict();
export type GatewayConfig = z.infer<typeof GatewayConfig>;
export type GatewayConfigInput = z.input<typeof GatewayConfig>;

/** The rollback bounds of `models` as the model manager takes them. */
export function modelBounds(models: GatewayConfig['models']) {
  return { maxErrorRate: models.maxErrorRate, maxP99Ratio: models.maxP99Ratio, minP99Ms: models.minP99Ms };
}
