import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { delay, ManagedProcess } from '../e2e/managed-process.js';
import { PROMETHEUS_PATH, requireBinary } from './exposition.js';

/** A real Prometheus server scraping one target every second, with its data in a temp dir. */

const POLL_INTERVAL_MS = 200;
const STOP_GRACE_MS = 5_000;

/** Returns a TCP port that was free on 127.0.0.1 a moment ago. */
export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function scrapeConfig(target: string): string {
  return `global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: faultline
    metrics_path: /metrics
    static_configs:
      - targets: ['${target}']
`;
}

/** One entry of `/api/v1/targets` `activeTargets`, the fields the tests read. */
export interface ActiveTarget {
  scrapeUrl: string;
  health: string;
  lastError: string;
}

export class PrometheusServer {
  private constructor(
    private readonly process: ManagedProcess,
    private readonly dataDirectory: string,
    /** Base URL of Prometheus' HTTP API, without a trailing slash. */
    readonly url: string,
  ) {}

  /** Starts `/usr/bin/prometheus` on a free loopback port, scraping `target` (host:port) at `/metrics`. */
  static async start(target: string): Promise<PrometheusServer> {
    requireBinary(PROMETHEUS_PATH);
    const dataDirectory = mkdtempSync(join(tmpdir(), 'faultline-prometheus-'));
    const configPath = join(dataDirectory, 'prometheus.yml');
    writeFileSync(configPath, scrapeConfig(target));
    const port = await findFreePort();
    const process = new ManagedProcess({
      name: 'prometheus',
      command: PROMETHEUS_PATH,
      args: [`--config.file=${configPath}`, `--storage.tsdb.path=${join(dataDirectory, 'data')}`, `--web.listen-address=127.0.0.1:${port}`],
      cwd: dataDirectory,
      env: { PATH: globalThis.process.env['PATH'] ?? '/usr/bin:/bin' },
    });
    return new PrometheusServer(process, dataDirectory, `http://127.0.0.1:${port}`);
  }

  /** Waits until the only active target's last scrape succeeded; returns that target. */
  async waitForHealthyTarget(timeoutMs: number): Promise<ActiveTarget> {
    return this.poll('the scrape target to be up', timeoutMs, async () => {
      const body = (await this.get('/api/v1/targets')) as { data?: { activeTargets?: ActiveTarget[] } };
      const [target] = body.data?.activeTargets ?? [];
      return target?.health === 'up' && target.lastError === '' ? target : undefined;
    });
  }

  /** Waits until an instant query returns at least one series; returns the first value. */
  async waitForQueryValue(query: string, timeoutMs: number): Promise<number> {
    return this.poll(`a result for ${query}`, timeoutMs, async () => {
      const body = (await this.get(`/api/v1/query?query=${encodeURIComponent(query)}`)) as { data?: { result?: { value: [number, string] }[] } };
      const [series] = body.data?.result ?? [];
      return series === undefined ? undefined : Number(series.value[1]);
    });
  }

  /** Stops Prometheus and removes its data directory. */
  async stop(): Promise<void> {
    await this.process.stop(STOP_GRACE_MS);
    rmSync(this.dataDirectory, { recursive: true, force: true });
  }

  private async get(path: string): Promise<unknown> {
    const response = await fetch(`${this.url}${path}`);
    return response.json();
  }

  /**
   * Calls `check` until it returns a value. Connection errors count as "not yet", because
   * Prometheus takes a moment to open its port.
   */
  private async poll<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let lastError: unknown;
    for (;;) {
      try {
        const value = await check();
        if (value !== undefined) return value;
      } catch (error) {
        lastError = error;
      }
      if (Date.now() > deadline) {
        throw new Error(`prometheus: timed out after ${timeoutMs} ms waiting for ${what}; last error: ${String(lastError)}\n${this.process.tail()}`);
      }
      await delay(POLL_INTERVAL_MS);
    }
  }
}
