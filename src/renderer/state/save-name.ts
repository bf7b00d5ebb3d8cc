/** A file name typed in the save dialog: the extension added when missing, and what is wrong with it, if anything. */
export function saveName(typed: string, ext: string): { name: string; problem?: string } {
  const t = typed.trim();
  if (!t) return { name: '' };
  if (/[\\/]/.test(t)) return { name: t, problem: 'A file name cannot contain / or \\; choose the folder above.' };
  if (/^\.+$/.test(t)) return { name: t, problem: 'Type a file name.' };
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f<>:"|?*]/.test(t)) return { name: t, problem: 'A file name cannot contain < > : " | ? * or control characters.' };
  const name = t.toLowerCase().endsWith(ext.toLowerCase()) ? t : `${t}${ext}`;
  if (name.length > 200) return { name, problem: 'The file name is too long (at most 200 characters).' };
  return { name };
}
