// The edge's route paths and CSRF header have one home, the edge's `paths.ts`; react ships a
// generated copy of it (scripts/pack-sources.mjs), so `@grantkit/react` never imports `@grantkit/edge`.
export { CSRF_HEADER, edgeRoutes, trimBasePath, type EdgeRoutes } from './edge-paths';
