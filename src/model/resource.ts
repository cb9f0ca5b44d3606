import type { Attributes, ResourceIdentity } from './span.js';

/** The service name the OpenTelemetry SDKs report when none is configured. */
export const UNKNOWN_SERVICE = 'unknown_service';

/** Builds the identity of a resource from its attributes. */
export function readResourceIdentity(attributes: Attributes): ResourceIdentity {
  const text = (key: string): string => {
    const value = attributes[key];
    return typeof value === 'string' ? value : '';
  };
  return {
    service: text('service.name') || UNKNOWN_SERVICE,
    system: text('service.namespace'),
    instance: text('service.instance.id'),
    attributes,
  };
}
