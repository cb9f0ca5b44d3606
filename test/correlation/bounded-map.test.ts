import { describe, expect, it } from 'vitest';
import { BoundedMap } from '../../src/correlation/bounded-map.js';

describe('BoundedMap', () => {
  describe('set', () => {
    it('drops the oldest entry past capacity', () => {
      const map = new BoundedMap<string, number>(2);

      map.set('a', 1);
      map.set('b', 2);
      map.set('c', 3);

      expect([...map.values()]).toEqual([2, 3]);
      expect(map.has('a')).toBe(false);
    });

    it('makes a key set again the newest', () => {
      const map = new BoundedMap<string, number>(2);
      map.set('a', 1);
      map.set('b', 2);

      map.set('a', 10);
      map.set('c', 3);

      expect([...map.values()]).toEqual([10, 3]);
    });

    it('keeps capacity entries over many drops', () => {
      const map = new BoundedMap<number, number>(100);

      for (let key = 0; key < 10_000; key += 1) map.set(key, key);

      expect(map.size).toBe(100);
      expect(map.get(9_899)).toBeUndefined();
      expect(map.get(9_900)).toBe(9_900);
    });
  });
});
