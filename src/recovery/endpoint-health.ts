import type { Logger } from 'pino';
import type { EndpointChannel } from './endpoint-channel.js';

/**
 * Health of each endpoint of one target, from periodic `grpc.health.v1.Health/Check` calls and
 * from failed control calls. Calls go to the first healthy endpoint in config order.
 *
 * Each endpoint's state:
 * - `unknown`: not checked yet; it is tried, so the first call need not wait for a check;
 * - `healthy`: the last check returned SERVING;
 * - `unhealthy`: the last check failed or returned a status other than SERVING, or a control
 *   call found it unreachable since. The next check can make it healthy again.
 */
export type EndpointState = 'unknown' | 'healthy' | 'unhealthy';

export interface EndpointHealthOptions {
  target: string;
  channels: readonly EndpointChannel[];
  /** 0 disables checks, so every endpoint stays `unknown` and the first one is always picked. */
  intervalMs: number;
  checkTimeoutMs: number;
  logger: Logger;
}

export class EndpointHealth {
  private readonly states = new Map<EndpointChannel, EndpointState>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: EndpointHealthOptions) {
    for (const channel of options.channels) this.states.set(channel, 'unknown');
  }

  /** Runs a first round of checks at once, then one every interval. Idempotent. */
  start(): void {
    if (this.options.intervalMs === 0 || this.timer !== undefined) return;
    void this.checkAll();
    this.timer = setInterval(() => void this.checkAll(), this.options.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Returns the first endpoint not known to be unhealthy, or undefined when every one is unhealthy. */
  pick(): EndpointChannel | undefined {
    return this.options.channels.find((channel) => this.states.get(channel) !== 'unhealthy');
  }

  /** Marks an endpoint unhealthy after a control call could not reach it; only while checks run, since they restore it. */
  markUnreachable(channel: EndpointChannel): void {
    if (this.options.intervalMs === 0) return;
    this.setState(channel, 'unhealthy');
  }

  stateOf(address: string): EndpointState | undefined {
    const channel = this.options.channels.find((candidate) => candidate.address === address);
    return channel === undefined ? undefined : this.states.get(channel);
  }

  /** Checks every endpoint once, in parallel; resolves when all checks ended. */
  async checkAll(): Promise<void> {
    await Promise.all(this.options.channels.map((channel) => this.check(channel)));
  }

  private async check(channel: EndpointChannel): Promise<void> {
    try {
      const status = await channel.checkHealth(this.options.checkTimeoutMs);
      this.setState(channel, status === 'SERVING' ? 'healthy' : 'unhealthy');
    } catch (error) {
      this.options.logger.debug({ target: this.options.target, endpoint: channel.address, err: error }, 'health check failed');
      this.setState(channel, 'unhealthy');
    }
  }

  private setState(channel: EndpointChannel, state: EndpointState): void {
    const previous = this.states.get(channel);
    if (previous === state) return;
    this.states.set(channel, state);
    if (previous === 'unknown' && state === 'healthy') return;
    this.options.logger.info({ target: this.options.target, endpoint: channel.address, from: previous, to: state }, 'endpoint health changed');
  }
}
