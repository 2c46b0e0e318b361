# Self-hosting on Node: the app as `npm start` runs it, data in an embedded libSQL file on a volume.
#   docker build -t study-query-llm .
#   docker run -d -p 8787:8787 -v study-data:/app/data --env-file .env study-query-llm
# (test/dockerfile.test.ts runs these steps in a plain shell, since no Docker engine runs in CI.)

# Build: the server compiled to plain JavaScript (dist/server/), with every dependency available.
FROM node:20-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
COPY views ./views
COPY scripts ./scripts
RUN node scripts/build-server.mjs

# Run: production dependencies and the compiled server only — no TypeScript, no build tools.
FROM node:20-slim
WORKDIR /app
# SHUTDOWN_GRACE_MS leaves the cancelled calls time to be captured within `docker stop`'s 10 s.
# MALLOC_TRIM_THRESHOLD_ as `npm start` sets it: glibc hands freed memory back to the system past
# 128 KiB instead of keeping up to 64 MiB per thread (V8's background compiles free ~10 MiB at a time).
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8787 \
    DATABASE_URL=file:/app/data/study.db \
    SHUTDOWN_GRACE_MS=8000 \
    MALLOC_TRIM_THRESHOLD_=131072

# Dependencies first, so code changes reuse this layer.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

COPY --from=build /app/dist/server ./dist/server
COPY drizzle ./drizzle
COPY public ./public

# The image's unprivileged `node` user owns only the data directory.
RUN mkdir -p /app/data && chown node:node /app/data
USER node
VOLUME /app/data
EXPOSE 8787

HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8787) + '/api/v1/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

# node itself is the container's command (no npm or shell in between), so `docker stop`'s SIGTERM
# reaches it and it shuts down gracefully: calls in flight finish and are captured, running
# studies are interrupted. `npm run import:v1` / `db:migrate` run as `node dist/server/<script>.js`.
CMD ["node", "dist/server/node.js"]
