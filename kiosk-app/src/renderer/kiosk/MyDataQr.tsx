import { useI18n } from '@aisle/ui';
import { create } from 'qrcode';
import type { KioskView } from './state';

/** Modules of light margin around the code, as the QR standard asks, so phone cameras find its edges. */
const QUIET_ZONE = 4;

/**
 * An SVG path drawing the dark modules of `text`'s QR code, one unit per module, and the side of the whole image.
 * Drawn as inline SVG (no canvas, no image URL): it renders the same in tests and under the kiosk's CSP.
 */
export function qrPath(text: string): { d: string; size: number } {
  const { modules } = create(text, { errorCorrectionLevel: 'M' });
  const parts: string[] = [];
  for (let row = 0; row < modules.size; row++)
    for (let col = 0; col < modules.size; col++)
      if (modules.data[row * modules.size + col]) parts.push(`M${col + QUIET_ZONE} ${row + QUIET_ZONE}h1v1h-1z`);
  return { d: parts.join(''), size: modules.size + 2 * QUIET_ZONE };
}

/**
 * "See and manage your data": on the shopper's request only (a personal link on a public screen is for the person in
 * front of it), the gateway fetches a 15-minute link from the cloud and the kiosk shows it as a QR code for their
 * phone, with the address as text beside it. Offline, the shopper hears it is not available right now.
 */
export function MyDataPanel({
  myData,
  onOpen,
  onClose,
}: {
  myData: KioskView['myData'];
  onOpen: () => void;
  onClose: () => void;
}) {
  const { t } = useI18n();
  if (myData.state !== 'ready')
    return (
      <div className="kiosk-mydata">
        {myData.state === 'unavailable' && (
          <p className="kiosk-error" role="alert" data-testid="my-data-unavailable">
            {t('myData.unavailable')}
          </p>
        )}
        <button
          type="button"
          className="kiosk-button kiosk-button--quiet"
          data-testid="my-data-open"
          disabled={myData.state === 'loading'}
          onClick={onOpen}
        >
          {myData.state === 'loading' ? t('myData.pending') : t('myData.open')}
        </button>
      </div>
    );
  const qr = qrPath(myData.url);
  return (
    <section className="kiosk-mydata kiosk-ticket" data-testid="my-data" aria-labelledby="my-data-title">
      <h2 id="my-data-title" className="aisle-section-title">
        {t('myData.title')}
      </h2>
      <svg
        className="kiosk-mydata__qr"
        data-testid="my-data-qr"
        data-url={myData.url}
        role="img"
        aria-label={t('myData.qr')}
        viewBox={`0 0 ${qr.size} ${qr.size}`}
        shapeRendering="crispEdges"
      >
        <rect width={qr.size} height={qr.size} fill="#fff" />
        <path d={qr.d} fill="#000" />
      </svg>
      <p className="aisle-section-subtitle">{t('myData.hint')}</p>
      <p className="kiosk-mydata__url" data-testid="my-data-url">
        {myData.url}
      </p>
      <button type="button" className="kiosk-button" data-testid="my-data-close" onClick={onClose}>
        {t('myData.close')}
      </button>
    </section>
  );
}
