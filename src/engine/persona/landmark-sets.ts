/**
 * Named index sets of the 478 tracked landmarks (MediaPipe face mesh numbering, as
 * returned by @vladmandic/human: 0-467 mesh, 468-472 the iris on the image's right
 * (the person's left eye), 473-477 the iris on the image's left (the person's right eye)).
 * "Image left/right" is as seen in a frontal frame.
 */

/** Outline of the face, closed loop, clockwise in the image starting at the forehead. */
export const FACE_OVAL = [10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378, 400, 377, 152, 148, 176, 149, 150, 136, 172, 58, 132, 93, 234, 127, 162, 21, 54, 103, 67, 109];

/** Eye on the image's left (the person's right eye). */
export const EYE_IMAGE_LEFT = {
  outer: 33,
  inner: 133,
  upper: [246, 161, 160, 159, 158, 157, 173],
  lower: [7, 163, 144, 145, 153, 154, 155],
  /** Pairs (upper, lower) facing each other across the opening, for the aperture. */
  lidPairs: [[160, 144], [159, 145], [158, 153]] as [number, number][],
  iris: [473, 474, 475, 476, 477],
  irisCentre: 473,
};

/** Eye on the image's right (the person's left eye). */
export const EYE_IMAGE_RIGHT = {
  outer: 263,
  inner: 362,
  upper: [466, 388, 387, 386, 385, 384, 398],
  lower: [249, 390, 373, 374, 380, 381, 382],
  lidPairs: [[385, 380], [386, 374], [387, 373]] as [number, number][],
  iris: [468, 469, 470, 471, 472],
  irisCentre: 468,
};

const EYE_RINGS_1 = [247, 30, 29, 27, 28, 56, 190, 130, 25, 110, 24, 23, 22, 26, 112, 243, 467, 260, 259, 257, 258, 286, 414, 359, 255, 339, 254, 253, 252, 256, 341, 463];

export const LIPS = [
  61, 185, 40, 39, 37, 0, 267, 269, 270, 409, 291, 146, 91, 181, 84, 17, 314, 405, 321, 375,
  78, 191, 80, 81, 82, 13, 312, 311, 310, 415, 308, 95, 88, 178, 87, 14, 317, 402, 318, 324,
  76, 62, 184, 183, 42, 41, 38, 72, 12, 11, 302, 268, 271, 272, 407, 408, 306, 292, 77, 96, 89, 90, 179, 180, 86, 85, 15, 16, 316, 315, 403, 404, 319, 320, 325, 307,
];

export const BROWS = [70, 63, 105, 66, 107, 55, 65, 52, 53, 46, 300, 293, 334, 296, 336, 285, 295, 282, 283, 276];

/** Lower face outline and chin: they move with the jaw. */
export const JAW = [361, 288, 397, 365, 379, 378, 400, 377, 152, 148, 176, 149, 150, 136, 172, 58, 132, 175, 199, 200, 18, 83, 313, 201, 421, 208, 428, 32, 262, 171, 396, 140, 369, 170, 395, 169, 394, 135, 364, 138, 367, 211, 431, 210, 430, 214, 434, 212, 432, 202, 422, 204, 424, 194, 418, 106, 335, 182, 406, 43, 273, 57, 287, 186, 410];

/** Points that barely move with expression: forehead, nose, upper cheeks, eye corners. The seed of the stable set. */
export const STABLE_SEED = [
  10, 151, 9, 8, 168, 6, 197, 195, 5, 4, 1, 19, 94, 2, 98, 327, 109, 338, 67, 297, 103, 332, 54, 284,
  33, 133, 362, 263, 130, 359, 243, 463, 226, 446, 35, 265, 124, 353, 143, 372, 116, 345, 117, 346, 118, 347,
  119, 348, 120, 349, 100, 329, 47, 277, 126, 355, 209, 429, 129, 358, 64, 294, 48, 278, 115, 344, 220, 440,
  45, 275, 51, 281, 3, 248, 236, 456, 134, 363, 131, 360, 102, 331, 49, 279, 198, 420,
];

/** Fast-moving points: lips, eyelids and irises. Smoothed least. */
export const FAST_POINTS: number[] = Array.from(new Set([
  ...LIPS,
  ...EYE_IMAGE_LEFT.upper, ...EYE_IMAGE_LEFT.lower, ...EYE_IMAGE_LEFT.iris,
  ...EYE_IMAGE_RIGHT.upper, ...EYE_IMAGE_RIGHT.lower, ...EYE_IMAGE_RIGHT.iris,
  ...EYE_RINGS_1,
]));

/** Moderately mobile points: brows and jaw. */
export const MEDIUM_POINTS: number[] = Array.from(new Set([...BROWS, ...JAW])).filter((i) => !FAST_POINTS.includes(i));

export const FOREHEAD_TOP = 10;
export const CHIN_BOTTOM = 152;
