import assert from 'node:assert/strict';
import { test } from 'node:test';
import { derivePatterns } from '../../lib/client/date-pattern.ts';
import { type DateFormat, type DateStyle, formatDate, formatDateTime, formatTime } from '../../lib/client/format.ts';

// A zone with summer time, so local wall times cross both changes of the clock.
process.env.TZ = 'Europe/Berlin';

const locales = [
  'en-US',
  'en-GB',
  'en-IN',
  'de-DE',
  'fr-FR',
  'fr-CA',
  'es-ES',
  'es-MX',
  'pt-BR',
  'it-IT',
  'nl-NL',
  'sv-SE',
  'fi-FI',
  'pl-PL',
  'cs-CZ',
  'ru-RU',
  'tr-TR',
  'hu-HU',
  'ja-JP',
  'ko-KR',
  'zh-CN',
  'zh-TW',
  'hi-IN',
  'he-IL',
  'id-ID',
  'vi-VN',
  'el-GR',
  'bg-BG',
  'da-DK',
  'nb-NO',
  'en',
];

/** Instants over two years, hourly steps with odd minutes and seconds, both clock changes among them. */
const instants: number[] = [];
for (let ms = Date.UTC(2026, 0, 1, 0, 7, 3); ms < Date.UTC(2028, 0, 1); ms += 3_600_000 * 7 + 61_000) instants.push(ms);
instants.push(Date.UTC(2026, 2, 29, 0, 59, 59), Date.UTC(2026, 2, 29, 1, 0, 0), Date.UTC(2026, 9, 25, 0, 30, 0), Date.UTC(2026, 9, 25, 1, 30, 0));

test('a derived layout writes every date and time exactly as Intl does, in the runtime zone', () => {
  const derived: string[] = [];
  for (const locale of locales) {
    const patterns = derivePatterns(locale);
    if (!patterns) continue;
    derived.push(locale);
    for (const style of ['locale', '24h'] satisfies DateStyle[]) {
      const intl: DateFormat = { style, locale };
      const laid: DateFormat = { style, locale, patterns };
      for (const ms of instants) {
        assert.equal(formatDate(ms, laid), formatDate(ms, intl), `${locale} ${style} date ${ms}`);
        for (const seconds of [true, false]) {
          assert.equal(formatTime(ms, laid, { seconds }), formatTime(ms, intl, { seconds }), `${locale} ${style} time ${ms}`);
          assert.equal(formatDateTime(ms, laid, { seconds }), formatDateTime(ms, intl, { seconds }), `${locale} ${style} date-time ${ms}`);
        }
      }
    }
  }
  // The common ones must not fall back to Intl (that is the cost this avoids).
  for (const locale of ['en-US', 'en-GB', 'de-DE', 'fr-FR', 'es-ES', 'ja-JP', 'ko-KR', 'zh-CN']) assert.ok(derived.includes(locale), `${locale} has a layout`);
});

test('layouts are what the locales write: 12 h with its day period, 24 h, day or month first', () => {
  const at = new Date(2026, 11, 6, 14, 21, 54).getTime();
  const us = derivePatterns('en-US')!;
  assert.equal(formatDateTime(at, { style: 'locale', locale: 'en-US', patterns: us }, { seconds: true }), '12/06/2026, 02:21:54 PM');
  assert.equal(formatTime(at, { style: '24h', locale: 'en-US', patterns: us }), '14:21:54');
  // Another style of the same format (the settings' examples): its own layout.
  const usLocale: DateFormat = { style: 'locale', locale: 'en-US', patterns: us };
  assert.equal(formatTime(at, { ...usLocale, style: '24h' }), '14:21:54');
  assert.equal(formatTime(at, { ...usLocale, style: 'iso' }, { seconds: false }), '14:21');
  const gb = derivePatterns('en-GB')!;
  assert.equal(formatDate(at, { style: 'locale', locale: 'en-GB', patterns: gb }), '06/12/2026');
  const ko = derivePatterns('ko-KR')!;
  assert.match(formatTime(at, { style: 'locale', locale: 'ko-KR', patterns: ko }), /^(오후|PM) 02:21:54$/, 'the day period first');
});

test('locales a layout cannot follow get none: another calendar, other digits, a bad tag', () => {
  assert.equal(derivePatterns('fa-IR'), null, 'Persian calendar and digits');
  assert.equal(derivePatterns('th-TH-u-ca-buddhist'), null, 'Buddhist era');
  assert.equal(derivePatterns('ar-EG'), null, 'Arabic-Indic digits');
  assert.equal(derivePatterns('not a locale!'), null);
});
