import type { CustomerCard, CustomerInStore } from '@aisle/contracts';
import { LOCALES, useI18n } from '@aisle/ui';
import type { StaffView } from './state';

/** The consented, identified customers in the store now; a row opens the customer card. */
export function CustomerList({
  customers,
  error,
  selected,
  zoneName,
  onOpen,
}: {
  customers: readonly CustomerInStore[] | null;
  error: boolean;
  selected: string | null;
  zoneName: (zoneId: string) => string;
  onOpen: (customerRef: string) => void;
}) {
  const { t, time, count } = useI18n();
  return (
    <section className="staff-panel" data-testid="customers" aria-labelledby="customers-title">
      <h2 id="customers-title" className="aisle-section-title">
        {t('staff.customersTitle')}
      </h2>
      {error && (
        <p className="kiosk-error" role="alert" data-testid="customers-error">
          {t('staff.customersError')}
        </p>
      )}
      {customers && customers.length === 0 && <p className="aisle-empty">{t('staff.customersEmpty')}</p>}
      {customers && customers.length > 0 && (
        <ul className="staff-list">
          {customers.map((c) => (
            <li key={c.customerRef}>
              <button
                type="button"
                className="staff-row"
                data-testid="customer-row"
                data-customer-ref={c.customerRef}
                aria-pressed={selected === c.customerRef}
                onClick={() => onOpen(c.customerRef)}
              >
                <strong>{c.firstName ?? t('staff.customerGuest', { ref: c.customerRef })}</strong>
                {c.segment && <span className="staff-tag">{c.segment}</span>}
                <span className="staff-row__meta">
                  {zoneName(c.zoneId)} · {t('staff.customerArrived', { time: time(c.arrivedAt) })}
                  {c.onlineCartItems > 0 && ` · ${t('staff.customerCart', { count: count(c.onlineCartItems) })}`}
                </span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

/** One customer's card: what they like, what they bought where, their open cart, openers and bundles to suggest. */
export function CustomerCardView({
  card,
  zoneName,
  onClose,
}: {
  card: NonNullable<StaffView['card']>;
  zoneName: (zoneId: string) => string;
  onClose: () => void;
}) {
  const { t } = useI18n();
  return (
    <section className="staff-panel staff-card" data-testid="customer-card" data-state={card.state}>
      {card.state === 'loading' && <p role="status">{t('staff.card.loading')}</p>}
      {card.state === 'error' && (
        <p className="kiosk-error" role="alert" data-testid="customer-card-error">
          {t('staff.card.error')}
        </p>
      )}
      {card.state === 'open' && <CardBody card={card.card} zoneName={zoneName} />}
      <button
        type="button"
        className="kiosk-button kiosk-button--quiet"
        data-testid="customer-card-close"
        onClick={onClose}
      >
        {t('staff.card.close')}
      </button>
    </section>
  );
}

function CardBody({ card, zoneName }: { card: CustomerCard; zoneName: (zoneId: string) => string }) {
  const { t, lang, time, price } = useI18n();
  const date = (at: number) => new Intl.DateTimeFormat(LOCALES[lang], { dateStyle: 'medium' }).format(at);
  const none = <p className="aisle-section-subtitle">{t('staff.card.none')}</p>;
  return (
    <>
      <h2 className="aisle-section-title" data-customer-ref={card.customerRef}>
        {card.firstName ?? t('staff.customerGuest', { ref: card.customerRef })}
        {card.segment && <span className="staff-tag">{card.segment}</span>}
      </h2>
      <p className="aisle-section-subtitle">
        {zoneName(card.zoneId)} · {t('staff.customerArrived', { time: time(card.arrivedAt) })}
      </p>
      <h3>{t('staff.card.talkingPoints')}</h3>
      {card.talkingPoints.length > 0 ? (
        <ul data-testid="card-talking-points">
          {card.talkingPoints.map((point) => (
            <li key={point.en} lang={lang}>
              {point[lang]}
            </li>
          ))}
        </ul>
      ) : (
        none
      )}
      <h3>{t('staff.card.preferences')}</h3>
      {card.favouriteCategories.length > 0 ? (
        <p className="staff-tags" data-testid="card-preferences">
          {card.favouriteCategories.map((category) => (
            <span key={category} className="staff-tag">
              {category}
            </span>
          ))}
        </p>
      ) : (
        none
      )}
      <h3>{t('staff.card.purchases')}</h3>
      {card.recentPurchases.length > 0 ? (
        <ul>
          {card.recentPurchases.map((p) => (
            <li key={`${p.itemId}-${p.at}`} data-testid="card-purchase" data-channel={p.channel}>
              <span lang={lang}>{p.name[lang]}</span>{' '}
              <span className="staff-tag">{t(`staff.card.channel.${p.channel}`)}</span>{' '}
              <span className="staff-row__meta">{date(p.at)}</span>
            </li>
          ))}
        </ul>
      ) : (
        none
      )}
      <h3>{t('staff.card.cart')}</h3>
      {card.onlineCart.length > 0 ? (
        <ul>
          {card.onlineCart.map((line) => (
            <li key={line.itemId} data-testid="card-cart-line" data-in-stock={line.inStock}>
              <span lang={lang}>{line.name[lang]}</span> · {price(line.price, line.currency)} ·{' '}
              {[
                line.inStock > 0 ? t('card.inStock', { count: line.inStock }) : t('card.soldOut'),
                line.aisle !== undefined && t('card.aisle', { aisle: line.aisle }),
              ]
                .filter(Boolean)
                .join(' · ')}
            </li>
          ))}
        </ul>
      ) : (
        none
      )}
      <h3>{t('staff.card.bundles')}</h3>
      {card.bundles.length > 0 ? (
        <ul>
          {card.bundles.map((item) => (
            <li key={item.itemId} data-testid="card-bundle" data-item-id={item.itemId}>
              <span lang={lang}>{item.name[lang]}</span> · {price(item.price, item.currency)}
              {item.aisle !== undefined && ` · ${t('card.aisle', { aisle: item.aisle })}`}
              <span className="staff-row__meta" lang={lang}>
                {' '}
                — {item.reason.text[lang]}
              </span>
            </li>
          ))}
        </ul>
      ) : (
        none
      )}
    </>
  );
}
