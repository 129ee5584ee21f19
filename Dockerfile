# One image for every Cairn service; CAIRN_SERVICE picks which main.ts runs.
FROM node:20.17.0-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --omit=optional || npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY lib ./lib
COPY services ./services
COPY sql ./sql
COPY scripts ./scripts
ENV NODE_ENV=production
CMD ["sh", "-c", "exec node_modules/.bin/tsx services/${CAIRN_SERVICE}/main.ts"]
