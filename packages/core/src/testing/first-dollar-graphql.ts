/**
 * First Dollar GraphQL (`/graphql` for the Partner API, `/app/<appId>/graphql` for OAuth Apps): a
 * small schema slice that answers with the shapes First Dollar documents, executed by a small
 * GraphQL reader (operations, variables, aliases, inline fragments, named fragments,
 * `@include` / `@skip`).
 *
 * ```graphql
 * type Query {
 *   ping: String!
 *   organizations(where: OrganizationsFilterInput, after: String, first: Int): OrganizationsResponse!
 *     @rateLimit(duration: 60, limit: 60)
 *   organization(where: OrganizationFilterInput!): OrganizationResponse!
 *     @rateLimit(duration: 60, limit: 60)
 * }
 * interface Error { code: String! message: String! retryable: Boolean! }
 * type BadRequestError implements Error { code: String! message: String! retryable: Boolean! }
 * type InternalServerError implements Error { code: String! message: String! retryable: Boolean! }
 * union OrganizationsResponse = OrganizationsResults | BadRequestError | InternalServerError
 * union OrganizationResponse = Organization | BadRequestError | InternalServerError
 * type OrganizationsResults { nodes: [Organization!]! pageInfo: PageInfo! }
 * type PageInfo { hasNextPage: Boolean! endCursor: String }
 * type Organization { id: ID! name: String! shortCode: String! }
 * input OrganizationsFilterInput { ids: [ID!] }
 * input OrganizationFilterInput { id: ID! }
 * ```
 *
 * The `Error` interface and its two members, `nodes` / `pageInfo`, `where` / `after` / `first`
 * (default and maximum 100) and the result type names are First Dollar's (their reference and their
 * own public client, fd-mcp-server). The error `code` strings, the 250 organizations, and
 * `org_unavailable` (an id whose lookup answers a retryable `InternalServerError`) are this
 * emulator's. The rate limit is the documented directive, a fixed window per caller (Partner client,
 * or OAuth App user) and per field; `ping` carries none. First Dollar documents no 429: the emulator
 * answers one with `Retry-After` (seconds to the window's end), as a client must be ready for.
 * @internal
 */
import type { EmuRequest } from './route';
import type { EmulatorState, Grant } from './state';
import { bearerToken, json, mediaType, parseJsonObject } from './util';

const UNAUTHORIZED = { errors: [{ message: 'Unauthorized' }] };
/**
 * `{ ping }`, `query { ping }`, `query Name() { ping }`, matched on the query with its whitespace runs
 * made single spaces: no two quantifiers stand side by side, so the match is linear (adjacent `\s*`
 * made `query` + 3,000 spaces take seconds).
 */
const PING = /^(?:query ?(?:[_A-Za-z][_0-9A-Za-z]*)? ?(?:\( ?\))? ?)?\{ ?ping ?\}$/;

/** `@rateLimit(duration: 60, limit: 60)`. */
const RATE_LIMIT = { duration: 60, limit: 60 } as const;
const MAX_QUERY = 32 * 1024;
const MAX_DEPTH = 24;
const MAX_STEPS = 20_000;
const PAGE_MAX = 100;
/** Rate-limit windows kept per emulator (caller × field). */
const MAX_WINDOWS = 10_000;

// ---------------------------------------------------------------- the data
const pad = (n: number) => String(n).padStart(4, '0');
const ORGS = Array.from({ length: 250 }, (_, i) => ({
  __typename: 'Organization',
  id: `org_${pad(i + 1)}`,
  name: `Organization ${i + 1}`,
  shortCode: `ORG${pad(i + 1)}`,
}));
type Obj = Record<string, unknown> & { __typename: string };
const cursorOf = (id: string) => btoa(`cursor:${id}`);
const idOfCursor = (cursor: string): string | undefined => {
  try {
    return /^cursor:(org_\d{4})$/.exec(atob(cursor))?.[1];
  } catch {
    return undefined;
  }
};
const domainError = (typename: string, code: string, message: string, retryable: boolean) => ({
  __typename: typename,
  code,
  message,
  retryable,
});
const badRequest = (code: string, message: string) =>
  domainError('BadRequestError', code, message, false);

