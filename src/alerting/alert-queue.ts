import type { PostableAlert } from './incident-alert.js';

/**
 * Alerts waiting to be sent, oldest first, at most `capacity`. Each alert has a key (the
 * incident id and state), and a newer alert with the same key replaces the waiting one in its
 * place, because Alertmanager only needs an alert's latest version.
 */
export class AlertQueue {
  private readonly capacity: number;
  private readonly waiting = new Map<string, PostableAlert>();

  constructor(capacity: number) {
    this.capacity = capacity;
  }

  get size(): number {
    return this.waiting.size;
  }

  has(key: string): boolean {
    return this.waiting.has(key);
  }

  /** Adds an alert, or replaces the one with the same key. Returns false, adding nothing, when the queue is full. */
  offer(key: string, alert: PostableAlert): boolean {
    if (!this.waiting.has(key) && this.waiting.size >= this.capacity) return false;

    this.waiting.set(key, alert);
    return true;
  }

  /** Removes and returns every waiting alert, oldest first. */
  takeAll(): PostableAlert[] {
    const alerts = [...this.waiting.values()];
    this.waiting.clear();
    return alerts;
  }
}
