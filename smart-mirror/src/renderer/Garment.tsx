import type { MirrorGarment } from '@aisle/contracts';
import { type MessageKey, useI18n } from '@aisle/ui';
import { isOtherSize, type SizeRequestPhase, type SizeRequestView } from './sizeRequest';

const STATUS_KEYS = {
  sending: 'mirror.request.sending',
  open: 'mirror.request.open',
  accepted: 'mirror.request.accepted',
  done: 'mirror.request.done',
  unavailable: 'mirror.request.unavailable',
  failed: 'mirror.request.failed',
} as const satisfies Record<SizeRequestPhase, MessageKey>;

/** The garment the fitting room's reader just read: name, brand, price, its size and colour. */
export function GarmentSummary({ garment }: { garment: MirrorGarment }) {
  const { lang, price, t } = useI18n();
  return (
    <article className="aisle-mirror__garment" data-testid="garment" data-item-id={garment.itemId}>
      <p className="aisle-mirror__label">{t('mirror.garment.label')}</p>
      <p className="aisle-card__brand">{garment.brand}</p>
      <h2 className="aisle-mirror__name" lang={lang}>
        {garment.name[lang]}
      </h2>
      <p className="aisle-mirror__facts">
        <span className="aisle-mirror__price" data-testid="garment-price">
          {price(garment.price, garment.currency)}
        </span>
        {garment.size !== undefined && (
          <span data-testid="garment-size">{t('mirror.garment.size', { size: garment.size })}</span>
        )}
        {garment.colour !== undefined && (
          <span data-testid="garment-colour">{t('mirror.garment.colour', { colour: garment.colour })}</span>
        )}
      </p>
    </article>
  );
}

/**
 * Other sizes and colours of the garment (the one being tried is left out), each marked in or out of stock here. Every other size of the colour
 * being tried gets one button: "Bring me size L" when in stock, else "show similar" (the gateway then answers
 * with alternatives).
 */
export function Variants({
  garment,
  request,
  onRequestSize,
}: {
  garment: MirrorGarment;
  request: SizeRequestView | null;
  onRequestSize?: (size: string) => void;
}) {
  const { t } = useI18n();
  const offered = new Set<string>();
  const busy = request?.phase === 'sending';
  const others = garment.variants.filter((variant) => variant.itemId !== garment.itemId);
  return (
    <section className="aisle-mirror__variants" aria-labelledby="mirror-variants-title">
      <h3 className="aisle-mirror__subtitle" id="mirror-variants-title">
        {t('mirror.variants.title')}
      </h3>
      {others.length === 0 ? (
        <p className="aisle-empty">{t('mirror.variants.none')}</p>
      ) : (
        <ul className="aisle-mirror__variant-list">
          {others.map((variant) => {
            const inStock = variant.inStock > 0;
            const askSize =
              onRequestSize && isOtherSize(garment, variant) && !offered.has(variant.size) ? variant.size : undefined;
            if (askSize !== undefined) offered.add(askSize);
            // the size asked for stays disabled until staff delivered it or the request failed
            const asked =
              request !== null && request.size === askSize && request.phase !== 'failed' && request.phase !== 'done';
            return (
              <li
                key={variant.itemId}
                className="aisle-mirror__variant"
                data-testid="variant"
                data-item-id={variant.itemId}
                data-size={variant.size}
                data-colour={variant.colour}
                data-in-stock={String(inStock)}
              >
                <span className="aisle-mirror__variant-size">{variant.size ?? '—'}</span>
                {variant.colour !== undefined && <span className="aisle-mirror__variant-colour">{variant.colour}</span>}
                <span className="aisle-mirror__variant-stock">
                  {inStock ? t('mirror.variant.inStock') : t('mirror.variant.outOfStock')}
                </span>
                {askSize !== undefined && onRequestSize && (
                  <button
                    type="button"
                    className="aisle-mirror__ask"
                    data-testid="request-size"
                    data-size={askSize}
                    data-in-stock={String(inStock)}
                    disabled={busy || asked}
                    onClick={() => onRequestSize(askSize)}
                  >
                    {inStock
                      ? t('mirror.request.bring', { size: askSize })
                      : t('mirror.request.similar', { size: askSize })}
                  </button>
                )}
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}

/** Where the shopper's size request stands, announced politely to assistive technology. */
export function SizeRequestStatus({ request }: { request: SizeRequestView | null }) {
  const { t } = useI18n();
  if (!request) return null;
  return (
    <p
      className="aisle-mirror__status"
      data-testid="size-request-status"
      data-status={request.phase}
      data-size={request.size}
      role="status"
    >
      {t(STATUS_KEYS[request.phase], { size: request.size })}
    </p>
  );
}
