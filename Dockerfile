# The gateway image for docker-compose users. Node 24 LTS, as pinned in package.json.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npx tsc -p tsconfig.json && npm prune --omit=dev

FROM node:24-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production CROSSGATE_DATA_DIR=/var/lib/crossgate HOST=0.0.0.0 PORT=8080
COPY --from=build /app /app
RUN mkdir -p /var/lib/crossgate && chown node:node /var/lib/crossgate
USER node
EXPOSE 8080
# node's options as in `npm start` (package.json; test/unit/support/start-command.test.ts holds them equal).
CMD ["node", "--min-semi-space-size=16", "--max-semi-space-size=16", "dist/src/main.js"]
