import type * as Sdk from './sdk';
import type * as Port from './index';
import { HOT_MODULES, plainExports } from './plainExports';

/**
 * Imported first by main.ts, for its effect: when an OTLP endpoint is configured, the SDK starts
 * before pg, Koa and http are loaded, so its instrumentations can patch them. Without one nothing
 * is loaded and the tracing port stays a no-op. Nothing here loads OpenTelemetry before
 * `plainExports` has swapped its hot modules' getters for plain values (the port too is loaded
 * after it, not imported).
 */
const endpoint =
  process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
if (endpoint && process.env.OTEL_SDK_DISABLED !== 'true') {
  plainExports(HOT_MODULES);
  // The roles the process runs name the service: `node dist/main.js projects-app` is devpie-projects-app.
  const roles = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  const service = roles.length > 0 ? `devpie-${roles.join('+')}` : 'devpie';
  /* eslint-disable @typescript-eslint/no-require-imports -- loaded only when tracing is on, in this order */
  const sdk = require('./sdk') as typeof Sdk;
  const port = require('./index') as typeof Port;
  /* eslint-enable @typescript-eslint/no-require-imports */
  port.tracingStarted(sdk.startSdk(service));
}
