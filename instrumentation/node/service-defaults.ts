import { randomUUID } from 'node:crypto';
import { diag } from '@opentelemetry/api';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import type { Resource } from '@opentelemetry/resources';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-base';

/**
 * Defaults for `service.name` and `service.namespace` that a service sets from its own code.
 *
 * The bootstrap starts the SDK before the service's main module runs, so the resource is built
 * before the service can set its own identity. Its two identity attributes are therefore async resource
 * attributes: they settle when the service calls `setServiceDefaults`, or with no default when
 * the first span ends without such a call. The batch span processor waits for async attributes
 * before it exports, so every exported span carries the settled values.
 * `OTEL_SERVICE_NAME` and `OTEL_RESOURCE_ATTRIBUTES` override these defaults.
 */

export interface ServiceDefaults {
  /** `service.name` unless `OTEL_SERVICE_NAME` or `OTEL_RESOURCE_ATTRIBUTES` sets one. */
  serviceName?: string;
  /** `service.namespace` (the system) unless `OTEL_RESOURCE_ATTRIBUTES` sets one. */
  serviceNamespace?: string;
}

/**
 * The defaults' life:
 * - `open`: nothing set yet; spans may be created, and the resource waits;
 * - `settled`: the values are fixed, by `setServiceDefaults` or by the first ended span.
 */
type DefaultsState = { state: 'open'; settle: (defaults: ServiceDefaults) => void } | { state: 'settled'; defaults: ServiceDefaults };

let current: DefaultsState = { state: 'settled', defaults: {} };
let settledDefaults: Promise<ServiceDefaults> = Promise.resolve({});

/** Opens the defaults again; the bootstrap calls it once before it builds the resource. */
export function openServiceDefaults(): void {
  settledDefaults = new Promise((resolve) => {
    current = { state: 'open', settle: resolve };
  });
}

/**
 * Sets this service's default `service.name` and `service.namespace`. Call it at the top of the
 * main module, before the first span ends. Returns false, and changes nothing, when the defaults
 * were already settled.
 */
export function setServiceDefaults(defaults: ServiceDefaults): boolean {
  if (current.state === 'settled') {
    diag.warn('service defaults were already settled; call setServiceDefaults before the first span ends');
    return false;
  }

  settle({ ...defaults });
  return true;
}

/** Settles the defaults as they are; later calls to `setServiceDefaults` change nothing. */
export function settleServiceDefaults(): void {
  if (current.state === 'open') settle({});
}

function settle(defaults: ServiceDefaults): void {
  if (current.state !== 'open') return;
  const { settle: resolve } = current;
  current = { state: 'settled', defaults };
  resolve(defaults);
}

/**
 * Builds the base resource: the SDK's defaults, `service.instance.id` as a random UUID, and
 * `service.name` / `service.namespace` from the service defaults once they settle. Detected
 * attributes (`OTEL_*` variables, process, host) are merged over it by the SDK.
 */
export function createBaseResource(): Resource {
  const identity = resourceFromAttributes({
    'service.instance.id': randomUUID(),
    'service.name': settledDefaults.then((defaults) => defaults.serviceName),
    'service.namespace': settledDefaults.then((defaults) => defaults.serviceNamespace),
  });
  return defaultResource().merge(identity);
}

/**
 * A span processor, placed before the exporting one, that settles the defaults when the first
 * span ends or the SDK flushes, so an export does not wait for a call that may never come.
 */
export class ServiceDefaultsSettler implements SpanProcessor {
  onStart(_span: Span): void {}

  onEnd(_span: ReadableSpan): void {
    settleServiceDefaults();
  }

  forceFlush(): Promise<void> {
    settleServiceDefaults();
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    settleServiceDefaults();
    return Promise.resolve();
  }
}
