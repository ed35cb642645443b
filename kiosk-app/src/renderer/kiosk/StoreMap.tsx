import { useI18n } from '@aisle/ui';

export interface AislePosition {
  /** Row letter, upper case. */
  row: string;
  rowIndex: number;
  /** Shelf number in the row, from 1. */
  position: number;
}

/** Reads an aisle label like `A3`, `b-12` or `C 4`; anything else has no place on the schematic map (null). */
export function parseAisle(label: string | undefined): AislePosition | null {
  const match = /^\s*([A-Za-z])\s*[- ]?\s*([0-9]{1,2})\s*$/.exec(label ?? '');
  if (!match) return null;
  const position = Number(match[2]);
  if (position < 1) return null;
  const row = match[1]!.toUpperCase();
  return { row, rowIndex: row.charCodeAt(0) - 65, position };
}

const CELL = 40;
const GAP = 8;
const LABEL = 36;

/**
 * A schematic map: rows of shelves by letter, shelves by number, the entrance at the bottom, and the item's
 * shelf highlighted. The kiosk knows no floor plan geometry, so the map claims no more than the label says.
 */
export function StoreMap({ aisle }: { aisle: string }) {
  const { t } = useI18n();
  const at = parseAisle(aisle);
  if (!at) return null;
  const rows = Math.max(6, at.rowIndex + 1);
  const columns = Math.max(8, at.position);
  const width = LABEL + columns * (CELL + GAP);
  const height = rows * (CELL + GAP) + 48;
  const letters = Array.from({ length: rows }, (_, r) => String.fromCharCode(65 + r));
  const shelves = Array.from({ length: columns }, (_, c) => c + 1);
  return (
    <figure className="kiosk-map" data-testid="store-map" data-row={at.row} data-position={at.position}>
      <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-label={t('map.label', { aisle })}>
        {letters.map((letter, r) => {
          const y = r * (CELL + GAP);
          return (
            <g key={letter}>
              <text x={LABEL / 2} y={y + CELL * 0.7} textAnchor="middle" className="kiosk-map__row">
                {letter}
              </text>
              {shelves.map((shelf) => {
                const here = r === at.rowIndex && shelf === at.position;
                return (
                  <rect
                    key={shelf}
                    x={LABEL + (shelf - 1) * (CELL + GAP)}
                    y={y}
                    width={CELL}
                    height={CELL}
                    rx={6}
                    className={here ? 'kiosk-map__shelf kiosk-map__shelf--here' : 'kiosk-map__shelf'}
                    data-testid={here ? 'map-highlight' : undefined}
                  />
                );
              })}
            </g>
          );
        })}
        <text x={width / 2} y={height - 12} textAnchor="middle" className="kiosk-map__entrance">
          ▲ {t('map.entrance')}
        </text>
      </svg>
      <figcaption>{t('map.note')}</figcaption>
    </figure>
  );
}
