import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { WarningThrottle } from '../../src/receiver/warning-throttle.js';

/** Creates a pino logger that keeps each JSON line it writes. */
function recordingLogger(): { logger: pino.Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { logger, lines };
}

describe('WarningThrottle', () => {
  it('logs once per interval and counts the repeats', () => {
    const { logger, lines } = recordingLogger();
    let nowMs = 0;
    const throttle = new WarningThrottle(logger, 1000, () => nowMs);

    throttle.warn('spans_rejected', { count: 1 }, 'spans rejected');
    nowMs = 500;
    throttle.warn('spans_rejected', { count: 2 }, 'spans rejected');
    throttle.warn('spans_rejected', { count: 3 }, 'spans rejected');
    nowMs = 1000;
    throttle.warn('spans_rejected', { count: 4 }, 'spans rejected');

    expect(lines.map((line) => [line['count'], line['repeatsSuppressed']])).toEqual([
      [1, 0],
      [4, 2],
    ]);
  });

  it('throttles each kind on its own', () => {
    const { logger, lines } = recordingLogger();
    const throttle = new WarningThrottle(logger, 1000, () => 0);

    throttle.warn('request_malformed', {}, 'export request rejected');
    throttle.warn('request_too_large', {}, 'export request rejected');
    throttle.warn('request_malformed', {}, 'export request rejected');

    expect(lines.map((line) => line['kind'])).toEqual(['request_malformed', 'request_too_large']);
  });
});
