/**
 * The fields of an alarm event that need more than a type check: the state's timestamp, and the alarm
 * ARN with the region and account in it.
 */

const TIMESTAMP = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:?\d{2})$/;

/**
 * `2019-10-02T17:04:40.989+0000` -> `2019-10-02T17:04:40.989Z`. Whitespace anywhere is dropped first
 * (a copy of the AWS docs prints `2023-08-04T12: 36: 15.490+0000`); a time without an offset, or a
 * date that does not exist, is refused rather than guessed.
 */
export const toUtcIso = (raw: string): string | undefined => {
  const match = TIMESTAMP.exec(raw.replace(/\s+/g, ''));
  if (!match) return undefined;
  const [, date = '', time = '', fraction = '', zone = ''] = match;
  const offset = zone === 'Z' ? 'Z' : `${zone.slice(0, 3)}:${zone.slice(-2)}`;
  const millis = Date.parse(`${date}T${time}.${fraction.padEnd(3, '0').slice(0, 3)}${offset}`);
  if (Number.isNaN(millis) || time.startsWith('24')) return undefined;
  // Date.parse rolls 2019-02-30 over into March instead of refusing it.
  if (!new Date(`${date}T00:00:00Z`).toISOString().startsWith(date)) return undefined;
  return new Date(millis).toISOString();
};

const ALARM_ARN = /^arn:([^:]*):cloudwatch:([^:]*):([^:]*):alarm:(.+)$/s;

/**
 * Drops whitespace around the separators of the ARN's prefix (the same docs copy prints
 * `arn:aws:cloudwatch:us-east-1: 444455556666:alarm:...`) but keeps it inside the alarm name, where
 * it is legal (`...:alarm:EC2 CPU Utilization Anomaly`).
 */
export const normaliseAlarmArn = (raw: string): string => {
  const trimmed = raw.trim();
  const split = /^(.*?:\s*alarm\s*:)(.*)$/s.exec(trimmed);
  if (!split) return trimmed;
  const [, prefix = '', name = ''] = split;
  return `${prefix.replace(/\s+/g, '')}${name.trim()}`;
};

const REGION_CODE = /^[a-z]{2}(?:-[a-z]+)+-\d+$/;
const ACCOUNT_ID = /^\d{12}$/;

export const arnParts = (arn: string | undefined): { region?: string; account?: string } => {
  const match = arn === undefined ? null : ALARM_ARN.exec(arn);
  if (!match) return {};
  const [, , region = '', account = ''] = match;
  return {
    ...(REGION_CODE.test(region) ? { region } : {}),
    ...(ACCOUNT_ID.test(account) ? { account } : {}),
  };
};
