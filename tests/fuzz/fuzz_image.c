/* fuzz_image.c: libFuzzer harness of uploaded image decoding (PNG, JPEG, GIF, WebP) and of the PNG reader. */
#include "bitmap_png.h"
#include "fuzz.h"
#include "image_decode.h"

/* Pixels an image may declare here: enough for every format's paths, small enough to stay fast. */
#define FUZZ_IMAGE_MAX_PIXELS ((size_t)1024 * 1024)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sirius_error err = { "" };
	struct greymap *gm = NULL;
	struct bitmap *bm;
	enum image_decode_status status;

	status = image_decode(data, size, FUZZ_IMAGE_MAX_PIXELS, &gm, &err);
	if (status == IMAGE_OK) {
		FUZZ_CHECK(gm != NULL && gm->width >= 1 && gm->height >= 1);
		FUZZ_CHECK((size_t)gm->width * (size_t)gm->height <= FUZZ_IMAGE_MAX_PIXELS);
		greymap_free(gm);
	} else {
		FUZZ_CHECK(gm == NULL && err.message[0] != '\0');
		FUZZ_CHECK(image_decode_status_name(status) != NULL);
	}
	/* a JPEG wider than the print is decoded scaled down */
	gm = NULL;
	if (image_decode_for_width(data, size, FUZZ_IMAGE_MAX_PIXELS, PRINTER_WIDTH, &gm, &err) == IMAGE_OK)
		greymap_free(gm);
	if (image_sniff(data, size) == IMAGE_FORMAT_PNG) {
		bm = png_read_bitmap(data, size, FUZZ_IMAGE_MAX_PIXELS, &err);
		bitmap_free(bm);
	}
	return 0;
}
