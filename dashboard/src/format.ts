/** Formats a Unix-millisecond time as the local time, with the date when it is not today. */
export function formatTime(atMs: number): string {
  const date = new Date(atMs);
  const sameDay = date.toDateString() === new Date().toDateString();
  const time = formatClockTime(atMs);
  return sameDay ? time : `${date.toLocaleDateString()} ${time}`;
}

/** Formats a Unix-millisecond time as the local HH:MM:SS. */
export function formatClockTime(atMs: number): string {
  return new Date(atMs).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
}

/** Formats a duration in milliseconds with the largest fitting unit: `850 ms`, `12.3 s`, `4m 05s`, `2h 10m`. */
export function formatDuration(durationMs: number): string {
  if (durationMs < 1_000) return `${Math.round(durationMs)} ms`;
  if (durationMs < 60_000) return `${(durationMs / 1_000).toFixed(1)} s`;
  const totalSeconds = Math.round(durationMs / 1_000);
  if (totalSeconds < 3_600) return `${Math.floor(totalSeconds / 60)}m ${String(totalSeconds % 60).padStart(2, '0')}s`;
  const totalMinutes = Math.floor(totalSeconds / 60);
  return `${Math.floor(totalMinutes / 60)}h ${String(totalMinutes % 60).padStart(2, '0')}m`;
}

export function formatPercent(ratio: number): string {
  return `${(ratio * 100).toFixed(ratio < 0.1 ? 1 : 0)}%`;
}

/** Formats a rate per second: two significant decimals below 10, whole numbers above. */
export function formatRate(perSecond: number | undefined): string {
  if (perSecond === undefined) return '–';
  return perSecond < 10 ? perSecond.toFixed(2) : Math.round(perSecond).toLocaleString();
}

export function formatCount(count: number | undefined): string {
  return count === undefined ? '–' : count.toLocaleString();
}

/** Names a system for display; services without `service.namespace` have an empty system. */
export function systemLabel(system: string): string {
  return system === '' ? '(no system)' : system;
}

/** Returns the value at quantile `q` (0 to 1) of the numbers, by the nearest-rank method. */
export function quantile(values: readonly number[], q: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank];
}
