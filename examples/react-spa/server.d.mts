import type { VendorEmulator } from '@grantkit/core/testing';

/** A running demo: the SPA + edge on `url`, and the emulator (absent with the real First Dollar sandbox). */
export interface Demo {
  url: string;
  emulator: VendorEmulator | undefined;
  /** The vendor's base URL (the emulator's, or First Dollar's sandbox). */
  vendor: string;
  close(): Promise<void>;
}

/**
 * Starts the React demo on 127.0.0.1. `port: 0` picks a free port.
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
}): Promise<Demo>;