// ---------------------------------------------------------------- the schema slice
type FieldDef = {
  type: string;
  args?: Record<string, string>;
  resolve?: (args: Record<string, unknown>) => unknown;
  rateLimited?: boolean;
};
type TypeDef =
  | { kind: 'object'; fields: Record<string, FieldDef>; implements?: string[] }
  | { kind: 'union' | 'interface'; fields: Record<string, FieldDef>; members: string[] }
  | { kind: 'scalar' };

const ERROR_FIELDS: Record<string, FieldDef> = {
  code: { type: 'String!' },
  message: { type: 'String!' },
  retryable: { type: 'Boolean!' },
};

function organizations(args: Record<string, unknown>): unknown {
  const where = args.where as { ids?: unknown } | null | undefined;
  const first = args.first ?? PAGE_MAX;
  if (typeof first !== 'number' || first < 1 || first > PAGE_MAX)
    return badRequest('INVALID_PAGE_SIZE', `first must be between 1 and ${PAGE_MAX}`);
  let list = ORGS;
  if (where?.ids != null) {
    const ids = new Set(where.ids as string[]);
    list = list.filter((o) => ids.has(o.id));
  }
  let start = 0;
  if (args.after != null) {
    const id = idOfCursor(args.after as string);
    const at = id === undefined ? -1 : list.findIndex((o) => o.id === id);
    if (at < 0) return badRequest('INVALID_CURSOR', 'after is not a cursor of this list');
    start = at + 1;
  }
  const nodes = list.slice(start, start + first);
  const last = nodes.at(-1);
  return {
    __typename: 'OrganizationsResults',
    nodes,
    pageInfo: {
      __typename: 'PageInfo',
      hasNextPage: start + first < list.length,
      endCursor: last ? cursorOf(last.id) : null,
    },
  };
}

function organization(args: Record<string, unknown>): unknown {
  const id = (args.where as { id: string }).id;
  if (id === 'org_unavailable')
    return domainError(
      'InternalServerError',
      'INTERNAL_SERVER_ERROR',
      'The organization could not be read, try again',
      true,
    );
  return ORGS.find((o) => o.id === id) ?? badRequest('NOT_FOUND', `No organization with id ${id}`);
}

const SCALARS = ['String', 'Boolean', 'Int', 'ID'];
const TYPES: Record<string, TypeDef> = {
  ...Object.fromEntries(SCALARS.map((name) => [name, { kind: 'scalar' } as const])),
  Query: {
    kind: 'object',
    fields: {
      ping: { type: 'String!', resolve: () => 'pong' },
      organizations: {
        type: 'OrganizationsResponse!',
        args: { where: 'OrganizationsFilterInput', after: 'String', first: 'Int' },
        resolve: organizations,
        rateLimited: true,
      },
      organization: {
        type: 'OrganizationResponse!',
        args: { where: 'OrganizationFilterInput!' },
        resolve: organization,
        rateLimited: true,
      },
    },
  },
  Mutation: { kind: 'object', fields: {} },
  Error: {
    kind: 'interface',
    fields: ERROR_FIELDS,
    members: ['BadRequestError', 'InternalServerError'],
  },
  BadRequestError: { kind: 'object', fields: ERROR_FIELDS, implements: ['Error'] },
  InternalServerError: { kind: 'object', fields: ERROR_FIELDS, implements: ['Error'] },
  OrganizationsResponse: {
    kind: 'union',
    fields: {},
    members: ['OrganizationsResults', 'BadRequestError', 'InternalServerError'],
  },
  OrganizationResponse: {
    kind: 'union',
    fields: {},
    members: ['Organization', 'BadRequestError', 'InternalServerError'],
  },
  OrganizationsResults: {
    kind: 'object',
    fields: { nodes: { type: '[Organization!]!' }, pageInfo: { type: 'PageInfo!' } },
  },
  PageInfo: {
    kind: 'object',
    fields: { hasNextPage: { type: 'Boolean!' }, endCursor: { type: 'String' } },
  },
  Organization: {
    kind: 'object',
    fields: { id: { type: 'ID!' }, name: { type: 'String!' }, shortCode: { type: 'String!' } },
  },
};
/** Input object types: field → type. */
const INPUTS: Record<string, Record<string, string>> = {
  OrganizationsFilterInput: { ids: '[ID!]' },
  OrganizationFilterInput: { id: 'ID!' },
};

