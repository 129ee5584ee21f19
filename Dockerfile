# One image for every Cairn service; CAIRN_SERVICE picks which one runs (api, ingest, aggregator,
# scheduler, sender, engagement).
# Build stage: all dependencies, TypeScript compiled to dist/. Run stage: production dependencies and dist/ only,
# started with plain node (no TypeScript tooling at run time).
FROM node:24.21.0-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: the image already is Node 24, so the `node` devDependency's binary is not needed here.
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY lib ./lib
COPY services ./services
COPY sql ./sql
COPY scripts ./scripts
RUN bash scripts/build.sh /app/dist

FROM node:24.21.0-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --omit=dev --ignore-scripts && npm cache clean --force
COPY --from=build /app/dist ./dist
USER node
CMD ["sh", "-c", "exec node dist/services/${CAIRN_SERVICE}/main.js"]
