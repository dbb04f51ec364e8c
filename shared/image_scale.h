/* image_scale.h: resizing 8-bit grey images (area averaging down, bilinear up). */
#ifndef SIRIUS_IMAGE_SCALE_H
#define SIRIUS_IMAGE_SCALE_H

#include "bitmap.h"

/*
 * A new greymap of width x height made from src: each axis is shrunk by
 * averaging the source area a pixel covers, or enlarged by bilinear
 * interpolation (pixel centres aligned). Integer arithmetic, deterministic;
 * the mean brightness is kept within rounding. NULL when the size is not
 * accepted by bitmap_size_ok or memory ran out.
 */
struct greymap *greymap_scale(const struct greymap *src, int width, int height);

/*
 * src scaled to width pixels wide, keeping its aspect ratio (the height rounds
 * to at least one row). When that height would exceed max_height (if
 * max_height > 0), the image is cut at max_height rows: the top part is kept
 * at the same scale, nothing is squashed. NULL on a bad size or out of memory.
 */
struct greymap *greymap_fit_width(const struct greymap *src, int width, int max_height);

#endif
