/**
 * A Map that keeps the `capacity` most recently set entries and drops the oldest first.
 * Setting an existing key makes it the newest.
 */
export class BoundedMap<K, V> {
  private readonly entries = new Map<K, V>();
  /**
   * Reads the oldest key across calls. Every key before it was deleted. A fresh iterator would
   * step over each deleted entry that V8 keeps until it rehashes the table: on Node 20 that
   * measured about 16 µs per drop at capacity 10000, against well under 1 µs with this one.
   */
  private oldestKeys: MapIterator<K>;
  private readonly capacity: number;

  constructor(capacity: number) {
    this.capacity = capacity;
    this.oldestKeys = this.entries.keys();
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: K): V | undefined {
    return this.entries.get(key);
  }

  has(key: K): boolean {
    return this.entries.has(key);
  }

  /** Returns the values, oldest first. */
  values(): MapIterator<V> {
    return this.entries.values();
  }

  /** Stores an entry as the newest, dropping the oldest entries past capacity. */
  set(key: K, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    while (this.entries.size > this.capacity) this.dropOldest();
  }

  private dropOldest(): void {
    let oldest = this.oldestKeys.next();
    if (oldest.done === true) {
      this.oldestKeys = this.entries.keys();
      oldest = this.oldestKeys.next();
    }
    if (oldest.done !== true) this.entries.delete(oldest.value);
  }
}
