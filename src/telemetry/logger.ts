import { pino, type DestinationStream, type Logger } from 'pino';

/** Creates Faultline's root logger: JSON lines on stdout, with `service: faultline` on each. */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = { level, base: { service: 'faultline' }, timestamp: pino.stdTimeFunctions.isoTime };
  return destination === undefined ? pino(options) : pino(options, destination);
}
