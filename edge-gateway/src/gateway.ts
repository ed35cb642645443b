import { randomBytes, randomUUID } from 'node:crypto';
import type { Server as HttpServer } from 'node:http';
import {
  type CustomerProfile,
  type PosPurchase,
  type PresenceEvent,
  type Product,
  type ScreenKind,
  type StoreAssortment,
  type StoreOverview,
  TOPIC_FAMILIES,
  type TopicFamily,
  topics,
  type Zone,
  type ZoneContext,
} from '@aisle/contracts';
import { loadRecommender, type Recommender } from '@aisle/recsys/serve';
import type { Logger } from 'pino';
import { type DeviceMessage, EmbeddedBroker } from './broker/embedded';
import { ExternalBroker } from './broker/external';
import { openPolicy } from './broker/policy';
import { GatewayConfig, type GatewayConfigInput, modelBounds } from './config';
import { Assortment } from './decide/assortment';
import { ThompsonBandit } from './decide/bandit';
import { ARMS, createDecider, servedModel } from './decide/decide';
import { decisionRow, explainDecision } from './decide/explain';
import { createDecisionFeed } from './decide/feed';
import { DecisionLog } from './decide/log';
import { DeviceRegistry } from './devices/registry';
import { GatewayError } from './errors';
import { loadFloorPlan } from './floor-plan';
import { createHttp } from './http/server';
import { createIngest, QUIET_REASONS } from './ingest/ingest';
import { shopperFromAdvertisement } from './ingest/shopper-id';
import { createLogger } from './logger';
import { createMetrics } from './metrics';
import { ModelManager } from './models/manager';
import { type PullResult, pullModels } from './models/registry';
import { PresenceEngine, type ZoneChange } from './presence/engine';
import { eventsOfChange } from './presence/events';
import { apiTokenMatches, PrivateAggregates, registerAggregateRoutes } from './privacy/aggregates';
import { Erasure, type ScrubReport } from './privacy/erasure';
import { LocationConsent } from './privacy/location-consent';
import { Pseudonyms } from './privacy/pseudonyms';
import { Retention } from './privacy/retention';
import { ProfileCache } from './profiles/cache';
import { pullProfiles } from './profiles/pull';
import { ScreenOutbox } from './realtime/outbox';
import { ScreenPairing } from './realtime/pairing';
import { ScreenHub } from './realtime/screens';
import { StaffAuth } from './realtime/staff-auth';
import type { ScreenHandlers, ScreenSender } from './realtime/types';
import { createScreenServices } from './screens/index';
import { ShopperMemory, type TouchAction } from './shoppers/memory';
import { GatewayStore } from './store/db';
import { SightingWriter } from './store/sighting-writer';
import { CloudClient } from './sync/cloud-client';
import { pullInventory } from './sync/inventory-pull';
import { createOutboxSync } from './sync/outbox';

export interface GatewayDeps {
  logger?: Logger;
  /** Clock in epoch ms; tests may drive it. */
  now?: () => number;
}

export interface ListeningGateway {
  httpUrl: string;
  mqttUrl: string;
  /** mqtts:// and ws:// URLs when those listeners are configured. */
  mqttTlsUrl?: string;
  mqttWsUrl?: string;
  httpPort: number;
  mqttPort: number;
}

/**
 * Builds the store's gateway: broker, ingest, presence, decisions, screens, storage,
 * cloud link. Nothing listens until `listen()`; `close()` releases everything.
 */
