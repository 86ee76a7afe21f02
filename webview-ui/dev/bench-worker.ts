/** Builds a large init off the page's thread and heap, as the host would, and posts it. */
import { buildInit } from './synthetic';

self.onmessage = (e: MessageEvent<{ n: number }>) => {
  const t0 = performance.now();
  const init = buildInit(e.data.n);
  const buildMs = performance.now() - t0;
  (self as unknown as Worker).postMessage({ init, buildMs });
};