// ---------------------------------------------------------------- the reader
class GraphQLError extends Error {}
type Value =
  | { kind: 'var'; name: string }
  | { kind: 'list'; items: Value[] }
  | { kind: 'object'; fields: Record<string, Value> }
  | { kind: 'const'; value: unknown };
type Directive = { name: string; args: Record<string, Value> };
type Selection =
  | {
      kind: 'field';
      alias: string | undefined;
      name: string;
      args: Record<string, Value>;
      directives: Directive[];
      selections: Selection[] | undefined;
    }
  | { kind: 'inline'; on: string | undefined; directives: Directive[]; selections: Selection[] }
  | { kind: 'spread'; name: string; directives: Directive[] };
type Operation = {
  type: string;
  name: string | undefined;
  vars: Map<string, { type: string; default: Value | undefined }>;
  selections: Selection[];
};
type Document = {
  operations: Operation[];
  fragments: Map<string, { on: string; selections: Selection[] }>;
};

const TOKEN =
  /[\s,\uFEFF]+|#[^\n\r]*|(\.\.\.|[!$&()\[\]{}:=@|])|("""[\s\S]*?"""|"(?:[^"\\\n\r]|\\(?:["\\/bfnrt]|u[0-9A-Fa-f]{4}))*")|(-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?)|([_A-Za-z][_0-9A-Za-z]*)/y;

type Tok = { t: 'punct' | 'string' | 'number' | 'name'; v: string };

function tokenize(source: string): Tok[] {
  const toks: Tok[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < source.length) {
    const at = TOKEN.lastIndex;
    const m = TOKEN.exec(source);
    if (!m) throw new GraphQLError(`Syntax Error: Unexpected character at offset ${at}.`);
    if (m[1]) toks.push({ t: 'punct', v: m[1] });
    else if (m[2])
      toks.push({
        t: 'string',
        v: m[2].startsWith('"""') ? m[2].slice(3, -3) : (JSON.parse(m[2]) as string),
      });
    else if (m[3]) toks.push({ t: 'number', v: m[3] });
    else if (m[4]) toks.push({ t: 'name', v: m[4] });
  }
  return toks;
}

