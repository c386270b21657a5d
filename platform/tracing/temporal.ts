import { trace, ProxyTracerProvider } from '@opentelemetry/api';
import type { ClientOptions } from '@temporalio/client';
import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
  OpenTelemetryWorkflowClientInterceptor,
  type OpenTelemetryPluginOptions,
} from '@temporalio/interceptors-opentelemetry';
import type { WorkerOptions } from '@temporalio/worker';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { tracingEnabled } from './index';

/** The interceptors' module the workflow bundle holds when workflows are traced. */
export const WORKFLOW_TRACING_MODULE =
  require.resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors');

/** The resource the workflows' spans are exported with: the SDK's own (service name and all). */
type WorkflowResource = OpenTelemetryPluginOptions['resource'];

/** Where the build writes the traced twin of a workflow bundle. */
export const tracedBundle = (plain: string): string => plain.replace(/\.js$/, '-traced.js');

/**
 * For a Temporal client: a start, Update or signal carries the span it is made in to the workflow
 * (in the call's headers), so the workflow's spans join the trace of the command that asked.
 */
export function clientTracing(): Pick<ClientOptions, 'interceptors'> {
  if (!tracingEnabled()) return {};
  return { interceptors: { workflow: [new OpenTelemetryWorkflowClientInterceptor()] } };
}

/**
 * For a worker: activities continue the trace their workflow passes them, and the workflows'
 * spans (made in the sandbox, which cannot export) leave through a sink to the SDK's own
 * processor. Nothing when tracing is off: no span is made in the sandbox at all.
 */
export function workerTracing(): Pick<WorkerOptions, 'interceptors' | 'sinks'> {
  if (!tracingEnabled()) return {};
  const global = trace.getTracerProvider();
  const provider: unknown = global instanceof ProxyTracerProvider ? global.getDelegate() : global;
  if (
    !provider ||
    typeof provider !== 'object' ||
    !('getActiveSpanProcessor' in provider) ||
    typeof provider.getActiveSpanProcessor !== 'function' ||
    !('resource' in provider)
  )
    throw new Error('tracing is on, but the global tracer provider is not the SDK one');
  const processor = provider.getActiveSpanProcessor.call(provider) as SpanProcessor;
  const resource = provider.resource as WorkflowResource;
  return {
    interceptors: {
      activity: [
        (ctx) => ({
          inbound: new OpenTelemetryActivityInboundInterceptor(ctx),
          outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
        }),
      ],
    },
    sinks: { exporter: makeWorkflowExporter(processor, resource) },
  };
}
