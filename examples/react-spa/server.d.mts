import type { VendorEmulator } from '@grantkit/core/testing';

/** The vendors the demo shows: First Dollar (`/`, `/auth`) and Orange Logic (`/orange-logic`, `/ol/auth`). */
export type DemoVendor = 'firstDollar' | 'orangeLogic';

/**
 * One hop of the sequence panel: what crossed from one party to another, never a secret's value
 * (each secret appears as `•••` and is listed in `kept` with where it stays).
 */
export interface Hop {
  id: number;
  vendor: DemoVendor;
  from: 'browser' | 'edge' | 'vendor';
  to: 'browser' | 'edge' | 'vendor';
  label: string;
  status?: number;
  kind?: 'token' | 'refresh' | 'api' | 'note' | 'control';
  kept?: { name: string; where: string }[];
  /** How many times this exchange repeated in a row (session checks). */
  times?: number;
  /** Server time (ms) when the hop was recorded. */
  at: number;
}

/** A running demo: the SPA + edge on `url`, and the emulator (absent with the real First Dollar sandbox). */
export interface Demo {
  url: string;
  emulator: VendorEmulator | undefined;
  /** The vendor's base URL (the emulator's, or First Dollar's sandbox). */
  vendor: string;
  /** The sequence panel's hops so far, of one vendor or of all. */
  hops(vendor?: DemoVendor): Hop[];
  close(): Promise<void>;
}

/**
 * Starts the React demo on 127.0.0.1. `port: 0` picks a free port. `onError` sees every error the
 * edge handlers report.
 *
 * @example
 * const demo = await startDemo({ port: 0 });
 * console.log(demo.url);
 * await demo.close();
 */
export function startDemo(options?: {
  port?: number;
  env?: Record<string, string | undefined>;
  callback?: 'edge' | 'spa';
  onError?: (error: unknown) => void;
}): Promise<Demo>;