function parse(source: string): Document {
  const toks = tokenize(source);
  let i = 0;
  // A string token never stands for punctuation or a keyword: `"}"` is a value, not a brace.
  const peek = (v: string) => (toks[i]?.v === v && toks[i]!.t !== 'string' ? toks[i] : undefined);
  const fail = (what: string): never => {
    throw new GraphQLError(
      `Syntax Error: Expected ${what}, found ${toks[i] ? `"${toks[i]!.v}"` : '<EOF>'}.`,
    );
  };
  const expect = (v: string) => (peek(v) ? toks[i++]! : fail(`"${v}"`));
  const name = () => (toks[i]?.t === 'name' ? toks[i++]!.v : fail('Name'));
  const value = (depth: number, constant: boolean): Value => {
    if (depth > MAX_DEPTH) throw new GraphQLError('Syntax Error: the document nests too deeply.');
    const tok = toks[i] ?? fail('Value');
    if (tok.v === '$' && tok.t === 'punct') {
      if (constant) fail('constant Value');
      i++;
      return { kind: 'var', name: name() };
    }
    if (tok.v === '[' && tok.t === 'punct') {
      i++;
      const items: Value[] = [];
      while (!peek(']')) items.push(value(depth + 1, constant));
      i++;
      return { kind: 'list', items };
    }
    if (tok.v === '{' && tok.t === 'punct') {
      i++;
      const fields: Record<string, Value> = Object.create(null) as Record<string, Value>;
      while (!peek('}')) {
        const key = name();
        expect(':');
        fields[key] = value(depth + 1, constant);
      }
      i++;
      return { kind: 'object', fields };
    }
    i++;
    if (tok.t === 'string') return { kind: 'const', value: tok.v };
    if (tok.t === 'number') return { kind: 'const', value: Number(tok.v) };
    if (tok.t === 'name')
      return {
        kind: 'const',
        value:
          tok.v === 'true' ? true : tok.v === 'false' ? false : tok.v === 'null' ? null : tok.v,
      };
    i--;
    return fail('Value');
  };
  const args = (depth: number): Record<string, Value> => {
    const out: Record<string, Value> = Object.create(null) as Record<string, Value>;
    if (!peek('(')) return out;
    i++;
    do {
      const key = name();
      expect(':');
      out[key] = value(depth, false);
    } while (!peek(')'));
    i++;
    return out;
  };
  const directives = (depth: number): Directive[] => {
    const out: Directive[] = [];
    while (peek('@')) {
      i++;
      out.push({ name: name(), args: args(depth) });
    }
    return out;
  };
  const type = (depth: number): string => {
    if (depth > MAX_DEPTH) throw new GraphQLError('Syntax Error: the document nests too deeply.');
    let t: string;
    if (peek('[')) {
      i++;
      t = `[${type(depth + 1)}]`;
      expect(']');
    } else t = name();
    if (peek('!')) {
      i++;
      t += '!';
    }
    return t;
  };
  const selectionSet = (depth: number): Selection[] => {
    if (depth > MAX_DEPTH) throw new GraphQLError('Syntax Error: the document nests too deeply.');
    expect('{');
    const out: Selection[] = [];
    do {
      if (peek('...')) {
        i++;
        if (peek('on') || peek('{') || peek('@')) {
          const on = peek('on') ? (i++, name()) : undefined;
          out.push({
            kind: 'inline',
            on,
            directives: directives(depth),
            selections: selectionSet(depth + 1),
          });
        } else out.push({ kind: 'spread', name: name(), directives: directives(depth) });
        continue;
      }
      let alias: string | undefined;
      let field = name();
      if (peek(':')) {
        i++;
        alias = field;
        field = name();
      }
      const a = args(depth);
      const d = directives(depth);
      out.push({
        kind: 'field',
        alias,
        name: field,
        args: a,
        directives: d,
        selections: peek('{') ? selectionSet(depth + 1) : undefined,
      });
    } while (!peek('}'));
    i++;
    return out;
  };
  const doc: Document = { operations: [], fragments: new Map() };
  if (toks.length === 0) fail('a definition');
  while (i < toks.length) {
    if (peek('{')) {
      doc.operations.push({
        type: 'query',
        name: undefined,
        vars: new Map(),
        selections: selectionSet(1),
      });
      continue;
    }
    const keyword = name();
    if (keyword === 'fragment') {
      const fragment = name();
      if (fragment === 'on') fail('a fragment name');
      if (name() !== 'on') (i--, fail('"on"'));
      const on = name();
      directives(1);
      doc.fragments.set(fragment, { on, selections: selectionSet(1) });
      continue;
    }
    if (!['query', 'mutation', 'subscription'].includes(keyword)) (i--, fail('a definition'));
    const op: Operation = { type: keyword, name: undefined, vars: new Map(), selections: [] };
    if (toks[i]?.t === 'name') op.name = name();
    if (peek('(')) {
      i++;
      do {
        expect('$');
        const v = name();
        expect(':');
        const t = type(1);
        const dflt = peek('=') ? (i++, value(1, true)) : undefined;
        op.vars.set(v, { type: t, default: dflt });
      } while (!peek(')'));
      i++;
    }
    directives(1);
    op.selections = selectionSet(1);
    doc.operations.push(op);
  }
  return doc;
}

