/** Resolves once the browser has loaded (or failed to load) `url`, so swapping an <img> to it does not flash. */
export function preloadImage(url: string): Promise<void> {
  return new Promise((resolve) => {
    const img = new Image();
    img.onload = () => resolve();
    img.onerror = () => resolve(); // the <img> reports the failure itself
    img.src = url;
  });
}
