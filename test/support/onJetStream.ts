// The JetStream pass of the end-to-end suites (jest.config.js, project e2e-jetstream): the roles
// these suites start, and the reads they make behind them, go to JetStream. Jest gives each test
// file a process.env of its own, so this reaches no suite of another project.
process.env.EVENT_LOG = 'jetstream';
// With components lease-free, as JetStream allows: each outcome checked by the log itself. The
// leased writer on JetStream is covered by the log's contract suite and its own checks.
process.env.COMPONENT_WRITERS = 'shared';