// ---------------------------------------------------------------- execution
/** `o[key]` when `o` has it as its own: `constructor` or `toString` is no type, field or variable. */
const own = <T>(o: Record<string, T> | undefined, key: string): T | undefined =>
  o && Object.hasOwn(o, key) ? o[key] : undefined;
const named = (type: string) => type.replace(/[[\]!]/g, '');

/** Coerces an argument or input field value to `type`, or throws the GraphQL error a server would. */
function coerce(v: unknown, type: string, where: string): unknown {
  if (type.endsWith('!')) {
    if (v === null || v === undefined)
      throw new GraphQLError(`${where} of non-null type "${type}" must not be null.`);
    return coerce(v, type.slice(0, -1), where);
  }
  if (v === null || v === undefined) return null;
  if (type.startsWith('[')) {
    const inner = type.slice(1, -1);
    return (Array.isArray(v) ? v : [v]).map((item) => coerce(item, inner, where));
  }
  const ok =
    type === 'Int'
      ? Number.isInteger(v) && Math.abs(v as number) <= 2 ** 31 - 1
      : type === 'Boolean'
        ? typeof v === 'boolean'
        : type === 'String' || type === 'ID'
          ? typeof v === 'string' || (type === 'ID' && Number.isInteger(v))
          : typeof v === 'object' && !Array.isArray(v);
  if (!ok) throw new GraphQLError(`${where} expected type "${type}", found ${JSON.stringify(v)}.`);
  if (type === 'ID') return String(v);
  const input = own(INPUTS, type);
  if (!input) return v;
  const record = v as Record<string, unknown>;
  for (const key of Object.keys(record))
    if (!Object.hasOwn(input, key))
      throw new GraphQLError(`Field "${key}" is not defined by type "${type}".`);
  return Object.fromEntries(
    Object.entries(input).map(([key, t]) => [key, coerce(record[key], t, `${where}.${key}`)]),
  );
}

type Run = {
  doc: Document;
  vars: Record<string, unknown>;
  op: Operation;
  used: Set<string>;
  limited: Set<string>;
  /** Selections visited: fragments spread twice at each of many levels must not run forever. */
  steps: number;
};

function valueOf(v: Value, run: Run): unknown {
  switch (v.kind) {
    case 'var': {
      const def = run.op.vars.get(v.name);
      if (!def) throw new GraphQLError(`Variable "$${v.name}" is not defined.`);
      if (Object.hasOwn(run.vars, v.name)) return run.vars[v.name];
      return def.default === undefined ? undefined : valueOf(def.default, run);
    }
    case 'list':
      return v.items.map((item) => valueOf(item, run));
    case 'object':
      return Object.fromEntries(Object.entries(v.fields).map(([k, f]) => [k, valueOf(f, run)]));
    default:
      return v.value;
  }
}

function included(directives: Directive[], run: Run): boolean {
  for (const d of directives) {
    if (d.name !== 'include' && d.name !== 'skip') continue;
    const test = coerce(
      d.args.if && valueOf(d.args.if, run),
      'Boolean!',
      `Directive "@${d.name}" argument "if"`,
    );
    if ((d.name === 'include') !== test) return false;
  }
  return true;
}

/** Whether an object of type `runtime` matches a fragment on `on`. */
const applies = (on: string, runtime: string) =>
  on === runtime ||
  ((own(TYPES, on) as { members?: string[] } | undefined)?.members ?? []).includes(runtime);

/**
 * Validates `selections` against the static type `typeName`, and, when `value` is given, reads
 * them from it. Fragments that do not apply at run time are still validated.
 */
