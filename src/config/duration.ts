import { z } from 'zod';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };
const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/;

/** Parses a duration such as `500ms`, `2s`, `1.5m` or `1h` into milliseconds; undefined when invalid. */
export function parseDurationMs(text: string): number | undefined {
  const match = DURATION.exec(text.trim());
  if (match === null) return undefined;
  const [, amount, unit] = match;
  if (amount === undefined || unit === undefined) return undefined;
  return Number(amount) * (UNIT_MS[unit] ?? Number.NaN);
}

/** Creates a zod schema that parses a duration string into milliseconds. */
export function durationMs(options: { allowZero?: boolean } = {}): z.ZodType<number, string> {
  const rule = options.allowZero === true ? 'a duration of zero or more' : 'a positive duration';
  return z.string({ error: `must be ${rule} such as "2s"` }).transform((text, context) => {
    const ms = parseDurationMs(text);
    if (ms === undefined || !Number.isFinite(ms) || ms < 0 || (ms === 0 && options.allowZero !== true)) {
      context.addIssue({ code: 'custom', message: `must be ${rule} such as "2s", got ${JSON.stringify(text)}` });
      return z.NEVER;
    }
    return ms;
  });
}
