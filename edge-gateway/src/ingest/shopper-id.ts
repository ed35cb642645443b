import { parseAdvertisement, shopperPseudonym } from './ble/advertisement';

/**
 * The pseudonymous shopper id carried by a raw advertisement (the shopper app's iBeacon),
 * or undefined for any other beacon. The salt keeps ids unlinkable across gateways.
 */
export function shopperFromAdvertisement(hex: string | undefined, salt: string): string | undefined {
  if (hex === undefined) return undefined;
  const parsed = parseAdvertisement(hex);
  if (!parsed.ok) return undefined;
  for (const frame of parsed.frames) {
    const id = shopperPseudonym(frame, salt);
    if (id) return id;
  }
  return undefined;
}
