import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import type { MediaFramePayload } from '../shared/contract';
import { readProject } from './project-store';
import { projectPath } from './project-paths';
import { UserError } from '../engine/util/errors';
import { writeFileAtomic } from '../engine/util/atomic-file';

/**
 * media.frame: one frame of a project's video as a JPEG in `cache/frames/`, for the
 * reference image beside the 3D preview. Cached by (media, frame, size), so scrubbing
 * back over frames already seen costs a file check; concurrent asks for the same frame
 * share one ffmpeg run.
 */
const inFlight = new Map<string, Promise<void>>();

export const DEFAULT_FRAME_SIZE = 512;

export async function mediaFrame(projectDir: string, mediaId: string, frame: number, maxSize = DEFAULT_FRAME_SIZE): Promise<MediaFramePayload> {
  const abs = path.resolve(projectDir);
  const project = await readProject(abs);
  const media = project.media.find((m) => m.id === mediaId);
  if (!media) throw new UserError('media-not-found', `The project has no media "${mediaId}".`, { hint: 'Import the reference video again.' });
  if (!media.hasVideo) throw new UserError('media-no-video', `${media.name} has no video, so it has no frames.`, { hint: 'Choose the reference video.' });
  const fps = media.fps;
  if (!fps || !(fps > 0)) throw new UserError('media-no-fps', `The frame rate of ${media.name} is unknown.`, { hint: 'Import the video again so its frame rate is read.' });
  const frameCount = Math.max(1, Math.round(media.durationS * fps));
  if (frame >= frameCount) throw new UserError('frame-out-of-range', `${media.name} has ${frameCount} frames; frame ${frame} does not exist.`, { hint: `Ask for a frame from 0 to ${frameCount - 1}.` });
  const source = await projectPath(abs, 'media', media.path);
  // The id comes from project.json: only its safe characters make the cache name.
  const file = path.join(abs, 'cache', 'frames', `${mediaId.replace(/[^\w-]/g, '_')}-${maxSize}-${frame}.jpg`);
  if (!existsSync(file)) {
    let job = inFlight.get(file);
    if (!job) {
      job = (async () => {
        const { extractFrameJpeg } = await import('../engine/media/extract-frame');
        // The last frames of a clip may be past the last decodable one (duration is rounded):
        // fall back to earlier frames rather than failing at the very end.
        let bytes: Uint8Array | undefined;
        for (let f = frame; f >= Math.max(0, frame - 3) && !bytes; f--) {
          try {
            bytes = await extractFrameJpeg(source, f, fps, { maxSize });
          } catch (err) {
            if (!(err instanceof UserError && err.code === 'frame-out-of-range') || f === Math.max(0, frame - 3)) throw err;
          }
        }
        await fs.mkdir(path.dirname(file), { recursive: true });
        await writeFileAtomic(file, bytes!);
      })().finally(() => inFlight.delete(file));
      inFlight.set(file, job);
    }
    await job;
  }
  return { file, frame };
}
