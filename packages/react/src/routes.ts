// The edge's route paths and CSRF header have one home, the edge's `paths.ts`: it has no imports,
// and the React build bundles it, so `@grantkit/react` still never imports `@grantkit/edge`.
export { CSRF_HEADER, edgeRoutes, trimBasePath, type EdgeRoutes } from '../../edge/src/paths';
