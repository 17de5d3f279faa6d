/**
 * The contract module builds zod schemas when it loads (the renderer only uses its names and types).
 * zod probes `new Function` to decide on its JIT, which the renderer's CSP (no 'unsafe-eval') reports as a
 * violation even though the probe's error is caught. Jitless mode skips the probe. Imported first by main.ts.
 */
import { config } from 'zod';

config({ jitless: true });
