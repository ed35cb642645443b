import type { StaffAlert, StaffRequest } from '@aisle/contracts';
import { useI18n } from '@aisle/ui';

/** Requests from the fitting-room mirrors, newest first, with the two steps staff take. */
export function RequestList({
  requests,
  failed,
  zoneName,
  onResolve,
}: {
  requests: readonly StaffRequest[];
  /** The request whose last update the gateway refused. */
  failed: string | null;
  zoneName: (zoneId: string) => string;
  onResolve: (requestId: string, status: 'accepted' | 'done') => void;
}) {
  const { t, lang, time } = useI18n();
  return (
    <section className="staff-panel" data-testid="staff-requests" aria-labelledby="requests-title">
      <h2 id="requests-title" className="aisle-section-title">
        {t('staff.requestsTitle')}
      </h2>
      {requests.length === 0 && <p className="aisle-empty">{t('staff.requestsEmpty')}</p>}
      <ul className="staff-list">
        {requests.map((r) => (
          <li
            key={r.requestId}
            className="staff-request"
            data-testid="staff-request"
            data-request-id={r.requestId}
            data-status={r.status}
          >
            <strong lang={lang}>{t('staff.request.size', { size: r.size, name: r.name[lang] })}</strong>
            <span className="staff-row__meta">
              {t('staff.request.where', { zone: zoneName(r.zoneId), mirror: r.mirrorId, time: time(r.at) })}
            </span>
            <span className="staff-tag" data-testid="staff-request-status">
              {t(`staff.request.status.${r.status}`)}
            </span>
            {failed === r.requestId && (
              <span className="kiosk-error" role="alert" data-testid="staff-request-error">
                {t('staff.request.failed')}
              </span>
            )}
            {r.status !== 'done' && (
              <span className="kiosk-actions">
                {r.status === 'open' && (
                  <button
                    type="button"
                    className="kiosk-button kiosk-button--primary"
                    data-testid="staff-request-accept"
                    onClick={() => onResolve(r.requestId, 'accepted')}
                  >
                    {t('staff.request.onMyWay')}
                  </button>
                )}
                <button
                  type="button"
                  className="kiosk-button"
                  data-testid="staff-request-done"
                  onClick={() => onResolve(r.requestId, 'done')}
                >
                  {t('staff.request.done')}
                </button>
              </span>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}

/** Alerts worth walking over for; they carry no name, the card does. */
export function AlertList({
  alerts,
  zoneName,
  onOpen,
}: {
  alerts: readonly StaffAlert[];
  zoneName: (zoneId: string) => string;
  onOpen: (customerRef: string) => void;
}) {
  const { t, lang, time } = useI18n();
  return (
    <section className="staff-panel" data-testid="staff-alerts" aria-labelledby="alerts-title">
      <h2 id="alerts-title" className="aisle-section-title">
        {t('staff.alertsTitle')}
      </h2>
      {alerts.length === 0 && <p className="aisle-empty">{t('staff.alertsEmpty')}</p>}
      <ul className="staff-list">
        {alerts.map((a) => (
          <li
            key={a.alertId}
            className="staff-alert"
            data-testid="staff-alert"
            data-kind={a.kind}
            data-customer-ref={a.customerRef}
          >
            <strong>{t(`staff.alert.${a.kind}`)}</strong>
            <span lang={lang}>{a.text[lang]}</span>
            <span className="staff-row__meta">
              {zoneName(a.zoneId)} · {time(a.at)}
            </span>
            <button
              type="button"
              className="kiosk-button"
              data-testid="staff-alert-open"
              onClick={() => onOpen(a.customerRef)}
            >
              {t('staff.alert.open')}
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