function select(
  selections: Selection[],
  typeName: string,
  value: Obj | undefined,
  run: Run,
  out: Record<string, unknown>,
  depth: number,
): void {
  const def = own(TYPES, typeName)!;
  if (def.kind === 'scalar') throw new GraphQLError(`"${typeName}" has no subfields.`);
  for (const s of selections) {
    if (++run.steps > MAX_STEPS) throw new GraphQLError('The query is too complex.');
    if (!included(s.directives, run)) continue;
    if (s.kind === 'spread') {
      const fragment = run.doc.fragments.get(s.name);
      if (!fragment) throw new GraphQLError(`Unknown fragment "${s.name}".`);
      if (run.used.has(s.name))
        throw new GraphQLError(`Cannot spread fragment "${s.name}" within itself.`);
      run.used.add(s.name);
      try {
        fragmentOn(fragment.on, fragment.selections, typeName, value, run, out, depth);
      } finally {
        run.used.delete(s.name);
      }
      continue;
    }
    if (s.kind === 'inline') {
      fragmentOn(s.on ?? typeName, s.selections, typeName, value, run, out, depth);
      continue;
    }
    const key = s.alias ?? s.name;
    if (s.name === '__typename') {
      if (s.selections) throw new GraphQLError('Field "__typename" must not have a selection.');
      if (value) out[key] = value.__typename;
      continue;
    }
    const field = own(def.fields, s.name);
    if (!field) {
      const hint =
        def.kind === 'union'
          ? ` Did you mean to use an inline fragment on "${def.members.join('", "')}"?`
          : '';
      throw new GraphQLError(`Cannot query field "${s.name}" on type "${typeName}".${hint}`);
    }
    const args: Record<string, unknown> = {};
    for (const name of Object.keys(s.args))
      if (!own(field.args, name))
        throw new GraphQLError(`Unknown argument "${name}" on field "${typeName}.${s.name}".`);
    for (const [name, type] of Object.entries(field.args ?? {})) {
      const given = s.args[name] === undefined ? undefined : valueOf(s.args[name]!, run);
      args[name] = coerce(given, type, `Field "${s.name}" argument "${name}"`);
    }
    const target = named(field.type);
    const leaf = own(TYPES, target)!.kind === 'scalar';
    if (leaf && s.selections)
      throw new GraphQLError(
        `Field "${s.name}" must not have a selection since type "${field.type}" has no subfields.`,
      );
    if (!leaf && !s.selections)
      throw new GraphQLError(
        `Field "${s.name}" of type "${field.type}" must have a selection of subfields.`,
      );
    if (field.rateLimited) run.limited.add(s.name);
    if (!value) {
      if (s.selections) select(s.selections, target, undefined, run, {}, depth + 1);
      continue;
    }
    const resolved = field.resolve ? field.resolve(args) : value[s.name];
    out[key] =
      leaf || resolved === null ? resolved : shape(resolved, s.selections!, target, run, depth);
  }
}

function fragmentOn(
  on: string,
  selections: Selection[],
  parent: string,
  value: Obj | undefined,
  run: Run,
  out: Record<string, unknown>,
  depth: number,
): void {
  const def = own(TYPES, on);
  if (!def || def.kind === 'scalar') throw new GraphQLError(`Unknown type "${on}".`);
  const possible = (t: string) => (own(TYPES, t) as { members?: string[] }).members ?? [t];
  if (!possible(on).some((t) => possible(parent).includes(t)))
    throw new GraphQLError(
      `Fragment cannot be spread here as objects of type "${parent}" can never be of type "${on}".`,
    );
  select(
    selections,
    on,
    value && applies(on, value.__typename) ? value : undefined,
    run,
    out,
    depth,
  );
}

function shape(
  value: unknown,
  selections: Selection[],
  type: string,
  run: Run,
  depth: number,
): unknown {
  if (depth > MAX_DEPTH) throw new GraphQLError('The query nests too deeply.');
  if (Array.isArray(value)) return value.map((item) => shape(item, selections, type, run, depth));
  const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  select(selections, type, value as Obj, run, out, depth + 1);
  return out;
}

// ---------------------------------------------------------------- the rate limit
const windows = new WeakMap<EmulatorState, Map<string, { start: number; count: number }>>();

