// The edge runs on a server's fetch classes (Node, workerd, Deno), which keep `Cookie` and
// `Set-Cookie`. happy-dom's are a browser's: its Request drops `Cookie` and its Response drops
// `Set-Cookie` given at construction. Imported first by the fixture, so the edge and the emulator
// see what they see in production. (undici is the fetch implementation inside Node.)
import { Headers, Request, Response } from 'undici';

Object.assign(globalThis, { Headers, Request, Response });
