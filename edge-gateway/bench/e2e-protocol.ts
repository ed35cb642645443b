/**
 * What the end-to-end bench (e2e.ts) and its probe process (e2e-probe.ts) say to each other
 * over the Node IPC channel.
 */
import type { ScannerConnection } from './protocol';

export interface ProbeSetup {
  storeId: string;
  mqttUrl: string;
  httpUrl: string;
  /** The probe's own scanner, registered in zone `zoneId` beside the zone's regular one. */
  scanner: ScannerConnection;
  zoneId: string;
  /** The screen of `zoneId` the probe's socket.io client says hello as, with its device token. */
  screen: { id: string; kind: 'kiosk' | 'mirror'; token: string };
  /** A service account of the registry, to time the `zone_enter` of each probe on the presence topic. */
  presence: { username: string; password: string };
  /** RSSI of a probe's sighting, dBm. */
  rssi: number;
}

export interface ProbeRun {
  label: string;
  /** Probes are sent for this long… */
  durationMs: number;
  /** …one every this many ms, on a fixed schedule. */
  intervalMs: number;
  /** A probe without its `recommendations` push after this long is lost. */
  timeoutMs: number;
  /** How often the probe process reports progress. */
  progressMs: number;
}

export interface ProbeResult {
  sent: number;
  /** Sighting published → `recommendations` push for that shopper received, ms, one per answered probe. */
  latencies: number[];
  /** Sighting published → its `zone_enter` received on the presence topic, ms. */
  zoneEnters: number[];
  /**
   * Its `zone_enter` received → its `recommendations` received, ms, for the probes that had both.
   * Negative when the push reached the screen before the presence event reached the watcher.
   */
  afterZoneEnter: number[];
  /** Probes without an answer within the timeout. */
  lost: number;
  /**
   * Lost probes for which a later probe was answered in time: both entered the zone before its
   * screen was updated, and the screen shows the newest shopper only.
   */
  superseded: number;
  /** Lost probes whose answer came after all (later than the timeout). */
  late: number;
  /** `recommendations` pushes the screen got that were not the first answer to a probe. */
  otherPushes: number;
  /** Largest delay of a probe behind its schedule (the probe process's own timer slip), ms. */
  maxSlipMs: number;
}

export interface ProbeProgress {
  type: 'progress';
  label: string;
  sent: number;
  lost: number;
  /** Latencies of the probes answered since the previous progress message. */
  latencies: number[];
}

export type ProbeRequest = { type: 'setup'; setup: ProbeSetup } | { type: 'run'; run: ProbeRun };

export type ProbeReply = { id: number; ok: true; result?: ProbeResult } | { id: number; ok: false; error: string };

/** What the probe process sends: replies to requests, and progress while a run goes on. */
export type ProbeMessage = ProbeReply | ProbeProgress;

export type ProbeEnvelope = { id: number; request: ProbeRequest };
