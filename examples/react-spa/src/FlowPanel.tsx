import { useQuery, useQueryClient } from '@tanstack/react-query';
import { VENDORS, type Vendor } from './vendors';

/** One hop, as `GET /demo/flow` serves it (built by `flow.mjs`; no secret value in it). */
interface Hop {
  id: number;
  from: Party;
  to: Party;
  label: string;
  status?: number;
  kind?: 'token' | 'refresh' | 'api' | 'note' | 'control';
  kept?: { name: string; where: string }[];
  times?: number;
}
type Party = 'browser' | 'edge' | 'vendor';

const COLUMN: Record<Party, number> = { browser: 1, edge: 2, vendor: 3 };

/**
 * The sequence beside the app: every hop between the browser, the edge (this demo's server) and
 * the vendor, labelled with what crossed it, as the server observed it. It grows with each step.
 */
export function FlowPanel({ vendor }: { vendor: Vendor }) {
  const queryClient = useQueryClient();
  const { data } = useQuery({
    queryKey: ['demo', 'flow', vendor],
    queryFn: async () => {
      const response = await fetch(`/demo/flow?vendor=${vendor}`);
      if (!response.ok) throw new Error(`GET /demo/flow: ${response.status}`);
      return (await response.json()) as {
        hops: Hop[];
        vendors: Record<string, { emulated: boolean }>;
      };
    },
    refetchInterval: 700,
  });
  const clear = async () => {
    await fetch('/demo/flow', { method: 'DELETE', headers: { 'x-grantkit-csrf': '1' } });
    await queryClient.invalidateQueries({ queryKey: ['demo', 'flow'] });
  };
  const hops = data?.hops ?? [];
  const emulated = data?.vendors[vendor]?.emulated;
  return (
    <aside id="flow" aria-labelledby="flow-title">
      <h2 id="flow-title">What just happened</h2>
      <p className="note">
        Each arrow is a real request the demo server saw (the edge's answers, its telemetry and the
        {emulated ? ' emulator' : ' vendor'}'s request log). Secrets are shown as <code>•••</code>{' '}
        with where they stay: only the HttpOnly session cookie ever reaches the browser.
      </p>
      <div className="lanes" aria-hidden="true">
        <span>Browser (this page)</span>
        <span>Edge (BFF, this server)</span>
        <span>
          {VENDORS[vendor].name}
          {emulated && ' (emulated)'}
        </span>
      </div>
      <ol className="hops" data-count={hops.length}>
        {hops.map((hop, i) => (
          <HopRow key={hop.id} hop={hop} n={i + 1} />
        ))}
      </ol>
      {hops.length === 0 && <p className="note">Nothing yet: log in to start the sequence.</p>}
      <button id="flow-clear" onClick={() => void clear()}>
        Clear the sequence
      </button>
    </aside>
  );
}

function HopRow({ hop, n }: { hop: Hop; n: number }) {
  const note = hop.from === hop.to || hop.kind === 'control';
  const a = COLUMN[hop.from];
  const b = COLUMN[hop.to];
  const left = Math.min(a, b);
  const right = Math.max(a, b) + 1;
  const failed = hop.status !== undefined && hop.status >= 400;
  return (
    <li
      className={`hop ${note ? 'note-hop' : a < b ? 'rightward' : 'leftward'}${failed ? ' failed' : ''}`}
      data-kind={hop.kind ?? 'http'}
      data-from={hop.from}
      data-to={hop.to}
      style={{ gridColumn: note ? '1 / 4' : `${left} / ${right}` }}
    >
      <span className="label">
        <span className="n">{n}</span>
        {hop.kind === 'refresh' && <strong className="tag">refresh</strong>}
        {hop.label}
        {hop.times && hop.times > 1 ? <span className="times"> ×{hop.times}</span> : null}
      </span>
      {hop.kept?.map((k) => (
        <small key={k.name} className="kept">
          {k.name} <code>•••</code>: {k.where}
        </small>
      ))}
    </li>
  );
}
