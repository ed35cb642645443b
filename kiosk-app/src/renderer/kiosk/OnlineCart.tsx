import type { CartItemHere, HandoverStatus } from '@aisle/contracts';
import { pluralKey, useI18n } from '@aisle/ui';
import type { KioskView } from './state';

/** What the kiosk says about a sent hand-over: the latest status the gateway pushed for it, else waiting. */
export function handoverProgress(
  handoverId: string,
  status: HandoverStatus | null,
): 'waiting' | HandoverStatus['status'] {
  return status?.handoverId === handoverId ? status.status : 'waiting';
}

/**
 * The identified shopper's online cart as this store has it, and the hand-over of the lines in stock here to a
 * till: the till and a 4-digit code to say there, then "Paid" once the till reports the sale.
 */
export function OnlineCart({
  cart,
  handover,
  status,
  onHandover,
}: {
  cart: readonly CartItemHere[];
  handover: KioskView['handover'];
  status: HandoverStatus | null;
  onHandover: () => void;
}) {
  const { t, lang, price, count } = useI18n();
  const inStockHere = cart.filter((line) => line.inStock > 0).length;
  return (
    <section className="kiosk-cart" data-testid="online-cart" aria-labelledby="online-cart-title">
      <h2 id="online-cart-title" className="aisle-section-title">
        {t('cart.title')}
      </h2>
      <ul className="kiosk-cart__lines">
        {cart.map((line) => (
          <li key={line.itemId} data-testid="cart-line" data-item-id={line.itemId} data-in-stock={line.inStock}>
            <span className="kiosk-cart__name" lang={lang}>
              {line.name[lang]}
            </span>
            <span>{t('cart.quantity', { count: count(line.quantity) })}</span>
            <span className="kiosk-cart__price">{price(line.price, line.currency)}</span>
            <span className="kiosk-cart__where">
              {[
                line.inStock > 0 ? t('card.inStock', { count: line.inStock }) : t('card.soldOut'),
                line.aisle !== undefined && t('card.aisle', { aisle: line.aisle }),
              ]
                .filter(Boolean)
                .join(' · ')}
            </span>
          </li>
        ))}
      </ul>
      {handover.state === 'sent' ? (
        <HandoverTicket sent={handover.result} status={status} />
      ) : inStockHere === 0 ? (
        <p className="aisle-section-subtitle" data-testid="cart-none-here">
          {t('cart.noneHere')}
        </p>
      ) : (
        <div className="kiosk-cart__handover">
          {handover.state === 'failed' && (
            <p className="kiosk-error" role="alert" data-testid="handover-error">
              {t('cart.handoverFailed')}
            </p>
          )}
          <button
            type="button"
            className="kiosk-button kiosk-button--primary"
            data-testid="handover"
            disabled={handover.state === 'sending'}
            onClick={onHandover}
          >
            {handover.state === 'sending' ? t('cart.handoverPending') : t('cart.handover')}
          </button>
          <p className="aisle-section-subtitle">{t('cart.handoverHint')}</p>
        </div>
      )}
    </section>
  );
}

function HandoverTicket({
  sent,
  status,
}: {
  sent: Extract<KioskView['handover'], { state: 'sent' }>['result'];
  status: HandoverStatus | null;
}) {
  const { t, lang, count } = useI18n();
  const progress = handoverProgress(sent.handoverId, status);
  return (
    <div className="kiosk-ticket" data-handover-id={sent.handoverId}>
      <p className="kiosk-ticket__label">{t('cart.handoverCode')}</p>
      <p className="kiosk-ticket__code" data-testid="handover-code">
        {sent.code}
      </p>
      <p className="kiosk-ticket__terminal" data-testid="handover-terminal">
        {t('cart.handoverTerminal', { terminal: sent.terminalId })}
      </p>
      <p>
        {t(pluralKey(lang, sent.lines, 'cart.handoverLinesOne', 'cart.handoverLinesOther'), {
          count: count(sent.lines),
        })}
      </p>
      <p className="kiosk-ticket__status" data-testid="handover-status" data-status={progress} role="status">
        {t(`cart.status.${progress}`)}
      </p>
    </div>
  );
}
