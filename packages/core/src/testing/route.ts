/** The route contract between the emulator core and the vendor modules. @internal */
import type { EmulatedVendor } from './types';

/** One request as the vendor handlers see it: body already read as text. */
export interface EmuRequest {
  request: Request;
  url: URL;
  path: string;
  method: string;
  headers: Headers;
  text: string;
  /** Captures of a RegExp route path. */
  params: string[];
}

export interface Route {
  vendor: EmulatedVendor;
  path: string | RegExp;
  methods: readonly string[];
  /** The grant name recorded in the request log. */
  grant?: (r: EmuRequest) => string | undefined;
  handle(r: EmuRequest): Promise<Response> | Response;
}
