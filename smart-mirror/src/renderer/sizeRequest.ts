import type { GarmentVariant, MirrorGarment, SizeRequestResult, StaffRequest } from '@aisle/contracts';

/**
 * Where a size request of the mirror stands:
 * - `sending`: asked the gateway, no answer yet
 * - `open` / `accepted` / `done`: the staff request's progress (`staffRequest` pushes)
 * - `unavailable`: the size is not in stock here (the gateway pushes `size_unavailable` cards instead)
 * - `failed`: the gateway could not take the request
 */
export type SizeRequestPhase = 'sending' | StaffRequest['status'] | 'unavailable' | 'failed';

/** The mirror's own record of the last size it asked for, tied to the garment it was asked for. */
export interface LocalSizeRequest {
  garmentKey: string;
  size: string;
  phase: 'sending' | 'open' | 'unavailable' | 'failed';
  requestId?: string;
}

export interface SizeRequestView {
  phase: SizeRequestPhase;
  size: string;
  requestId?: string;
}

/** Identifies one reading of a garment: the same item read again later is a new fitting. */
export function garmentKey(garment: Pick<MirrorGarment, 'itemId' | 'at'>): string {
  return `${garment.itemId}@${garment.at}`;
}

/** What the gateway's answer to `sizeRequest` means for the mirror. */
export function fromResult(key: string, size: string, result: SizeRequestResult): LocalSizeRequest {
  if (!result.ok) return { garmentKey: key, size, phase: 'failed' };
  if (!result.inStock) return { garmentKey: key, size, phase: 'unavailable' };
  return result.requestId === undefined
    ? { garmentKey: key, size, phase: 'open' }
    : { garmentKey: key, size, phase: 'open', requestId: result.requestId };
}

/**
 * The size request to show for the garment on the mirror: the mirror's own request, advanced by the staff
 * request pushes for its id; else (after a reload) the newest staff request this mirror made for this garment.
 * `staffRequests` is newest first.
 */
export function sizeRequestView(
  garment: MirrorGarment,
  local: LocalSizeRequest | null,
  staffRequests: readonly StaffRequest[],
): SizeRequestView | null {
  if (local && local.garmentKey === garmentKey(garment)) {
    if (local.requestId === undefined) return { phase: local.phase, size: local.size };
    const pushed = staffRequests.find((r) => r.requestId === local.requestId);
    return { phase: pushed?.status ?? local.phase, size: local.size, requestId: local.requestId };
  }
  // the gateway may name the garment or the variant to bring
  const items = new Set([garment.itemId, ...garment.variants.map((v) => v.itemId)]);
  const pushed = staffRequests.find((r) => items.has(r.itemId) && r.at >= garment.at);
  return pushed ? { phase: pushed.status, size: pushed.size, requestId: pushed.requestId } : null;
}

/** True while staff may still be on their way, so the mirror must not fall back to its idle look. */
export function isPending(view: SizeRequestView | null): boolean {
  return view !== null && (view.phase === 'sending' || view.phase === 'open' || view.phase === 'accepted');
}

/** A variant whose size can be asked for: another size of the colour being tried (colourless variants match any). */
export function isOtherSize(
  garment: MirrorGarment,
  variant: GarmentVariant,
): variant is GarmentVariant & { size: string } {
  if (variant.size === undefined || variant.size === garment.size) return false;
  return variant.colour === undefined || garment.colour === undefined || variant.colour === garment.colour;
}
