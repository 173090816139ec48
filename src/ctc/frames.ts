/**
 * How many CTC frames a line gets: the frames over its ink plus one, so the last glyph's frame is in.
 * Training batches, prediction and the synthetic line generator all count frames this way.
 */

/**
 * Frames of a line whose ink ends at column `inkWidth`, for a model with `downsample` pixels per
 * frame and `T` frames in all.
 */
export function lineFrames(inkWidth: number, downsample: number, T: number): number {
  return Math.max(0, Math.min(T, Math.ceil(inkWidth / downsample) + 1));
}
