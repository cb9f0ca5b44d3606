import { describe, expect, it } from 'vitest';
import { AlertmanagerClient } from '../../src/alerting/alertmanager-client.js';

describe('AlertmanagerClient', () => {
  describe('alertsUrl', () => {
    it.each([
      { endpoint: 'http://127.0.0.1:9093', expected: 'http://127.0.0.1:9093/api/v2/alerts' },
      { endpoint: 'http://127.0.0.1:9093/', expected: 'http://127.0.0.1:9093/api/v2/alerts' },
      { endpoint: 'https://alerts.example.com/alertmanager', expected: 'https://alerts.example.com/alertmanager/api/v2/alerts' },
      { endpoint: 'https://alerts.example.com/alertmanager/', expected: 'https://alerts.example.com/alertmanager/api/v2/alerts' },
    ])('keeps the path of $endpoint', ({ endpoint, expected }) => {
      expect(new AlertmanagerClient({ endpoint, timeoutMs: 1_000, headers: {} }).alertsUrl).toBe(expected);
    });
  });
});
