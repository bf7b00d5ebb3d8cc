/** Path helpers for the UI (no Node `path` in the renderer); Windows and POSIX separators. */
export function separatorOf(p: string): string {
  return p.includes('\\') && !p.includes('/') ? '\\' : '/';
}

export function joinPath(parent: string, name: string): string {
  const sep = separatorOf(parent);
  return parent.endsWith(sep) ? `${parent}${name}` : `${parent}${sep}${name}`;
}

export function baseName(p: string): string {
  const parts = p.split(/[\\/]+/).filter(Boolean);
  return parts[parts.length - 1] ?? p;
}

export function parentOf(p: string): string {
  const sep = separatorOf(p);
  const trimmed = p.replace(/[\\/]+$/, '');
  const i = trimmed.lastIndexOf(sep);
  return i <= 0 ? sep : trimmed.slice(0, i);
}

/** A folder name from a project name: "My Talk #2" → "My Talk 2". */
export function folderNameFor(projectName: string): string {
  const printable = [...projectName].map((c) => (c.charCodeAt(0) < 32 ? ' ' : c)).join('');
  const clean = printable.replace(/[<>:"/\\|?*#%]+/g, ' ').replace(/\s+/g, ' ').trim().replace(/^\.+/, '');
  return clean.slice(0, 80) || 'Untitled project';
}
