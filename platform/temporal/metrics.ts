/**
 * The series the Temporal SDK's core exports when TEMPORAL_METRICS_ADDRESS is set (see
 * installRuntime in ./connection.ts): its metric names (Temporal's "SDK metrics" reference, as
 * the core of @temporalio/worker 1.24 spells them) with the exporter's suffixes, `_total` on
 * counters and `_seconds` on durations. They live in the core, not in our registry, so the
 * alerts and the dashboard (k8s/monitoring) are checked against this list, and
 * platform/metrics/metrics.e2e.test.ts checks that what a running worker exports is in it.
 */
const COUNTERS = [
  'request',
  'request_failure',
  'long_request',
  'long_request_failure',
  'worker_start',
  'workflow_completed',
  'workflow_failed',
  'workflow_canceled',
  'workflow_continue_as_new',
  'workflow_task_queue_poll_succeed',
  'workflow_task_queue_poll_empty',
  'workflow_task_execution_failed',
  'activity_poll_no_task',
  'activity_execution_failed',
  'activity_execution_cancelled',
  'local_activity_total',
  'local_activity_execution_failed',
  'local_activity_execution_cancelled',
  'sticky_cache_hit',
  'sticky_cache_miss',
  'sticky_cache_total_forced_eviction',
];
const DURATIONS = [
  'request_latency',
  'long_request_latency',
  'workflow_endtoend_latency',
  'workflow_task_schedule_to_start_latency',
  'workflow_task_execution_latency',
  'workflow_task_replay_latency',
  'activity_schedule_to_start_latency',
  'activity_execution_latency',
  'activity_succeed_endtoend_latency',
  'local_activity_execution_latency',
  'local_activity_succeed_endtoend_latency',
];
const GAUGES = [
  'num_pollers',
  'worker_task_slots_available',
  'worker_task_slots_used',
  'sticky_cache_size',
];

export const TEMPORAL_METRICS: string[] = [
  ...COUNTERS.map((n) => `temporal_${n}_total`),
  ...DURATIONS.flatMap((n) => ['bucket', 'sum', 'count'].map((s) => `temporal_${n}_seconds_${s}`)),
  ...GAUGES.map((n) => `temporal_${n}`),
];