export async function createGateway(input: GatewayConfigInput, deps: GatewayDeps = {}) {
  const config = GatewayConfig.parse(input);
  const logger = deps.logger ?? createLogger();
  const now = deps.now ?? Date.now;
  const floorPlan = loadFloorPlan(config.floorPlanPath);
  const storeId = floorPlan.storeId;
  let hub: ScreenHub | undefined;
  const metrics = createMetrics({
    outboxDepth: () => store.outboxDepth(),
    outboxOldestAgeSeconds: () => outboxSync.oldestAgeSeconds(),
    screensConnected: () => hub?.connected ?? 0,
    shoppersPresent: () => [...presence.occupancy().values()].reduce((a, b) => a + b, 0),
    storage: () => store.usage(),
    queues: () => ({ sightings: sightings.pending, outbox: store.outboxDepth() }),
  });
  const store = new GatewayStore(config.databasePath);
  const cloud = new CloudClient(config.cloudUrl, config.sync.requestTimeoutMs, config.cloudCredential);
  const log = (module: string) => logger.child({ module });

  let models: ModelManager;
  let bundles: Recommender | undefined;
  try {
    models = await ModelManager.open({
      dir: config.modelDir,
      logger: log('models'),
      registry: metrics.registry,
      db: store.db,
      bounds: modelBounds(config.models),
      now,
    });
    if (config.models.bundlesDir) bundles = await loadRecommender(config.models.bundlesDir);
  } catch (err) {
    store.close();
    throw new GatewayError('model_unavailable', `cannot load the model: ${(err as Error).message}`, { cause: err });
  }
  const catalog = await loadCatalog(store, cloud, log('sync')).catch((err) => {
    store.close();
    void models.close();
    void bundles?.close();
    throw err;
  });
  let assortment = new Assortment(catalog, await loadAssortment(store, cloud, storeId, log('sync')));
  log('gateway').info(
    { storeId, items: catalog.size, model: models.version, stockKnown: assortment.known },
    'gateway built',
  );

  const zones = new Map<string, Zone>(floorPlan.zones.map((z) => [z.id, z]));
  const scannerZones = new Map(floorPlan.scanners.map((s) => [s.id, s.zoneId]));
  const presence = new PresenceEngine(scannerZones, config.presence);
  const memory = new ShopperMemory();
  const profiles = new ProfileCache(store.db, {
    maxProfiles: config.profiles.maxProfiles,
    memoryProfiles: config.profiles.memoryProfiles,
    now,
    logger: log('profiles'),
    // a customer erased in the cloud is scrubbed here (privacy/erasure.ts); see "erasure" below
    erasure: {
      scrub: (customerId, profile) => scrubErased(customerId, profile),
      isErased: (customerId) => erasure.isErased(customerId),
      committed: (customerIds) => afterErasure(customerIds),
    },
  });
  const rec = config.recommendations;
  const bandit = new ThompsonBandit(ARMS, Math.random, { epsilon: rec.exploration });
  // --- privacy at the sensor (privacy/): only devices with location consent are stored, and only by pseudonym ------
  const pseudonyms = new Pseudonyms(store.db);
  const locationConsent = new LocationConsent(store.db);
  const retention = new Retention({ db: store.db, pseudonyms, config, registry: metrics.registry, now });
  const transientPresence = config.privacy.unconsentedPresence === 'transient';
  /**
   * Devices whose current visit is being stored (they had location consent when it began), with the pseudonym it is
   * stored under: fixed at arrival, so a visit that crosses midnight is closed under the pseudonym it was opened with.
   */
  const storedVisits = new Map<string, string>();
  /** What names a shopper device on disk: its pseudonym when it may be tracked, else nothing. */
  function diskRef(deviceId: string | undefined, at: number): string | undefined {
    if (deviceId === undefined || !locationConsent.allows(deviceId)) return undefined;
    return storedVisits.get(deviceId) ?? pseudonyms.of(deviceId, at);
  }
  const decisionLog = new DecisionLog(store.db, {
    bandit,
    horizonMs: rec.rewardHorizonMs,
    shopperRefOf: (deviceId, at) => diskRef(deviceId, at) ?? null,
  });
  const decide = createDecider({
    model: models,
    bundles: bundles && servedModel(bundles),
    assortment: () => assortment,
    zones,
    count: rec.count,
    pool: rec.pool,
    diversity: rec.diversity,
    bandit,
    recentPurchaseMs: rec.recentPurchaseDays * 86_400_000,
    newId: randomUUID,
  });
  const screensLog = log('realtime');
  // --- screens' realtime transport: device tokens, each screen's stored sequence of messages, staff PINs ----------
  const screenPairing = new ScreenPairing(store.db, now);
  if (config.realtime.tokensPath) {
    const paired = screenPairing.registerFile(config.realtime.tokensPath);
    screensLog.info({ paired, file: config.realtime.tokensPath }, 'screens paired from the token file');
  }
  const screenOutbox = new ScreenOutbox(store.db, {
    floorPlan,
    now,
    keepMessages: config.realtime.keepMessages,
    keepMs: config.realtime.keepHours * 3_600_000,
  });
  /** Sends to screens (stored and numbered, delivered when they are connected); works before `listen()` too. */
  const screens: ScreenSender = screenOutbox;
  const staffAuth = new StaffAuth({
    path: config.realtime.staffPath,
    maxAttempts: config.realtime.pinAttempts,
    lockMs: config.realtime.pinLockMs,
    now,
  });
  const screenKinds = new Map<string, ScreenKind>();
  for (const s of floorPlan.screens) if (s.zoneId && !screenKinds.has(s.zoneId)) screenKinds.set(s.zoneId, s.kind);

  // --- decisions pushed to screens -------------------------------------------------
  const feed = createDecisionFeed({
    decide,
    decisionLog,
    memory,
    profiles,
    presence,
    catalog,
    assortment: () => assortment,
    screenKinds,
    triggers: config.triggers,
    metrics,
    logger: log('decide'),
    now,
    // to the zone's kiosks and mirrors, except a kiosk showing its session's shopper their own cards
    push: (msg) => screenServices.zonePush(msg),
  });

  // --- kiosk sessions and hand-over, the mirror, the staff assistant (screens/) ---------------------------------
  const screenServices = createScreenServices({
    storeId,
    floorPlan,
    zones,
    catalog,
    assortment: () => assortment,
    profiles,
    memory,
    decide,
    decisionLog,
    sender: screens,
    db: store.db,
    logger: log('screens'),
    now,
    newId: randomUUID,
    feed,
    // a till that said it is online, else the first till the device registry knows
    tills: () => [
      ...[...devices].flatMap(([key, d]) => (d.family === 'pos' && d.online ? [key.slice('pos/'.length)] : [])),
      ...(registry?.file.devices.filter((d) => d.family === 'pos').map((d) => d.id) ?? []),
    ],
    publish: (topic, payload) => broker.publish(topic, payload, 1),
    lookup: async (identifier) => {
      try {
        return (await cloud.lookupCustomer(storeId, identifier)) ?? undefined;
      } catch (err) {
        log('sync').warn({ err: (err as Error).message }, 'cannot look a customer up in the cloud');
        return undefined;
      }
    },
    myDataLink: (customerId) => cloud.myDataLink(storeId, customerId),
    cartAtRiskMs: config.triggers.cartAtRiskMs,
    insightsK: config.insights.k,
    insightsWindowMs: config.insights.windowMs,
  });
  /**
   * What the gateway does with each screen request; the hub has already checked the token, hello, kind of screen,
   * staff login and payload.
   */
  const screenHandlers: ScreenHandlers = screenServices.handlers;

  function zoneContext(zoneId: string, occupancy = presence.occupancy()): ZoneContext {
    return { zoneId, name: zones.get(zoneId)!.name, shoppers: occupancy.get(zoneId) ?? 0, updatedAt: now() };
  }

  function storeOverview(occupancy = presence.occupancy()): StoreOverview {
    return {
      storeId,
      storeName: floorPlan.name,
      zones: floorPlan.zones.map((z) => ({ zoneId: z.id, name: z.name, shoppers: occupancy.get(z.id) ?? 0 })),
      updatedAt: now(),
    };
  }

  const screenZones = new Set(floorPlan.screens.flatMap((s) => (s.zoneId ? [s.zoneId] : [])));
  const presenceTopic = topics.presence(storeId);
  function publishPresence(events: readonly PresenceEvent[]): void {
    for (const e of events) broker.publish(presenceTopic, JSON.stringify(e));
  }

  /** A product handled in a zone is a touch by the shopper the device names, or else by the newest shopper there. */
  function touch(
    zoneId: string,
    itemId: string,
    action: TouchAction,
    shopperId: string | undefined,
    ts: number,
    at: number,
  ): void {
    const deviceId = shopperId ?? presence.newestIn(zoneId)?.deviceId;
    if (!deviceId) return;
    publishPresence([{ type: 'product_touch', deviceId, zoneId, itemId, action, at }]);
    feed.touched(deviceId, zoneId, itemId, action, ts, at);
  }

  function onZoneChanges(changes: ZoneChange[], sourceTs?: number): void {
    if (changes.length === 0) return;
    const touched = new Set<string>();
    for (const c of changes) {
      metrics.zoneChanges.inc();
      publishPresence(eventsOfChange(c, sourceTs));
      // a visit is stored only when the device had location consent as it began; others are counted, anonymously.
      // Consent withdrawn during the visit: the rows it opened are closed, nothing new is written.
      if (c.from === null && c.to && locationConsent.allows(c.deviceId))
        storedVisits.set(c.deviceId, pseudonyms.of(c.deviceId, c.at));
      const opened = storedVisits.get(c.deviceId);
      const stored = opened !== undefined && locationConsent.allows(c.deviceId) ? opened : undefined;
      if (c.from) {
        if (opened) store.recordZoneLeave(opened, c.from, c.at);
        if (c.fromSince !== null) sightings.countDwell(c.from, c.at, c.at - c.fromSince);
        memory.leaveZone(c.deviceId, c.from, c.at);
        touched.add(c.from);
      }
      if (c.to) {
        if (stored) store.recordZoneEnter(stored, c.to, c.at);
        sightings.countEntry(c.to, c.at, c.deviceId);
        memory.enterZone(c.deviceId, c.to, c.at);
        touched.add(c.to);
      }
      if (c.from === null && c.to) {
        if (stored) store.startSession(stored, c.at);
        feed.arrived(c.deviceId, c.to);
      }
      if (c.to === null) {
        if (opened) store.endSession(opened, c.at);
        storedVisits.delete(c.deviceId);
        feed.left(c.deviceId);
      }
    }
    for (const zoneId of touched) dirtyZones.add(zoneId);
    if (!screensUpdate) screensUpdate = setImmediate(updateScreens);
    screenServices.onPresence();
  }

  // Screens are updated once per turn of the event loop, however many shoppers moved in it.
  const dirtyZones = new Set<string>();
  let screensUpdate: NodeJS.Immediate | undefined;
  function updateScreens(): void {
    screensUpdate = undefined;
    const occupancy = presence.occupancy();
    for (const zoneId of dirtyZones) {
      screens.send({ zone: zoneId, kinds: ['kiosk', 'mirror'] }, 'zoneContext', zoneContext(zoneId, occupancy));
      if (screenZones.has(zoneId)) void feed.refreshZone(zoneId);
    }
    dirtyZones.clear();
    screens.send({ kind: 'staff' }, 'storeOverview', storeOverview(occupancy));
  }

  // --- ingest ------------------------------------------------------------------------
  const registry = config.auth.mode === 'registry' ? DeviceRegistry.load(config.auth.registryPath) : undefined;
  if (registry && registry.file.storeId !== storeId)
    throw new GatewayError('bad_config', `device registry is for store "${registry.file.storeId}", not "${storeId}"`);
  const shelfZones = new Map(floorPlan.shelves.map((s) => [s.id, s.zoneId]));
  const sightings = new SightingWriter(
    store,
    config.storage.maxRawSightingsPerDay,
    config.privacy.aggregates.maxEntriesPerShopperDay,
  );
  const pseudonymSalt = config.ingest.pseudonymSalt ?? randomBytes(16).toString('hex');
  const ingest = createIngest({
    storeId,
    // a BLE scanner must also be placed in the floor plan, or its sightings mean nothing
    knownDevice: (family, id) => (registry?.has(family, id) ?? true) && (family !== 'ble' || scannerZones.has(id)),
    zoneOf: (id) => shelfZones.get(id),
    rateLimit: { perSecond: config.ingest.ratePerSecond, burst: config.ingest.burst },
    handlers: {
      ble: (s, at) => {
        const deviceId = s.deviceId ?? shopperFromAdvertisement(s.advertisement, pseudonymSalt);
        if (deviceId === undefined) return; // another kind of beacon: not a shopper
        // the consent check and the pseudonym in one step: this runs for every sighting
        const ref = diskRef(deviceId, at);
        if (ref !== undefined) {
          sightings.add({ deviceId: ref, scannerId: s.scannerId, rssi: s.rssi, ts: s.ts, receivedAt: at });
        } else {
          // no location consent: nothing about the device is stored, the sighting only counts for its zone and hour
          sightings.countUnstored(scannerZones.get(s.scannerId)!, at);
          metrics.sightingsUnconsented.inc();
          if (!transientPresence) return;
        }
        const change = presence.observe({ deviceId, scannerId: s.scannerId, rssi: s.rssi, ts: s.ts }, at);
        if (!change) return;
        onZoneChanges([change], s.ts);
        const latency = now() - s.ts;
        if (latency >= 0 && latency < 60_000) metrics.presenceLatency.observe(latency / 1000);
      },
      sensor: (r) => store.recordSensorReading(r),
      shelf: (i, at) => {
        if (store.recordInteraction(asStored(i, diskRef(i.shopperDeviceId, at))))
          touch(i.zoneId, i.itemId, i.action, i.shopperDeviceId, i.ts, at);
      },
      rfid: (r, at) => {
        store.recordRfidRead(asStored(r, diskRef(r.shopperDeviceId, at)));
        for (const tag of r.tags) if (tag.itemId) touch(r.zoneId, tag.itemId, 'tried_on', r.shopperDeviceId, r.ts, at);
        screenServices.onRfid(r);
      },
      pos: (sale, at) => {
        // a till that still names a customer erased here (its own cache, a late message) sells anonymously
        const p = sale.customerId !== undefined && erasure.isErased(sale.customerId) ? anonymousSale(sale) : sale;
        if (!store.recordPurchase(asStored(p, diskRef(p.shopperDeviceId, at)), at)) return;
        metrics.purchases.inc();
        feed.purchased(p, at);
        screenServices.onPurchase(p, at);
        const shopper = p.shopperDeviceId ? presence.get(p.shopperDeviceId) : undefined;
        if (shopper && screenZones.has(shopper.zoneId)) void feed.refreshZone(shopper.zoneId);
      },
      status: (family, status, at) => {
        store.recordDeviceStatus(family, status, at);
        devices.set(`${family}/${status.deviceId}`, { family, online: status.state !== 'offline' });
        const online = new Map<string, number>();
        for (const d of devices.values()) if (d.online) online.set(d.family, (online.get(d.family) ?? 0) + 1);
        metrics.devicesOnline.reset();
        for (const [f, n] of online) metrics.devicesOnline.set({ family: f }, n);
      },
    },
  });
  const devices = new Map<string, { family: string; online: boolean }>();
  const ingestLog = log('ingest');
  const deadLetterTopic = topics.deadLetter(storeId);
  const skewed = new Set<string>();
  // label lookups once, not per message
  const ingestedBy = Object.fromEntries(
    (Object.keys(TOPIC_FAMILIES) as TopicFamily[]).map((f) => [f, metrics.ingested.labels({ family: f })]),
  ) as Record<TopicFamily, { inc(): void }>;
  const onMessage = ({ topic, payload, clientId }: DeviceMessage) => {
    const at = now();
    const result = ingest(topic, payload, at);
    if (result.ok) {
      ingestedBy[result.family].inc();
      if (Math.abs(result.skewMs) > config.ingest.maxClockSkewMs) {
        metrics.clockSkew.inc({ family: result.family });
        if (!skewed.has(result.deviceId)) {
          skewed.add(result.deviceId); // once per device and start: a wrong clock stays wrong
          ingestLog.warn(
            { device: result.deviceId, skewMs: result.skewMs },
            'device clock is off; using the gateway clock',
          );
        }
      }
      return;
    }
    const device = result.deviceId && result.reason !== 'unknown_device' ? result.deviceId : 'unknown';
    metrics.rejected.inc({ reason: result.reason, device });
    if (QUIET_REASONS.has(result.reason)) return;
    const notice = { topic, clientId, reason: result.reason, detail: result.detail, receivedAt: at };
    ingestLog.warn(notice, 'message dead-lettered');
    try {
      store.addDeadLetter({ ...notice, payload });
    } catch (err) {
      ingestLog.error({ err }, 'cannot store dead letter');
    }
    broker.publish(deadLetterTopic, JSON.stringify(notice));
  };
  const external = config.mqtt.external;
  const broker = external
    ? new ExternalBroker({
        ...external,
        clientId: external.clientId ?? `aisle-gateway-${storeId}`,
        storeId,
        logger: log('broker'),
        onMessage,
      })
    : await EmbeddedBroker.create({
        logger: log('broker'),
        policy: registry?.policy() ?? openPolicy,
        onRefusedPublish: (clientId, topic, reason) => {
          metrics.refusedPublishes.inc();
          log('broker').warn({ clientId, topic, reason }, 'publish refused');
        },
        onMessage,
      });

  // --- HTTP + screens ----------------------------------------------------------------
  let cloudOk: boolean | undefined;
  const http = await createHttp({
    logger,
    registry: metrics.registry,
    screens: config.screens,
    explanation: (id) => {
      decisionLog.flush(); // a screen asks right after the push: the row may still be buffered
      const row = decisionRow(store.db, id);
      return row && explainDecision(row, assortment.catalog, zones);
    },
    health: () => ({
      broker: {
        status: broker.listening ? 'pass' : 'fail',
        ...(external ? { output: `external broker ${external.url}` } : { observedValue: broker.connectedClients }),
      },
      database: { status: safePing(store) ? 'pass' : 'fail' },
      model: { status: 'pass', observedValue: models.version },
      cloud: {
        status: cloudOk === false ? 'warn' : 'pass',
        output: cloudOk === false ? 'cloud unreachable; purchases queue in the outbox' : '',
        observedValue: store.outboxDepth(),
      },
    }),
  });

  // --- privacy-protected footfall, dwell and heatmaps for dashboards (privacy/aggregates.ts) ---------------------
  const aggregatesConfig = config.privacy.aggregates;
  const aggregates = new PrivateAggregates(store.db, {
    zones: floorPlan.zones.map((z) => z.id),
    k: aggregatesConfig.k,
    epsilonPerQuery: aggregatesConfig.epsilonPerQuery,
    epsilonPerDay: aggregatesConfig.epsilonPerDay,
    maxEntriesPerShopperDay: aggregatesConfig.maxEntriesPerShopperDay,
    now,
  });
  aggregates.registerMetrics(metrics.registry);
  // readers: the store's paired staff screens (their device token) and chain dashboards (an API token in config)
  registerAggregateRoutes(http, {
    aggregates,
    authorize: (token) =>
      screenPairing.lookup(token)?.kind === 'staff' || apiTokenMatches(token, aggregatesConfig.apiTokenHashes),
  });

  // --- erasure: a customer the cloud erased leaves this store's database, files and memory -----------------------
  const erasure = new Erasure(store.db, {
    pseudonymsOf: (raw) => pseudonyms.allOf(raw),
    now,
    registry: metrics.registry,
  });
  const erasureLog = log('privacy');
  /** Scrubs of the page being applied, until it commits. */
  const scrubbed = new Map<string, ScrubReport>();
  /** In the profile page's transaction, before the cached profile goes. */
  function scrubErased(customerId: string, profile: CustomerProfile | undefined): void {
    // buffered rows are written first, so the scrub reaches them too
    flushSightings();
    flushDecisions();
    const inMemory = [...memory.sessions()].filter((s) => s.customerId === customerId).map((s) => s.deviceId);
    scrubbed.set(customerId, erasure.scrub({ customerId, profile, devices: inMemory }));
  }
  /** The page committed: memory, screens and the files follow. Never throws (the pull that called it succeeded). */
  function afterErasure(customerIds: readonly string[]): void {
    const rows: Record<string, number> = {};
    try {
      for (const customerId of customerIds) {
        const report = scrubbed.get(customerId);
        scrubbed.delete(customerId);
        for (const [table, n] of Object.entries(report?.rows ?? {})) rows[table] = (rows[table] ?? 0) + n;
        const devices = report?.rawDevices ?? [];
        // a visit still going on is no longer stored
        for (const s of memory.forgetCustomer(customerId, devices)) storedVisits.delete(s.deviceId);
        for (const d of devices) storedVisits.delete(d);
        // kiosks showing them get the zone's own cards
        screenServices.kiosk
          .forgetCustomer(customerId)
          .catch((err: unknown) => erasureLog.error({ err }, 'cannot refresh a kiosk after an erasure'));
      }
      // every zone's cards are decided again: none may stay personalized for them (erasures are rare)
      for (const zoneId of screenZones) void feed.refreshZone(zoneId);
      screenServices.onPresence(); // staff alerts about them are forgotten with their presence
      erasure.committed(customerIds.length);
      erasureLog.info({ erased: customerIds.length, rows }, 'erasures applied');
    } catch (err) {
      erasureLog.error({ err, erased: customerIds.length }, 'cannot finish applying erasures');
    }
  }

  // --- background work ---------------------------------------------------------------
  const outboxSync = createOutboxSync({
    store,
    cloud,
    storeId,
    batchSize: config.sync.batchSize,
    backoff: { baseMs: config.sync.backoffBaseMs, capMs: config.sync.backoffCapMs },
    logger: log('sync'),
    now,
    onResult: (ok) => {
      cloudOk = ok;
      metrics.cloudPushes.inc({ result: ok ? 'ok' : 'error' });
    },
  });
  const timers: NodeJS.Timeout[] = [];
  /** Every sync interval; after a failed push it waits out the backoff delay, after a success it pushes at once. */
  async function syncTick(): Promise<void> {
    await outboxSync.tick();
    metrics.outboxOldestAge.set(outboxSync.oldestAgeSeconds());
  }

  let droppedReported = 0;
  function flushSightings(): void {
    try {
      sightings.flush();
    } catch (err) {
      log('store').error({ err }, 'cannot write sightings');
    }
    metrics.sightingsDropped.inc(sightings.dropped - droppedReported);
    droppedReported = sightings.dropped;
  }

  function flushDecisions(): void {
    try {
      decisionLog.flush();
    } catch (err) {
      log('decide').error({ err }, 'cannot write the decision log');
    }
  }

  let pullingModels: Promise<PullResult> | undefined;
  function pullModelsNow(): Promise<PullResult> {
    const registryDir = config.models.registryDir;
    if (!registryDir) return Promise.resolve({ upToDate: true });
    pullingModels ??= pullModels({ source: cloud, storeId, modelsDir: registryDir, manager: models, logger })
      .catch((err: Error) => {
        log('models').warn({ err: err.message }, 'cannot pull models from the registry');
        return { upToDate: false };
      })
      .finally(() => {
        pullingModels = undefined;
      });
    return pullingModels;
  }

  let pullingProfiles: Promise<void> | undefined;
  let pullAgain = false;
  /** Pulls profile changes and stock; a call during a pull is served by one more pull right after it. */
  function refreshProfiles(): Promise<void> {
    if (pullingProfiles) {
      pullAgain = true;
      return pullingProfiles.then(() => pullingProfiles ?? refreshProfiles());
    }
    pullingProfiles = pullProfilesOnce().finally(() => {
      pullingProfiles = undefined;
      if (pullAgain) {
        pullAgain = false;
        void refreshProfiles();
      }
    });
    return pullingProfiles;
  }

  async function pullProfilesOnce(): Promise<void> {
    try {
      await pullProfiles({ source: cloud, cache: profiles, storeId, onProfile: feed.onProfile });
      // stock by cursor; the whole assortment (promotions) only when the feed says it changed
      const stock = await pullInventory({ source: cloud, store, storeId, now });
      if (stock.changes > 0 || stock.refetched) assortment = new Assortment(catalog, stock.assortment);
    } catch (err) {
      log('sync').warn({ err: (err as Error).message }, 'cannot refresh profiles and stock from the cloud');
    }
  }

  /** Applies every retention rule (privacy/retention.ts); returns how many raw sightings went. */
  function purgeRawData(at: number): number {
    let purged: Record<string, number>;
    try {
      purged = retention.purge(at).purged;
    } catch (err) {
      log('store').error({ err }, 'retention purge failed');
      return 0;
    }
    metrics.sightingsPurged.inc(purged.sightings);
    const deleted = Object.fromEntries(Object.entries(purged).filter(([, n]) => n > 0));
    if (Object.keys(deleted).length > 0) log('store').info({ purged: deleted }, 'data past retention purged');
    return purged.sightings ?? 0;
  }

  return {
    config,
    storeId,
    floorPlan,
    store,
    metrics,
    presence,
    /** The model versions: live, canary or shadow candidate, hot swaps and rollbacks. */
    models,
    /** Asks the cloud registry for a new model version now and stages it (tests; a timer does it otherwise). */
    pullModels: pullModelsNow,
    /** Writes buffered raw sightings now (tests and shutdown). */
    flushSightings,
    /** Applies every retention rule now (raw sightings, visits, sessions, … salts); returns how many sightings went. */
    purgeRawData,
    retention,
    /** Privacy-protected aggregates and their ε ledger. */
    aggregates,
    /** Rotating device pseudonyms: every device id the gateway writes goes through them. */
    pseudonyms,
    /** Whether a device may be tracked (location consent of its linked profile). */
    locationConsent,
    /** Sends what is in the outbox now (tests and shutdown). */
    flushOutbox: () => outboxSync.flush(),
    memory,
    profiles,
    decisionLog,
    /** Writes buffered decision-log rows now (tests and shutdown). */
    flushDecisions,
    /** Pulls profile changes and the store's stock from the cloud now (tests). */
    refreshProfiles,
    /** Pairs a screen of the floor plan with a new device token and returns it (shown once; replaces the old one). */
    pairScreen(screenId: string): string {
      const screen = floorPlan.screens.find((s) => s.id === screenId);
      if (!screen) throw new GatewayError('bad_config', `no screen "${screenId}" in the floor plan`);
      return screenPairing.pair(screen.id, screen.kind);
    },
    /** Sends messages to screens, each in its own stored sequence. */
    screens,
    /** This store's stock and promotions as the gateway knows them. */
    get assortment() {
      return assortment;
    },

    async listen(): Promise<ListeningGateway> {
      await http.listen({ host: config.http.host, port: config.http.port }).catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'EADDRINUSE')
          throw new GatewayError(
            'port_in_use',
            `HTTP port ${config.http.port} on ${config.http.host} is already in use`,
          );
        throw err;
      });
      hub = new ScreenHub(http.server as HttpServer, {
        floorPlan,
        logger: screensLog,
        zoneSnapshot: (zoneId) => ({ context: zoneContext(zoneId), recommendations: feed.lastPush(zoneId) }),
        storeSnapshot: storeOverview,
        onRefused: (reason) => metrics.screenRefusals.inc({ reason }),
        pairing: screenPairing,
        outbox: screenOutbox,
        staffAuth,
        handlers: screenHandlers,
      });
      let mqttPort: number;
      let extraPorts: { tlsPort?: number; wsPort?: number } = {};
      try {
        mqttPort = await broker.listen(config.mqtt.host, config.mqtt.port);
        if (broker instanceof EmbeddedBroker)
          extraPorts = await broker.listenExtra(config.mqtt.host, { tls: config.mqtt.tls, wsPort: config.mqtt.wsPort });
      } catch (err) {
        await hub.close();
        await http.close();
        throw err;
      }
      const address = http.server.address();
      const httpPort = typeof address === 'object' && address ? address.port : config.http.port;
      // every screen zone starts with the zone's own popular items
      await Promise.all([...screenZones].map((z) => feed.refreshZone(z)));
      timers.push(
        setInterval(() => {
          const at = now();
          onZoneChanges(presence.expire(at));
          const dwelling = presence.dwells(at, config.presence.dwellThresholdMs);
          publishPresence(
            dwelling.map((p) => ({
              type: 'dwell' as const,
              deviceId: p.deviceId,
              zoneId: p.zoneId,
              at,
              dwellMs: at - p.enteredAt,
            })),
          );
          for (const p of dwelling) feed.lingering(p.deviceId, p.zoneId, p.enteredAt);
          screenServices.tick();
          decisionLog.expire(at);
          flushDecisions();
        }, 1_000),
      );
      timers.push(setInterval(() => void refreshProfiles(), config.profiles.refreshIntervalMs));
      if (config.models.registryDir) timers.push(setInterval(() => void pullModelsNow(), config.models.pullIntervalMs));
      void refreshProfiles();
      timers.push(setInterval(() => void syncTick(), config.sync.intervalMs));
      timers.push(setInterval(flushSightings, config.storage.flushIntervalMs));
      timers.push(setInterval(() => purgeRawData(now()), config.privacy.retention.purgeIntervalMs));
      purgeRawData(now());
      for (const t of timers) t.unref();
      const host = config.http.host === '0.0.0.0' ? '127.0.0.1' : config.http.host;
      const mqttHost = config.mqtt.host === '0.0.0.0' ? '127.0.0.1' : config.mqtt.host;
      log('gateway').info({ httpPort, mqttPort }, 'gateway listening');
      const mqttUrl = external ? external.url : `mqtt://${mqttHost}:${mqttPort}`;
      return {
        httpUrl: `http://${host}:${httpPort}`,
        mqttUrl,
        httpPort,
        mqttPort,
        ...(extraPorts.tlsPort && { mqttTlsUrl: `mqtts://${mqttHost}:${extraPorts.tlsPort}` }),
        ...(extraPorts.wsPort && { mqttWsUrl: `ws://${mqttHost}:${extraPorts.wsPort}/mqtt` }),
      };
    },

    async close(): Promise<void> {
      for (const t of timers) clearInterval(t);
      if (screensUpdate) clearImmediate(screensUpdate);
      flushSightings();
      flushDecisions();
      profiles.flushUsage();
      await broker.close();
      await hub?.close();
      await http.close();
      await models.close();
      await bundles?.close();
      store.close();
    },
  };
}
export type Gateway = Awaited<ReturnType<typeof createGateway>>;

