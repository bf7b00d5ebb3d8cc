/**
 * Edit-to-preview latency marks (read by bench/timeline.bench.ts through the
 * Performance API): 'facial:edit' when an edit is committed, 'facial:preview'
 * when the 3D preview has drawn a frame that includes it.
 */
let pendingEdit = false;

export function markEdit(): void {
  pendingEdit = true;
  performance.mark('facial:edit');
}

export function markPreviewDrawn(): void {
  if (!pendingEdit) return;
  pendingEdit = false;
  performance.mark('facial:preview');
}
