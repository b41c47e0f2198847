# syntax=docker/dockerfile:1
# alma-restore-operator: one image, one CLI (`alma-restore`). The controller Deployment runs
# `alma-restore controller`; the step Jobs run `alma-restore fetch|prepare|import|verify`.
#
#   docker build -t alma-restore-operator:dev .
#   docker run --rm alma-restore-operator:dev --help
#
# Stage 1 compiles TypeScript with the dev dependencies; stage 2 installs the production
# dependencies only; the runtime stage is distroless Node 20: no shell, no package manager,
# non-root (uid 65532). node-oracledb runs in thin mode: no Oracle client libraries needed.

ARG NODE_BUILD_IMAGE=node:20-bookworm-slim
ARG NODE_RUNTIME_IMAGE=gcr.io/distroless/nodejs20-debian12:nonroot

FROM ${NODE_BUILD_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

FROM ${NODE_BUILD_IMAGE} AS prod-deps
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund \
    && npm cache clean --force

FROM ${NODE_RUNTIME_IMAGE}
LABEL org.opencontainers.image.title="alma-restore-operator" \
      org.opencontainers.image.description="Restores an Alma Local Backup (Oracle Data Pump over SFTP) into Oracle 19c, on Kubernetes" \
      org.opencontainers.image.licenses="Apache-2.0"
WORKDIR /app
ENV NODE_ENV=production
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY package.json ./
COPY crds ./crds
USER 65532:65532
EXPOSE 8080
ENTRYPOINT ["/nodejs/bin/node", "/app/dist/cli.js"]
CMD ["--help"]
