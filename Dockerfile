# syntax=docker/dockerfile:1
# One image for every role of the backend: the container's args pick the role
# (`node dist/main.js identity-app`, `... migrate`); see k8s/ and `node dist/main.js roles`.
#
#   docker build -t devpie-client-backend .              runtime image (the last stage)
#   docker build --target dev -t devpie-client-backend .  Tilt's live-update image (see Tiltfile)
#
# Stages: deps (every dependency, cached on the lockfile) -> build (compile, then drop build-time
# code and dev dependencies) -> runtime (slim Node 20, non-root, compiled code and what it reads
# at run time).
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --no-audit --no-fund

# Development: sources plus dev dependencies, run from TypeScript by @swc-node/register. Tilt syncs
# changed sources into /app and `node --watch` restarts the role; one-shot commands (migrate,
# rebuild, roles) run once so a Job can complete. A role that exits is not restarted by
# `node --watch` (it waits for a change): its liveness probe fails and Kubernetes restarts it.
# The dev image has no dist/ (.dockerignore), so workflow-worker bundles workflows/ when it starts;
# node never loads those files itself, so `--watch` would miss a change to them: the worker
# watches the synced source folders (the Tiltfile's SOURCES) instead.
FROM deps AS dev
ENV NODE_ENV=development
COPY --chmod=755 <<'SH' /usr/local/bin/devpie-dev
#!/bin/sh
case "$1" in
  migrate|rebuild|roles) exec node -r @swc-node/register main.ts "$@" ;;
  workflow-worker) exec node --watch-path=main.ts --watch-path=apps --watch-path=components \
    --watch-path=projectors --watch-path=reactors --watch-path=platform --watch-path=contracts \
    --watch-path=dispatcher --watch-path=workflows --watch-path=activities -r @swc-node/register main.ts "$@" ;;
  *) exec node --watch -r @swc-node/register main.ts "$@" ;;
esac
SH
# Owned by the user so Tilt can write synced files (node_modules stays root's, read-only).
COPY --chown=1000:1000 . .
# 1000 is the image's `node` user; numeric so Kubernetes can check runAsNonRoot.
USER 1000:1000
EXPOSE 4000
ENTRYPOINT ["devpie-dev"]
CMD ["all"]

FROM deps AS build
COPY . .
RUN npm run build
# Temporal workflow bundle: `npm run build` also prebuilds it (scripts/bundleWorkflows.ts ->
# dist/workflow-bundle.js), and it reaches the runtime image with dist/. workflow-worker runs it
# (`workflowBundle: { codePath }`, workflowSource() in platform/runtime/temporalRoles.ts), so no
# worker bundles at start-up; without it the worker would bundle workflows/, which the runtime
# image does not hold. So its absence fails the build, not the first worker. The traced bundle
# (workflow interceptors in, for OTEL_EXPORTER_OTLP_ENDPOINT) is checked the same way.
RUN test -s dist/workflow-bundle.js && test -s dist/workflow-bundle-traced.js
# Build-time and developer code stays out of the runtime: scripts/bundleWorkflows has done its work
# above, and bench/ and the other scripts are not even in the build context (.dockerignore); the
# roles import neither (deploy/image.unit.test.ts checks it).
RUN rm -rf dist/scripts dist/bench
RUN npm prune --omit=dev
# What the runtime reads besides dist/: the SQL migrations, by their source paths (repoPath() in
# platform/paths.ts finds the root through package.json).
RUN mkdir /out && cp -r --parents package.json dist node_modules \
      platform/postgres/migrations platform/postgres/projection-migrations projectors/*/migrations /out/

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /out/ ./
# The files stay root-owned and read-only for the process; it writes nothing (readOnlyRootFilesystem).
USER 1000:1000
EXPOSE 4000
ENTRYPOINT ["node", "dist/main.js"]
CMD ["all"]
