import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** The gateway's Prometheus metrics, in base units; no customer or device ids in labels. */
/** Readings taken when /metrics is scraped. */
export interface MetricProbes {
  outboxDepth(): number;
  /** How long the oldest unsent outbox row has waited, seconds (0 when empty). */
  outboxOldestAgeSeconds?(): number;
  screensConnected(): number;
  shoppersPresent(): number;
  storage(): { rows: Record<string, number>; bytes: number };
  queues(): Record<string, number>;
}

export function createMetrics(probes: MetricProbes) {
  const registry = new Registry();
  registry.setDefaultLabels({ service: 'edge-gateway' });
  return {
    registry,
    ingested: new Counter({
      name: 'aisle_ingest_messages_total',
      help: 'Device messages accepted, by topic family',
      labelNames: ['family'] as const,
      registers: [registry],
    }),
    rejected: new Counter({
      name: 'aisle_ingest_rejected_total',
      help: 'Device messages rejected, by reason and device (registered devices only; others count as "unknown")',
      labelNames: ['reason', 'device'] as const,
      registers: [registry],
    }),
    clockSkew: new Counter({
      name: 'aisle_ingest_clock_skew_total',
      help: 'Accepted messages whose device clock differs from the gateway clock by more than the allowed skew (presence uses the gateway clock)',
      labelNames: ['family'] as const,
      registers: [registry],
    }),
    presenceLatency: new Histogram({
      name: 'aisle_presence_latency_seconds',
      help: 'From the device timestamp of a sighting to the zone change it caused being published',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    queueDepth: new Gauge({
      name: 'aisle_ingest_queue_depth',
      help: 'Items waiting in the gateway, by queue',
      labelNames: ['queue'] as const,
      registers: [registry],
      collect() {
        for (const [queue, n] of Object.entries(probes.queues())) this.set({ queue }, n);
      },
    }),
    refusedPublishes: new Counter({
      name: 'aisle_broker_refused_publishes_total',
      help: 'Publishes the broker refused by ACL (the client is disconnected)',
      registers: [registry],
    }),
    devicesOnline: new Gauge({
      name: 'aisle_devices_online',
      help: 'Devices whose last status is online or heartbeat, by family',
      labelNames: ['family'] as const,
      registers: [registry],
    }),
    sightingsDropped: new Counter({
      name: 'aisle_storage_sightings_dropped_total',
      help: 'Raw sightings not stored because the daily cap was reached',
      registers: [registry],
    }),
    sightingsUnconsented: new Counter({
      name: 'aisle_privacy_unconsented_sightings_total',
      help: 'Sightings of devices without location consent: not stored, only counted per zone and hour',
      registers: [registry],
    }),
    sightingsPurged: new Counter({
      name: 'aisle_storage_sightings_purged_total',
      help: 'Raw sightings deleted after the retention period',
      registers: [registry],
    }),
    storageRows: new Gauge({
      name: 'aisle_storage_rows',
      help: 'Rows per table in the gateway database',
      labelNames: ['table'] as const,
      registers: [registry],
      collect() {
        const usage = probes.storage();
        for (const [table, n] of Object.entries(usage.rows)) this.set({ table }, n);
      },
    }),
    storageBytes: new Gauge({
      name: 'aisle_storage_bytes',
      help: 'Size of the gateway database on disk',
      registers: [registry],
      collect() {
        this.set(probes.storage().bytes);
      },
    }),
    zoneChanges: new Counter({
      name: 'aisle_presence_zone_changes_total',
      help: 'Shopper zone enter/leave transitions',
      registers: [registry],
    }),
    shoppers: new Gauge({
      name: 'aisle_shoppers_present',
      help: 'Shoppers currently placed in a zone',
      registers: [registry],
      collect() {
        this.set(probes.shoppersPresent());
      },
    }),
    decisions: new Histogram({
      name: 'aisle_decision_duration_seconds',
      help: 'Time to compute one recommendation decision (model + mapping)',
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1],
      registers: [registry],
    }),
    decisionsMade: new Counter({
      name: 'aisle_decisions_total',
      help: 'Decisions pushed to screens, by trigger and whether they were personalized',
      labelNames: ['trigger', 'personalized'] as const,
      registers: [registry],
    }),
    decisionErrors: new Counter({
      name: 'aisle_decision_errors_total',
      help: 'Failed decisions',
      registers: [registry],
    }),
    screens: new Gauge({
      name: 'aisle_screens_connected',
      help: 'Connected screen sockets',
      registers: [registry],
      collect() {
        this.set(probes.screensConnected());
      },
    }),
    screenRefusals: new Counter({
      name: 'aisle_screen_refusals_total',
      help: 'Screen hellos refused, by reason',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    outboxDepth: new Gauge({
      name: 'aisle_outbox_depth',
      help: 'Messages waiting to be sent to the cloud',
      registers: [registry],
      collect() {
        this.set(probes.outboxDepth());
      },
    }),
    outboxOldestAge: new Gauge({
      name: 'aisle_outbox_oldest_age_seconds',
      help: 'How long the oldest message waiting for the cloud has waited (0 when none waits): the sync backlog age',
      registers: [registry],
      collect() {
        if (probes.outboxOldestAgeSeconds) this.set(probes.outboxOldestAgeSeconds());
      },
    }),
    purchases: new Counter({
      name: 'aisle_purchases_total',
      help: 'Sales committed to the gateway database (each once; the outbox carries them to the cloud)',
      registers: [registry],
    }),
    cloudPushes: new Counter({
      name: 'aisle_cloud_pushes_total',
      help: 'Outbox batches sent to the cloud, by result',
      labelNames: ['result'] as const,
      registers: [registry],
    }),
  };
}
export type Metrics = ReturnType<typeof createMetrics>;
