# One image, every role: the command picks it (node dist/main.js <role>).
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/package.json ./
# Migrations are read from the source tree layout.
COPY --from=build /app/platform/postgres/migrations ./platform/postgres/migrations
COPY --from=build /app/projectors/identity/migrations ./projectors/identity/migrations
USER node
EXPOSE 4000
ENTRYPOINT ["node", "dist/main.js"]
CMD ["all"]
