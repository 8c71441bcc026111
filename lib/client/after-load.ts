/** Runs `run` when the main thread is next idle (soon, where the browser cannot tell). */
export function whenIdle(run: () => void): void {
  (window.requestIdleCallback ?? setTimeout)(run);
}

/**
 * Runs `run` once the page has loaded and the main thread is idle, for work no one waits
 * for at page start. Returns the function that cancels it (for effect cleanups).
 */
export function afterLoad(run: () => void): () => void {
  let cancelled = false;
  const idle = () => whenIdle(() => cancelled || run());
  if (document.readyState === 'complete') idle();
  else window.addEventListener('load', idle, { once: true });
  return () => {
    cancelled = true;
    window.removeEventListener('load', idle);
  };
}
