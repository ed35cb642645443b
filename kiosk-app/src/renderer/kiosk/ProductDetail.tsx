import type { RecommendedItem } from '@aisle/contracts';
import { useI18n } from '@aisle/ui';
import { useEffect } from 'react';
import { parseAisle, StoreMap } from './StoreMap';

/** An item's details over the cards: what, how much, how many here, and where in the store. */
export function ProductDetail({ item, onClose }: { item: RecommendedItem; onClose: () => void }) {
  const { t, lang, price } = useI18n();
  const stock =
    item.inStock === undefined
      ? t('detail.stockUnknown')
      : item.inStock > 0
        ? t('card.inStock', { count: item.inStock })
        : t('card.soldOut');
  // Escape closes the dialog, as it does every dialog (a keyboard at the kiosk, or a staff member's)
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') onClose();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onClose]);
  return (
    <div className="kiosk-overlay">
      <section
        className="kiosk-detail"
        data-testid="product-detail"
        data-item-id={item.itemId}
        role="dialog"
        aria-modal="true"
        aria-labelledby="product-detail-name"
      >
        <p className="aisle-card__brand">{item.brand}</p>
        <h2 id="product-detail-name" className="kiosk-detail__name" lang={lang}>
          {item.name[lang]}
        </h2>
        <p className="kiosk-detail__price" data-testid="detail-price">
          {price(item.price, item.currency)}
        </p>
        <p data-testid="detail-stock" data-in-stock={item.inStock}>
          {stock}
        </p>
        <p className="aisle-section-subtitle" lang={lang}>
          {item.reason.text[lang]}
        </p>
        <h3 className="kiosk-detail__where">{t('detail.where')}</h3>
        {item.aisle !== undefined ? (
          <p data-testid="detail-aisle">{t('card.aisle', { aisle: item.aisle })}</p>
        ) : (
          <p data-testid="detail-aisle">{t('detail.aisleUnknown')}</p>
        )}
        {parseAisle(item.aisle) && <StoreMap aisle={item.aisle!} />}
        <button
          type="button"
          className="kiosk-button kiosk-button--primary"
          data-testid="detail-close"
          // biome-ignore lint/a11y/noAutofocus: focus moves into the dialog the shopper opened
          autoFocus
          onClick={onClose}
        >
          {t('detail.close')}
        </button>
      </section>
    </div>
  );
}