/** A sale without the shopper: what the store keeps of a sale to an erased customer. */
function anonymousSale(sale: PosPurchase): PosPurchase {
  const { customerId: _, shopperDeviceId: __, ...rest } = sale;
  return rest;
}

/** The event as written to disk: its shopper device named by `ref` (a pseudonym), or not named at all. */
function asStored<T extends { shopperDeviceId?: string | undefined }>(event: T, ref: string | undefined): T {
  if (event.shopperDeviceId === undefined) return event;
  const { shopperDeviceId: _, ...rest } = event;
  return (ref === undefined ? rest : { ...rest, shopperDeviceId: ref }) as T;
}

function safePing(store: GatewayStore): boolean {
  try {
    return store.ping();
  } catch {
    return false;
  }
}

/** This store's stock and promotions from the cloud, cached for offline starts; unknown (undefined) without either. */
async function loadAssortment(
  store: GatewayStore,
  cloud: CloudClient,
  storeId: string,
  logger: Logger,
): Promise<StoreAssortment | undefined> {
  try {
    const fresh = await cloud.assortment(storeId);
    if (fresh) {
      store.saveAssortment(fresh);
      return fresh;
    }
    logger.warn({ storeId }, 'the cloud has no stock for this store; every catalog item counts as available');
  } catch (err) {
    const cached = store.cachedAssortment();
    logger.warn({ err: (err as Error).message, cached: cached !== undefined }, 'cloud unreachable; cached stock used');
    return cached;
  }
  return store.cachedAssortment();
}

/** The catalog from the cloud, cached for offline starts; the cache when the cloud is away. */
async function loadCatalog(store: GatewayStore, cloud: CloudClient, logger: Logger): Promise<Map<string, Product>> {
  let items: Product[];
  try {
    items = await cloud.catalog();
    store.replaceCatalog(items);
  } catch (err) {
    items = store.cachedCatalog();
    if (items.length === 0)
      throw new GatewayError(
        'no_catalog',
        `no catalog: the cloud at ${cloud.baseUrl} did not answer (${(err as Error).message}) and none is cached`,
      );
    logger.warn({ err: (err as Error).message, items: items.length }, 'cloud unreachable; using the cached catalog');
  }
  return new Map(items.map((p) => [p.id, p]));
}
