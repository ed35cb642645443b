import { describe, expect, it } from 'vitest';
import { CustomerRecommendations, parseRollout, TrainingRunRequest } from './training';

describe('parseRollout', () => {
  it('reads full, canary:<percent> and shadow:<percent>', () => {
    expect(parseRollout('full')).toEqual({ mode: 'full', percent: 100 });
    expect(parseRollout('full:100')).toEqual({ mode: 'full', percent: 100 });
    expect(parseRollout(' canary:10 ')).toEqual({ mode: 'canary', percent: 10 });
    expect(parseRollout('shadow:2.5')).toEqual({ mode: 'shadow', percent: 2.5 });
  });

  it('refuses anything else', () => {
    for (const text of ['', 'canary', 'canary:', 'canary:150', 'canary:-1', 'full:50', 'everywhere:10', 'canary:1e2'])
      expect([text, parseRollout(text)]).toEqual([text, undefined]);
  });
});

describe('training contracts', () => {
  it('takes an empty run request and refuses unknown fields or an empty store list', () => {
    expect(TrainingRunRequest.parse({})).toEqual({});
    expect(TrainingRunRequest.safeParse({ model: 'hybrid' }).success).toBe(false);
    expect(TrainingRunRequest.safeParse({ stores: [] }).success).toBe(false);
  });

  it('answers recommendations with the model version, or null before any model', () => {
    const list = { customerId: 'cus-0001', personalized: true, items: [{ itemId: 'sku-1', score: 0.5 }] };
    expect(CustomerRecommendations.safeParse({ ...list, model: 'online-20261129090000' }).success).toBe(true);
    expect(CustomerRecommendations.safeParse({ ...list, model: null }).success).toBe(true);
    expect(CustomerRecommendations.safeParse({ ...list }).success).toBe(false);
  });
});
