/**
 * Version of every wire format defined in this package (MQTT payloads and topics,
 * socket.io events, store↔cloud sync). A peer speaking another major version is
 * refused with a named reason (`clientTooOld` / `serverTooOld`).
 */
export const PROTOCOL_VERSION = 1 as const;
export type ProtocolVersion = typeof PROTOCOL_VERSION;
