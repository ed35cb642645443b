import type { StaffInsights } from '@aisle/contracts';
import { useI18n } from '@aisle/ui';
import type { StaffView } from './state';

/** Store aggregates for managers; a figure from fewer than k shoppers is withheld and says so. */
export function InsightsPanel({ insights }: { insights: NonNullable<StaffView['insights']> }) {
  const { t } = useI18n();
  return (
    <section
      className="staff-panel"
      data-testid="insights"
      data-state={insights.state}
      aria-labelledby="insights-title"
    >
      <h2 id="insights-title" className="aisle-section-title">
        {t('staff.insightsTitle')}
      </h2>
      {insights.state === 'loading' && <p role="status">{t('staff.insights.loading')}</p>}
      {insights.state === 'error' && (
        <p className="kiosk-error" role="alert">
          {t('staff.insights.error')}
        </p>
      )}
      {insights.state === 'ok' && <InsightsBody insights={insights.insights} />}
    </section>
  );
}

function InsightsBody({ insights }: { insights: StaffInsights }) {
  const { t, lang, count, dwell } = useI18n();
  const suppressed = (
    <span className="staff-suppressed" data-testid="insight-suppressed">
      {t('staff.insights.suppressed', { k: count(insights.k) })}
    </span>
  );
  return (
    <>
      <p className="aisle-section-subtitle">
        {t('staff.insights.window', { duration: dwell(insights.windowMs), k: count(insights.k) })}
      </p>
      <table className="staff-table">
        <thead>
          <tr>
            <th scope="col">{t('staff.insights.zone')}</th>
            <th scope="col">{t('staff.insights.visitors')}</th>
            <th scope="col">{t('staff.insights.dwell')}</th>
          </tr>
        </thead>
        <tbody>
          {insights.zones.map((zone) => (
            <tr key={zone.zoneId} data-testid="insight-zone" data-zone-id={zone.zoneId}>
              <th scope="row">{zone.name[lang]}</th>
              <td>{zone.visitors === null ? suppressed : count(zone.visitors)}</td>
              <td>{zone.medianDwellMs === null ? suppressed : dwell(zone.medianDwellMs)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h3>{t('staff.insights.topCategories')}</h3>
      <ol className="staff-categories">
        {insights.topCategories.map((c) => (
          <li key={c.category} data-testid="insight-category">
            <span>{c.category}</span>{' '}
            <span className="staff-row__meta">
              {t('staff.insights.categoryShoppers', { count: count(c.shoppers) })}
            </span>
          </li>
        ))}
      </ol>
    </>
  );
}