/** Seconds until the caller may call `fields` again, or 0 after counting the call. */
function rateLimit(s: EmulatorState, g: Grant, fields: Set<string>): number {
  let byKey = windows.get(s);
  if (!byKey) windows.set(s, (byKey = new Map()));
  const now = s.now;
  const span = RATE_LIMIT.duration * 1000;
  // A window is open from its start for `span`; a clock set back before its start opens a new one
  // (else it would stay closed until the clock caught up).
  const open = (w: { start: number } | undefined) => !!w && now >= w.start && now < w.start + span;
  if (byKey.size >= MAX_WINDOWS) {
    // Closed windows go first, then the oldest, down to 90%: the sweep runs once per 1,000 callers.
    for (const [k, w] of byKey) if (!open(w)) byKey.delete(k);
    for (const k of byKey.keys()) if (byKey.size > MAX_WINDOWS * 0.9) byKey.delete(k);
  }
  const caller = `${g.kind}\0${g.clientId}\0${g.appId ?? ''}\0${g.sub}`;
  const keys = [...fields].map((f) => `${caller}\0${f}`);
  let wait = 0;
  for (const key of keys) {
    const w = byKey.get(key);
    if (open(w) && w!.count >= RATE_LIMIT.limit)
      wait = Math.max(wait, Math.ceil((w!.start + span - now) / 1000));
  }
  if (wait > 0) return wait;
  for (const key of keys) {
    const w = byKey.get(key);
    if (open(w)) w!.count++;
    else byKey.set(key, { start: now, count: 1 });
  }
  return 0;
}

// ---------------------------------------------------------------- the route
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
  const { query, variables, operationName } = body.fields;
  if (typeof query !== 'string' || query.trim() === '')
    return json(400, { errors: [{ message: 'Must provide query string.' }] });
  if (
    variables !== undefined &&
    variables !== null &&
    (typeof variables !== 'object' || Array.isArray(variables))
  ) {
    return json(400, { errors: [{ message: 'Variables must be an object.' }] });
  }
  if (operationName !== undefined && operationName !== null && typeof operationName !== 'string')
    return json(400, { errors: [{ message: 'operationName must be a string.' }] });
  // First: every reading of the query below is bounded by its length.
  if (query.length > MAX_QUERY)
    return json(413, {
      errors: [{ message: `The query is longer than ${MAX_QUERY} characters.` }],
    });
  if (PING.test(query.replace(/\s+/g, ' ').trim())) return json(200, { data: { ping: 'pong' } });
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
  let doc: Document;
  try {
    doc = parse(query);
  } catch (e) {
    if (e instanceof GraphQLError) return json(400, { errors: [{ message: e.message }] });
    throw e;
  }
  const ops = doc.operations.filter((o) => operationName == null || o.name === operationName);
  if (ops.length !== 1) {
    const message =
      ops.length === 0
        ? `Unknown operation named "${String(operationName)}".`
        : 'Must provide operation name if query contains multiple operations.';
    return json(400, { errors: [{ message }] });
  }
  const op = ops[0]!;
  const root = op.type === 'query' ? 'Query' : op.type === 'mutation' ? 'Mutation' : undefined;
  if (!root) return json(400, { errors: [{ message: `The schema has no ${op.type} type.` }] });
  const run: Run = { doc, vars, op, used: new Set(), limited: new Set(), steps: 0 };
  try {
    for (const [name, def] of op.vars)
      if (def.type.endsWith('!') && own(vars, name) == null && def.default === undefined)
        throw new GraphQLError(
          `Variable "$${name}" of required type "${def.type}" was not provided.`,
        );
    // Validate the whole document first (nothing runs when any part is wrong), then execute.
    select(op.selections, root, undefined, run, {}, 1);
    const wait = rateLimit(s, g, run.limited);
    if (wait > 0) {
      return json(
        429,
        { errors: [{ message: `Too many requests, please try again in ${wait} seconds.` }] },
        { 'retry-after': String(wait) },
      );
    }
    const data: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
    select(op.selections, root, { __typename: root }, run, data, 1);
    return json(200, { data });
  } catch (e) {
    if (e instanceof GraphQLError) return json(200, { errors: [{ message: e.message }] });
    throw e;
  }
}
