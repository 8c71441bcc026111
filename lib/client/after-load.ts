/** Runs `run` when the main thread is next idle (soon, where the browser cannot tell). */
export function whenIdle(run: () => void): void {
  (window.requestIdleCallback ?? setTimeout)(run);
}

/**
 * Runs `run` once the page has loaded, `delayMs` more have passed and the main thread is
 * idle, for work no one waits for at page start. Returns the function that cancels it (for
 * effect cleanups).
 */
export function afterLoad(run: () => void, delayMs = 0): () => void {
  let cancelled = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const loaded = () => {
    timer = setTimeout(() => whenIdle(() => cancelled || run()), delayMs);
  };
  if (document.readyState === 'complete') loaded();
  else window.addEventListener('load', loaded, { once: true });
  return () => {
    cancelled = true;
    clearTimeout(timer);
    window.removeEventListener('load', loaded);
  };
}
