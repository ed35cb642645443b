import { ConnectRefusal, HelloRefusal } from '@aisle/contracts';
import { describe, expect, it } from 'vitest';
import { formatDwell, formatPrice } from './format';
import { dictionaries, en, ko, LANGS, placeholdersOf, pluralKey, REFUSAL_KEYS, translate } from './messages';

describe('dictionaries', () => {
  it('have exactly the same keys in every language', () => {
    const keys = Object.keys(en).sort();
    for (const lang of LANGS) expect(Object.keys(dictionaries[lang]).sort()).toEqual(keys);
  });

  it('have no empty strings', () => {
    for (const lang of LANGS)
      for (const [key, text] of Object.entries(dictionaries[lang])) expect(text.trim(), `${lang}.${key}`).not.toBe('');
  });

  it('use the same {placeholders} in every language', () => {
    for (const key of Object.keys(en) as (keyof typeof en)[])
      expect(placeholdersOf(ko[key]), key).toEqual(placeholdersOf(en[key]));
  });

  it('name each language in itself for the toggle', () => {
    expect(en.languageName).toBe('English');
    expect(ko.languageName).toBe('한국어');
  });

  it('explain every refusal reason of the protocol', () => {
    const reasons = [...HelloRefusal.options, ...ConnectRefusal.options, 'missingStore'];
    expect(Object.keys(REFUSAL_KEYS).sort()).toEqual(reasons.sort());
    for (const key of Object.values(REFUSAL_KEYS)) expect(en[key]).toBeTruthy();
  });
});

describe('translate', () => {
  it('fills placeholders', () => {
    expect(translate('en', 'refusal.screen', { screenId: 'kiosk-1' })).toBe('Screen kiosk-1');
    expect(translate('ko', 'refusal.screen', { screenId: 'kiosk-1' })).toBe('화면 kiosk-1');
    expect(translate('ko', 'mirror.title')).toBe('스타일 완성하기');
  });

  it('picks singular or plural per language', () => {
    expect(pluralKey('en', 1, 'zone.shoppersOne', 'zone.shoppersOther')).toBe('zone.shoppersOne');
    expect(pluralKey('en', 2, 'zone.shoppersOne', 'zone.shoppersOther')).toBe('zone.shoppersOther');
    expect(pluralKey('ko', 1, 'zone.shoppersOne', 'zone.shoppersOther')).toBe('zone.shoppersOther');
  });
});

describe('formatting', () => {
  it('formats prices with their currency', () => {
    expect(formatPrice(32.5, 'USD', 'en')).toBe('$32.50');
    expect(formatPrice(32.5, 'USD', 'ko')).toBe('US$32.50');
    expect(formatPrice(45000, 'KRW', 'ko')).toBe('₩45,000');
  });

  it('formats dwell time in seconds, then minutes', () => {
    expect(formatDwell(12_000, 'en')).toBe('12 sec');
    expect(formatDwell(12_000, 'ko')).toBe('12초');
    expect(formatDwell(185_000, 'en')).toBe('3 min');
    expect(formatDwell(-5, 'en')).toBe('0 sec');
  });
});
