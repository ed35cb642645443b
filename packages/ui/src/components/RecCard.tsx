import type { RecommendedItem } from '@aisle/contracts';
import type { CSSProperties } from 'react';
import { useI18n } from '../i18n/I18nProvider';

/** A stable hue per item (FNV-1a spread by the golden angle), so the tile has a colour before product photos exist. */
export function itemHue(itemId: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < itemId.length; i++) hash = Math.imul(hash ^ itemId.charCodeAt(i), 0x01000193) >>> 0;
  return Math.round((hash * 137.508) % 360);
}

/** `onSelect`: the card opens the item (its name becomes a button that covers the whole card, for touch and keys). */
export function RecCard({ item, onSelect }: { item: RecommendedItem; onSelect?: (item: RecommendedItem) => void }) {
  const { lang, price, t } = useI18n();
  return (
    <article className="aisle-card" data-testid="rec-card" data-item-id={item.itemId} data-reason={item.reason.code}>
      <div className="aisle-card__tile" style={{ '--aisle-tile-hue': itemHue(item.itemId) } as CSSProperties}>
        <span aria-hidden="true">{item.brand.slice(0, 1)}</span>
      </div>
      <div className="aisle-card__body">
        <p className="aisle-card__brand">{item.brand}</p>
        <h3 className="aisle-card__name" lang={lang}>
          {onSelect ? (
            <button type="button" className="aisle-card__open" data-testid="rec-open" onClick={() => onSelect(item)}>
              {item.name[lang]}
            </button>
          ) : (
            item.name[lang]
          )}
        </h3>
        <p className="aisle-card__price" data-testid="rec-price">
          {price(item.price, item.currency)}
        </p>
        <p className="aisle-card__reason" data-testid="rec-reason" lang={lang}>
          {item.reason.text[lang]}
        </p>
        {(item.aisle !== undefined || item.inStock !== undefined) && (
          <p className="aisle-card__where" data-testid="rec-where">
            {[
              item.aisle !== undefined && t('card.aisle', { aisle: item.aisle }),
              item.inStock !== undefined &&
                (item.inStock > 0 ? t('card.inStock', { count: item.inStock }) : t('card.soldOut')),
            ]
              .filter(Boolean)
              .join(' · ')}
          </p>
        )}
      </div>
    </article>
  );
}

/** The pushed cards in the order the gateway ranked them; `empty` is shown when there are none. */
export function RecGrid({
  items,
  empty,
  onSelect,
}: {
  items: readonly RecommendedItem[];
  empty: string;
  onSelect?: (item: RecommendedItem) => void;
}) {
  if (items.length === 0) return <p className="aisle-empty">{empty}</p>;
  return (
    <ul className="aisle-rec-grid">
      {items.map((item) => (
        <li key={item.itemId}>
          <RecCard item={item} onSelect={onSelect} />
        </li>
      ))}
    </ul>
  );
}
