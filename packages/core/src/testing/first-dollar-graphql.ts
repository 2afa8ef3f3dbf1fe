/**
 * First Dollar GraphQL (`/graphql` for the Partner API, `/app/<appId>/graphql` for OAuth Apps).
 * @internal
 */
import type { EmuRequest } from './route';
import type { EmulatorState } from './state';
import { bearerToken, json, mediaType, parseJsonObject } from './util';

const UNAUTHORIZED = { errors: [{ message: 'Unauthorized' }] };
const PING = /^\s*(?:query\s*(?:[_A-Za-z][_0-9A-Za-z]*)?\s*(?:\(\s*\))?\s*)?\{\s*ping\s*\}\s*$/;

export async function graphql(
  s: EmulatorState,
  r: EmuRequest,
  appId: string | undefined,
): Promise<Response> {
  const g = s.validAccess(bearerToken(r.headers), 'firstDollar');
  const allowed =
    g && (appId === undefined ? g.kind === 'fd-partner' : g.kind === 'fd-app' && g.appId === appId);
  if (!allowed)
    return json(401, UNAUTHORIZED, { 'www-authenticate': 'Bearer error="invalid_token"' });
  if (mediaType(r.headers) !== 'application/json') {
    return json(415, { errors: [{ message: 'Content-Type must be application/json' }] });
  }
  const body = parseJsonObject(r.text);
  if (!body.ok) return json(400, { errors: [{ message: body.reason }] });
  const { query, variables } = body.fields;
  if (typeof query !== 'string' || query.trim() === '')
    return json(400, { errors: [{ message: 'Must provide query string.' }] });
  if (
    variables !== undefined &&
    variables !== null &&
    (typeof variables !== 'object' || Array.isArray(variables))
  ) {
    return json(400, { errors: [{ message: 'Variables must be an object.' }] });
  }
  if (PING.test(query)) return json(200, { data: { ping: 'pong' } });
  const vars = (variables ?? {}) as Record<string, unknown>;
  try {
    const data = await s.graphqlResolver?.(query, vars, {
      ...(appId !== undefined && { appId }),
      sub: g.sub,
    });
    if (data !== undefined) return json(200, { data });
  } catch (e) {
    return json(200, {
      data: null,
      errors: [{ message: e instanceof Error ? e.message : String(e) }],
    });
  }
  const field = /\{\s*([_A-Za-z][_0-9A-Za-z]*)/.exec(query)?.[1] ?? '?';
  return json(200, { errors: [{ message: `Cannot query field "${field}" on type "Query".` }] });
}
