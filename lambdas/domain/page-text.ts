/**
 * The text forms a page must fit: subjects of printable ASCII under 100 characters (SNS refuses or
 * rewrites anything else), and SMS of at most 160 characters of the GSM 7-bit alphabet, so it travels
 * as one message (a single character outside it would switch the whole SMS to UCS-2, whose limit is 70).
 */
import type { Incident } from './incident';

/**
 * The pages topics' display name. SNS starts every SMS from a topic with it, upper-cased, and `> `,
 * so it is short and counts against the 160 characters of one GSM segment.
 */
export const SMS_SENDER = 'INCIDENT';
/** One GSM-7 segment (160 characters) less the sender prefix SNS adds: a page is one SMS. */
export const SMS_LIMIT = 160 - `${SMS_SENDER}> `.length;
/** SNS email subjects must be under 100 characters. */
export const SUBJECT_LIMIT = 99;

export const formatDuration = (fromIso: string, to: Date): string => {
  const minutes = Math.max(0, Math.round((to.getTime() - Date.parse(fromIso)) / 60_000));
  if (minutes < 60) return `${minutes} min`;
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return m === 0 ? `${h} h` : `${h} h ${m} min`;
};

export const hhmm = (iso: string): string => `${iso.slice(11, 16)} UTC`;

export const oneLine = (text: string): string => text.replace(/\s+/g, ' ').trim();

/** Printable ASCII only: accents dropped, typographic punctuation made plain, anything else `?`. */
export const ascii = (text: string): string =>
  oneLine(text)
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(/…/g, '...')
    .replace(/[‘’]/g, "'")
    .replace(/[“”]/g, '"')
    .replace(/[–—]/g, '-')
    .replace(/[^\x20-\x7e]/g, '?');

/** ASCII characters outside the GSM 7-bit basic set, each replaced by a plain look-alike. */
const GSM_SUBSTITUTES: Readonly<Record<string, string>> = {
  '[': '(',
  ']': ')',
  '{': '(',
  '}': ')',
  '\\': '/',
  '^': "'",
  '~': '-',
  '|': '/',
  '`': "'",
};
export const gsm = (text: string): string =>
  ascii(text).replace(/[[\]{}\\^~|`]/g, (c) => GSM_SUBSTITUTES[c] ?? '?');

export const clip = (text: string, limit: number): string =>
  text.length <= limit ? text : `${text.slice(0, Math.max(0, limit - 3)).trimEnd()}...`;

/** The shortest title an SMS keeps before it gives the room to a link instead. */
const SMS_MIN_TEXT = 24;

/**
 * `head: text`, at most SMS_LIMIT characters; the ack link goes at the end only when it fits whole
 * (a cut URL is worse than none) and leaves at least SMS_MIN_TEXT characters of the text.
 */
export const smsOf = (head: string, text: string, ackUrl: string | undefined): string => {
  const h = gsm(head);
  const t = gsm(text);
  const linkPart = ackUrl && gsm(ackUrl) === ackUrl ? ` Ack: ${ackUrl}` : '';
  const room = SMS_LIMIT - h.length - 2 - linkPart.length;
  if (linkPart && room >= Math.min(t.length, SMS_MIN_TEXT)) return `${h}: ${clip(t, room)}${linkPart}`;
  return clip(`${h}: ${t}`, SMS_LIMIT);
};

export const subjectOf = (label: string, incident: Incident): string =>
  clip(ascii(`${label}: [${incident.severity}] ${incident.id} ${incident.title}`), SUBJECT_LIMIT);
