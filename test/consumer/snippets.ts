/** The ```ts and ```tsx blocks of a README, with the line each starts on. */
export function extractSnippets(
  markdown: string,
): { lang: 'ts' | 'tsx'; line: number; code: string }[] {
  const snippets: { lang: 'ts' | 'tsx'; line: number; code: string }[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(ts|tsx|typescript)\s*$/.exec(lines[i]!);
    if (!open) continue;
    const start = i + 1;
    while (++i < lines.length && !/^```\s*$/.test(lines[i]!));
    const code = lines.slice(start, i).join('\n');
    // Each snippet is a module of its own (its imports and top-level await stay local).
    snippets.push({
      lang: open[1] === 'tsx' ? 'tsx' : 'ts',
      line: start,
      code: /^\s*(import|export)\s/m.test(code) ? `${code}\n` : `${code}\nexport {};\n`,
    });
  }
  return snippets;
}

/**
 * Written as snippets/prelude.d.ts beside the snippets (a global script: every snippet module sees
 * these names and may shadow them). Kept here, not as a .d.ts of the repository, so the workspace's
 * own type-check never sees these globals.
 */
export const PRELUDE = `// The names README fragments use without defining them: each snippet continues an earlier one on
// the same page (the client built in the quick start, the app's root element and component) or uses
// the app's own logger. A global script, so every snippet module sees these and may shadow them.
declare const client: import('@grantkit/core').TokenClient;
declare const log: Pick<Console, 'info' | 'warn' | 'error'>;
declare const root: HTMLElement;
declare function App(): import('react').JSX.Element;
/** The React quick start imports it from 'react-dom/client'; the prefetch fragment continues that file. */
declare const createRoot: typeof import('react-dom/client').createRoot;
/** The app's credentials, read from its configuration (the snippets show where they go, not where they come from). */
declare const appId: string;
declare const clientId: string;
declare const clientSecret: string;
/** What the OpenTelemetry setup snippets continue from: the handler's own options, and a Worker's types. */
declare const adapter: import('@grantkit/core').AuthorizationCodeAdapter;
declare const secret: string;
declare const proxy: Record<string, string>;
interface Env { SESSION_SECRET: string; OTLP_URL: string; OTLP_TOKEN: string; [name: string]: string | undefined }
interface ExecutionContext { waitUntil(promise: Promise<unknown>): void }
/**
 * OpenTelemetry exporters and the Node SDK, which the setup snippets show but this project does not
 * install (their APIs are OpenTelemetry's, not grantkit's): typed loosely, so what is checked is the
 * grantkit side of each snippet.
 */
declare module '@opentelemetry/sdk-node' { export const NodeSDK: any; }
declare module '@opentelemetry/exporter-trace-otlp-http' { export const OTLPTraceExporter: any; }
declare module '@opentelemetry/exporter-metrics-otlp-http' { export const OTLPMetricExporter: any; }
/**
 * The part of Deno's global the snippets use (this project has no Deno types). \`openKv\` returns a
 * \`Deno.Kv\`, which grantkit takes structurally as \`DenoKvLike\`.
 */
declare const Deno: {
  openKv(path?: string): Promise<import('@grantkit/core/deno-kv').DenoKvLike>;
  env: { get(name: string): string | undefined };
  serve(handler: (request: Request) => Response | Promise<Response>): unknown;
  serve(options: { port?: number; hostname?: string }, handler: (request: Request) => Response | Promise<Response>): unknown;
};
`;
