/* dither.h: grey images to the printer's one-bit bitmaps by error diffusion. */
#ifndef SIRIUS_DITHER_H
#define SIRIUS_DITHER_H

#include "bitmap.h"

/*
 * A one-bit copy of gm made with serpentine Floyd-Steinberg error diffusion in
 * integer arithmetic (deterministic). A pixel is black when its grey value plus
 * the diffused error is below 128, so pure black (0) and pure white (255) stay
 * exact: an image of only those two values gives exactly the result of
 * bitmap_from_greymap_threshold. NULL when out of memory.
 */
struct bitmap *dither_floyd_steinberg(const struct greymap *gm);

#endif
