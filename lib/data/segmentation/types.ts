/**
 * Shared types of the segmentation data layer: an 8-bit RGB image and its label map (both at the
 * same size, row-major), the normalized sample a trainer consumes, and the ignore index.
 *
 * @module
 */

/** Label value that metrics and the loss skip (mmseg's `ignore_index`). */
export const IGNORE_INDEX = 255;

/** An 8-bit image, HWC row-major. */
export interface SegImage {
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
  /** Channels per pixel (3 for RGB). */
  channels: number;
  /** `height * width * channels` bytes. */
  data: Uint8Array;
}

/** A label map: one class index per pixel (or {@link IGNORE_INDEX}), row-major. */
export interface LabelMap {
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
  /** `height * width` class indices. */
  data: Uint8Array;
}

/** An image and its label map, before normalization. */
export interface SegPair {
  /** The image. */
  image: SegImage;
  /** The label map, same width and height as `image`. */
  label: LabelMap;
}

/**
 * One sample as the trainer consumes it: a normalized HWC float image and its HW label map, at
 * the same `height`×`width` (stacking samples gives NHWC images and NHW labels).
 */
export interface SegSample {
  /** Height in pixels. */
  height: number;
  /** Width in pixels. */
  width: number;
  /** `height * width * channels` normalized values, HWC. */
  image: Float32Array;
  /** `height * width` class indices or {@link IGNORE_INDEX}. */
  label: Uint8Array;
}

/** Throws a plain error (a bug: the caller passed mismatched sizes) unless `a` and `b` agree. */
export function assertSameSize(image: SegImage, label: LabelMap, where: string): void {
  if (image.width !== label.width || image.height !== label.height) {
    throw new Error(
      `${where}: image ${image.width}x${image.height} and label ${label.width}x${label.height} ` +
        "differ in size",
    );
  }
}
