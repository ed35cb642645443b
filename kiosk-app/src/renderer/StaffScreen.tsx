import type { StoreOverview } from '@aisle/contracts';
import {
  pluralKey,
  ScreenFrame,
  type ScreenParams,
  type ScreenSnapshot,
  useI18n,
  useScreenConnection,
} from '@aisle/ui';

/** Live occupancy of every zone, as bars relative to the busiest zone. */
function FloorList({ overview }: { overview: StoreOverview }) {
  const { lang, t, count } = useI18n();
  const busiest = Math.max(1, ...overview.zones.map((zone) => zone.shoppers));
  return (
    <ul className="aisle-floor">
      {overview.zones.map((zone) => (
        <li
          key={zone.zoneId}
          className="aisle-floor__zone"
          data-testid="zone-occupancy"
          data-zone-id={zone.zoneId}
          data-shoppers={zone.shoppers}
        >
          <span className="aisle-floor__name">{zone.name[lang]}</span>
          <span className="aisle-floor__count">{count(zone.shoppers)}</span>
          <span className="aisle-floor__label">{t('staff.zoneShoppers')}</span>
          <span className="aisle-floor__bar" aria-hidden="true">
            <span style={{ width: `${(100 * zone.shoppers) / busiest}%` }} />
          </span>
        </li>
      ))}
    </ul>
  );
}

export function StaffScreen({ snapshot, screenId }: { snapshot: ScreenSnapshot; screenId: string }) {
  const { lang, t, count, time } = useI18n();
  const overview = snapshot.overview;
  const total = overview?.zones.reduce((sum, zone) => sum + zone.shoppers, 0) ?? 0;
  return (
    <ScreenFrame
      kind="staff"
      screenId={screenId}
      snapshot={snapshot}
      storeName={overview?.storeName ?? snapshot.store?.storeName ?? null}
    >
      <section className="aisle-zone">
        <h1 className="aisle-zone__name">{t('staff.title')}</h1>
        {overview && (
          <p className="aisle-zone__shoppers aisle-staff__summary">
            <span data-testid="store-shoppers" data-count={total}>
              {t(pluralKey(lang, total, 'staff.inStoreOne', 'staff.inStoreOther'), { count: count(total) })}
            </span>
            <span>{t('staff.updated', { time: time(overview.updatedAt) })}</span>
          </p>
        )}
      </section>
      {overview ? <FloorList overview={overview} /> : <p className="aisle-empty">{t('staff.waiting')}</p>}
    </ScreenFrame>
  );
}

export function StaffApp({ params }: { params: ScreenParams }) {
  const snapshot = useScreenConnection('staff', params.screenId, { gatewayUrl: params.gatewayUrl });
  return <StaffScreen snapshot={snapshot} screenId={params.screenId} />;
}
