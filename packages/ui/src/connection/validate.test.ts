import { schemaExamples } from '@aisle/contracts';
import { describe, expect, it } from 'vitest';
import { parseServerEvent, SERVER_EVENTS } from './validate';

const examples = {
  recommendations: schemaExamples.RecommendationsPush.example,
  zoneContext: schemaExamples.ZoneContext.example,
  storeOverview: schemaExamples.StoreOverview.example,
  mirrorGarment: schemaExamples.MirrorGarment.example,
  staffRequest: schemaExamples.StaffRequest.example,
  staffAlert: schemaExamples.StaffAlert.example,
  handoverStatus: schemaExamples.HandoverStatus.example,
};

describe('parseServerEvent', () => {
  it('knows every server-to-client event', () => {
    expect([...SERVER_EVENTS].sort()).toEqual(Object.keys(examples).sort());
  });

  it('accepts the contract examples', () => {
    for (const event of SERVER_EVENTS) {
      const result = parseServerEvent(event, examples[event]);
      expect(result).toEqual({ ok: true, value: examples[event] });
    }
  });

  it('drops payloads that do not match the schema', () => {
    const rec = examples.recommendations;
    const bad: unknown[] = [
      null,
      'hello',
      { ...rec, items: 'none' },
      { ...rec, shopper: { ref: '', dwellMs: 1 } },
      { ...rec, items: [{ ...rec.items[0], price: -1 }] },
      { ...rec, items: [{ ...rec.items[0], name: { en: 'Only English' } }] },
      { ...rec, extra: true },
    ];
    for (const payload of bad) {
      const result = parseServerEvent('recommendations', payload);
      expect(result.ok, JSON.stringify(payload)).toBe(false);
      if (!result.ok) expect(result.error).not.toBe('');
    }
    expect(parseServerEvent('zoneContext', { ...examples.zoneContext, shoppers: -1 }).ok).toBe(false);
    expect(parseServerEvent('storeOverview', { ...examples.storeOverview, zones: [{}] }).ok).toBe(false);
  });

  it('names the offending field', () => {
    const result = parseServerEvent('zoneContext', { ...examples.zoneContext, shoppers: 'many' });
    expect(result).toMatchObject({ ok: false, error: expect.stringContaining('shoppers') });
  });

  it('rejects unknown events', () => {
    expect(parseServerEvent('bogus' as 'zoneContext', {}).ok).toBe(false);
  });
});
