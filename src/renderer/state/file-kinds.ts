/** What kind of file a name is, for icons and for which import takes it. */
export type FileKind = 'folder' | 'video' | 'audio' | 'file';

export const VIDEO_EXT = ['.mp4', '.mov', '.mkv', '.webm', '.avi', '.m4v'];
export const AUDIO_EXT = ['.wav', '.mp3', '.m4a', '.aac', '.flac', '.ogg', '.opus'];

export function extensionOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(dot).toLowerCase() : '';
}

export function fileKind(name: string, isDir = false): FileKind {
  if (isDir) return 'folder';
  const ext = extensionOf(name);
  if (VIDEO_EXT.includes(ext)) return 'video';
  if (AUDIO_EXT.includes(ext)) return 'audio';
  return 'file';
}
