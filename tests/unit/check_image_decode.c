/* check_image_decode.c: unit tests of sniffing and decoding uploaded PNG, JPEG, GIF and WebP images. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gif_lib.h>
#include <jpeglib.h>
#include <png.h>
#include <webp/encode.h>

#include "bitmap.h"
#include "bitmap_png.h"
#include "dither.h"
#include "image_decode.h"
#include "image_scale.h"
#include "test_util.h"

/* ---- making test images with the real encoders ----------------------------- */

static uint8_t *make_png(const struct greymap *gm, size_t *len)
{
	struct sirius_error err = { "" };
	uint8_t *data = NULL;

	ck_assert_msg(png_write_greymap(gm, &data, len, &err) == 0, "%s", err.message);
	return data;
}

/* An RGBA PNG through libpng's simplified API: red, green, blue, transparent and opaque black quarters. */
static uint8_t *make_png_rgba(int w, int h, size_t *len)
{
	png_image image;
	uint8_t *rgba = malloc((size_t)w * (size_t)h * 4), *out;
	png_alloc_size_t size = 0;
	int x, y;

	ck_assert_ptr_nonnull(rgba);
	for (y = 0; y < h; y++)
		for (x = 0; x < w; x++) {
			uint8_t *p = rgba + ((size_t)y * (size_t)w + (size_t)x) * 4;
			int q = (x * 2 / w) + 2 * (y * 2 / h);

			p[0] = q == 0 ? 255 : 0;
			p[1] = q == 1 ? 255 : 0;
			p[2] = q == 2 ? 255 : 0;
			p[3] = q == 2 && x % 2 ? 0 : 255;
		}
	memset(&image, 0, sizeof(image));
	image.version = PNG_IMAGE_VERSION;
	image.width = (png_uint_32)w;
	image.height = (png_uint_32)h;
	image.format = PNG_FORMAT_RGBA;
	ck_assert(png_image_write_to_memory(&image, NULL, &size, 0, rgba, 0, NULL));
	out = malloc(size);
	ck_assert_ptr_nonnull(out);
	ck_assert(png_image_write_to_memory(&image, out, &size, 0, rgba, 0, NULL));
	free(rgba);
	*len = size;
	return out;
}

/* An Exif APP1 body carrying only an orientation tag, big- or little-endian. */
static size_t exif_orientation_block(uint8_t *out, int orientation, int little_endian)
{
	static const uint8_t be[] = { 'E', 'x', 'i', 'f', 0, 0, 'M', 'M', 0, 42, 0, 0, 0, 8, 0, 1,
				      0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
	static const uint8_t le[] = { 'E', 'x', 'i', 'f', 0, 0, 'I', 'I', 42, 0, 8, 0, 0, 0, 1, 0,
				      0x12, 0x01, 3, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 };

	memcpy(out, little_endian ? le : be, sizeof(be));
	out[little_endian ? 24 : 25] = (uint8_t)orientation;
	return sizeof(be);
}

/*
 * A JPEG of w x h pixels of the given components (1 grey, 3 RGB, 4 CMYK as
 * Adobe writes it: 255 is no ink) with libjpeg; orientation > 0 adds Exif.
 */
static uint8_t *make_jpeg(int w, int h, int components, const uint8_t *pixels, int quality,
			  int progressive, int orientation, size_t *len)
{
	struct jpeg_compress_struct c;
	struct jpeg_error_mgr jerr;
	unsigned char *out = NULL;
	unsigned long size = 0;
	uint8_t *copy;

	c.err = jpeg_std_error(&jerr);
	jpeg_create_compress(&c);
	jpeg_mem_dest(&c, &out, &size);
	c.image_width = (JDIMENSION)w;
	c.image_height = (JDIMENSION)h;
	c.input_components = components;
	c.in_color_space = components == 1 ? JCS_GRAYSCALE : components == 3 ? JCS_RGB : JCS_CMYK;
	jpeg_set_defaults(&c);
	if (components == 4)
		jpeg_set_colorspace(&c, JCS_CMYK);
	jpeg_set_quality(&c, quality, TRUE);
	if (progressive)
		jpeg_simple_progression(&c);
	jpeg_start_compress(&c, TRUE);
	if (orientation > 0) {
		uint8_t exif[64];
		size_t n = exif_orientation_block(exif, orientation, orientation % 2);

		jpeg_write_marker(&c, JPEG_APP0 + 1, exif, (unsigned)n);
	}
	while (c.next_scanline < c.image_height) {
		JSAMPROW row = (JSAMPROW)(pixels + (size_t)c.next_scanline * (size_t)w * (size_t)components);

		jpeg_write_scanlines(&c, &row, 1);
	}
	jpeg_finish_compress(&c);
	jpeg_destroy_compress(&c);
	/* Copied to a malloc'd buffer of exactly the right size, so ASan sees every overread. */
	copy = malloc(size);
	ck_assert_ptr_nonnull(copy);
	memcpy(copy, out, size);
	free(out);
	*len = size;
	return copy;
}

static uint8_t *make_jpeg_grey(const struct greymap *gm, int quality, size_t *len)
{
	return make_jpeg(gm->width, gm->height, 1, gm->pixels, quality, 0, 0, len);
}

/* A growing buffer that giflib's encoder writes into. */
struct membuf {
	uint8_t *data; /* malloc'd bytes */
	size_t len;    /* bytes used */
	size_t cap;    /* bytes allocated */
};

static int membuf_write(GifFileType *gif, const GifByteType *bytes, int n)
{
	struct membuf *buf = gif->UserData;

	if (buf->len + (size_t)n > buf->cap) {
		buf->cap = (buf->len + (size_t)n) * 2;
		buf->data = realloc(buf->data, buf->cap);
		ck_assert_ptr_nonnull(buf->data);
	}
	memcpy(buf->data + buf->len, bytes, (size_t)n);
	buf->len += (size_t)n;
	return n;
}

/* One frame of a test GIF. */
struct gif_frame {
	int left, top, width, height; /* position and size on the screen */
	int interlace;                /* whether rows are stored interlaced */
	int transparent;              /* transparent palette index, or -1 (no extension then) */
	const uint8_t *indices;       /* width * height palette indices, top row first */
};

/* The palette of every test GIF: black, white, mid grey, red. */
static const GifColorType test_palette[4] = { { 0, 0, 0 }, { 255, 255, 255 }, { 128, 128, 128 }, { 255, 0, 0 } };

static uint8_t *make_gif(int screen_w, int screen_h, const struct gif_frame *frames, int count, size_t *len)
{
	static const int start[4] = { 0, 4, 2, 1 }, step[4] = { 8, 8, 4, 2 };
	struct membuf buf = { NULL, 0, 0 };
	ColorMapObject *map = GifMakeMapObject(4, test_palette);
	GifFileType *gif;
	int error = 0, i, pass, y;

	ck_assert_ptr_nonnull(map);
	gif = EGifOpen(&buf, membuf_write, &error);
	ck_assert_ptr_nonnull(gif);
	EGifSetGifVersion(gif, true);
	ck_assert_int_eq(EGifPutScreenDesc(gif, screen_w, screen_h, 2, 1, map), GIF_OK);
	for (i = 0; i < count; i++) {
		const struct gif_frame *f = &frames[i];

		if (f->transparent >= 0) {
			GraphicsControlBlock gcb = { DISPOSAL_UNSPECIFIED, false, 10, f->transparent };
			GifByteType ext[4];
			size_t n = EGifGCBToExtension(&gcb, ext);

			ck_assert_int_eq(EGifPutExtension(gif, GRAPHICS_EXT_FUNC_CODE, (int)n, ext), GIF_OK);
		}
		ck_assert_int_eq(EGifPutImageDesc(gif, f->left, f->top, f->width, f->height, f->interlace, NULL),
				 GIF_OK);
		for (pass = f->interlace ? 0 : 3; pass < 4; pass++)
			for (y = f->interlace ? start[pass] : 0; y < f->height; y += f->interlace ? step[pass] : 1)
				ck_assert_int_eq(EGifPutLine(gif, (GifPixelType *)f->indices + (size_t)y * (size_t)f->width,
							     f->width), GIF_OK);
	}
	ck_assert_int_eq(EGifCloseFile(gif, &error), GIF_OK);
	GifFreeMapObject(map);
	*len = buf.len;
	return buf.data;
}

/* A w x h GIF frame of indices (x + 2y) % 4, with index 2 transparent when asked. */
static uint8_t *stripes(int w, int h)
{
	uint8_t *idx = malloc((size_t)w * (size_t)h);
	int x, y;

	ck_assert_ptr_nonnull(idx);
	for (y = 0; y < h; y++)
		for (x = 0; x < w; x++)
			idx[y * w + x] = (uint8_t)((x + 2 * y) % 4);
	return idx;
}

/*
 * A WebP of w x h RGBA pixels with libwebp's encoder: lossless (pixels come
 * back exact), else lossy at the given quality (with an ALPH chunk when some
 * pixel is not opaque). Copied to a buffer of exactly its size for ASan.
 */
static uint8_t *make_webp(const uint8_t *rgba, int w, int h, int lossless, float quality, size_t *len)
{
	uint8_t *out = NULL, *copy;
	size_t size = lossless ? WebPEncodeLosslessRGBA(rgba, w, h, w * 4, &out)
			       : WebPEncodeRGBA(rgba, w, h, w * 4, quality, &out);

	ck_assert_msg(size > 0 && out != NULL, "libwebp could not encode a %dx%d image", w, h);
	copy = malloc(size);
	ck_assert_ptr_nonnull(copy);
	memcpy(copy, out, size);
	WebPFree(out);
	*len = size;
	return copy;
}

/* A w x h RGBA image of varied colours; with_alpha adds transparent, half and graded alpha. */
static uint8_t *webp_test_rgba(int w, int h, int with_alpha)
{
	uint8_t *rgba = malloc((size_t)w * (size_t)h * 4);
	int x, y;

	ck_assert_ptr_nonnull(rgba);
	for (y = 0; y < h; y++)
		for (x = 0; x < w; x++) {
			uint8_t *p = rgba + ((size_t)y * (size_t)w + (size_t)x) * 4;

			p[0] = (uint8_t)(x * 37 + y * 11);
			p[1] = (uint8_t)(x * 5 + y * 29 + 40);
			p[2] = (uint8_t)(x * y * 3 + 100);
			p[3] = 255;
			if (with_alpha)
				p[3] = (x + y) % 5 == 0 ? 0 : (x + y) % 5 == 1 ? 128 : (uint8_t)(x * 255 / (w - 1));
		}
	return rgba;
}

/* An RGBA copy of an RGB image, every pixel opaque. */
static uint8_t *rgba_of_rgb(const uint8_t *rgb, int w, int h)
{
	uint8_t *rgba = malloc((size_t)w * (size_t)h * 4);
	size_t i;

	ck_assert_ptr_nonnull(rgba);
	for (i = 0; i < (size_t)w * (size_t)h; i++) {
		memcpy(rgba + 4 * i, rgb + 3 * i, 3);
		rgba[4 * i + 3] = 255;
	}
	return rgba;
}

/* The grey an RGBA pixel must decode to: the PNG path's formula, composited on white. */
static int expected_grey(const uint8_t *p)
{
	unsigned grey = (299u * p[0] + 587u * p[1] + 114u * p[2] + 500u) / 1000u;

	return (int)((grey * p[3] + 255u * (255u - p[3]) + 127u) / 255u);
}

static void put_le24(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
}

static void put_le32(uint8_t *p, uint32_t v)
{
	put_le24(p, v);
	p[3] = (uint8_t)(v >> 24);
}

/*
 * An animated WebP of one frame (the VP8 or VP8L chunk of the still WebP
 * still_webp) on a canvas_w x canvas_h canvas, built chunk by chunk as the
 * container specification lays it out: VP8X, ANIM, ANMF.
 */
static uint8_t *make_animated_webp(const uint8_t *still_webp, size_t still_len, int frame_w, int frame_h,
				   uint32_t canvas_w, uint32_t canvas_h, size_t *len)
{
	size_t frame_len = still_len - 12; /* the still image's chunks after 'RIFF' size 'WEBP' */
	size_t total = 12 + (8 + 10) + (8 + 6) + (8 + 16 + frame_len);
	uint8_t *out = calloc(1, total), *p = out;

	ck_assert_ptr_nonnull(out);
	ck_assert(memcmp(still_webp + 12, "VP8L", 4) == 0 || memcmp(still_webp + 12, "VP8 ", 4) == 0);
	memcpy(p, "RIFF", 4);
	put_le32(p + 4, (uint32_t)(total - 8));
	memcpy(p + 8, "WEBP", 4);
	p += 12;
	memcpy(p, "VP8X", 4);
	put_le32(p + 4, 10);
	p[8] = 0x02; /* the animation flag */
	put_le24(p + 12, canvas_w - 1);
	put_le24(p + 15, canvas_h - 1);
	p += 8 + 10;
	memcpy(p, "ANIM", 4);
	put_le32(p + 4, 6);
	memset(p + 8, 0xff, 4); /* background: opaque white */
	p += 8 + 6;
	memcpy(p, "ANMF", 4);
	put_le32(p + 4, (uint32_t)(16 + frame_len));
	put_le24(p + 14, (uint32_t)frame_w - 1);
	put_le24(p + 17, (uint32_t)frame_h - 1);
	put_le24(p + 20, 100); /* duration in ms */
	memcpy(p + 24, still_webp + 12, frame_len);
	*len = total;
	return out;
}

static struct greymap *gradient(int w, int h)
{
	struct greymap *gm = greymap_new(w, h);
	int x, y;

	ck_assert_ptr_nonnull(gm);
	for (y = 0; y < h; y++)
		for (x = 0; x < w; x++)
			gm->pixels[y * w + x] = (uint8_t)((x * 255 / (w > 1 ? w - 1 : 1) + y * 3) % 256);
	return gm;
}

/* A 1600x1200 photograph-like RGB image: smooth gradients, edges and grain. */
static uint8_t *photo_rgb(int w, int h)
{
	uint8_t *rgb = malloc((size_t)w * (size_t)h * 3);
	uint32_t seed = 4242;
	int x, y;

	ck_assert_ptr_nonnull(rgb);
	for (y = 0; y < h; y++)
		for (x = 0; x < w; x++) {
			uint8_t *p = rgb + ((size_t)y * (size_t)w + (size_t)x) * 3;
			int grain = (int)(test_random(&seed) % 24);
			int disc = ((x - w / 2) * (x - w / 2) + (y - h / 3) * (y - h / 3)) < (h / 4) * (h / 4);

			p[0] = (uint8_t)(disc ? 200 + grain : x * 200 / w + grain);
			p[1] = (uint8_t)(disc ? 180 : y * 200 / h + grain);
			p[2] = (uint8_t)((x + y) % 256 / 2 + grain);
		}
	return rgb;
}

static enum image_decode_status decode(const uint8_t *data, size_t len, size_t max_pixels,
				       struct greymap **out, struct sirius_error *err)
{
	enum image_decode_status status;

	memset(err, 0, sizeof(*err));
	status = image_decode(data, len, max_pixels, out, err);
	if (status == IMAGE_OK)
		ck_assert_ptr_nonnull(*out);
	else {
		ck_assert_ptr_null(*out);
		ck_assert_msg(err->message[0] != '\0', "status %d without a reason", status);
	}
	return status;
}

static int pixel(const struct greymap *gm, int x, int y)
{
	return gm->pixels[(size_t)y * (size_t)gm->width + (size_t)x];
}

/* ---- sniffing --------------------------------------------------------------- */

START_TEST(test_sniff_every_format)
{
	static const uint8_t png[] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0 };
	static const uint8_t jpeg[] = { 0xff, 0xd8, 0xff, 0xe0 };
	static const uint8_t webp[] = { 'R', 'I', 'F', 'F', 0x24, 0, 0, 0, 'W', 'E', 'B', 'P', 'V', 'P', '8', ' ' };
	static const uint8_t wav[] = { 'R', 'I', 'F', 'F', 0x24, 0, 0, 0, 'W', 'A', 'V', 'E' };

	ck_assert_int_eq(image_sniff(png, sizeof(png)), IMAGE_FORMAT_PNG);
	ck_assert_int_eq(image_sniff(png, 7), IMAGE_FORMAT_UNKNOWN);
	ck_assert_int_eq(image_sniff(jpeg, sizeof(jpeg)), IMAGE_FORMAT_JPEG);
	ck_assert_int_eq(image_sniff(jpeg, 2), IMAGE_FORMAT_UNKNOWN);
	ck_assert_int_eq(image_sniff((const uint8_t *)"GIF89a....", 10), IMAGE_FORMAT_GIF);
	ck_assert_int_eq(image_sniff((const uint8_t *)"GIF87a", 6), IMAGE_FORMAT_GIF);
	ck_assert_int_eq(image_sniff((const uint8_t *)"GIF88a", 6), IMAGE_FORMAT_UNKNOWN);
	ck_assert_int_eq(image_sniff(webp, sizeof(webp)), IMAGE_FORMAT_WEBP);
	ck_assert_int_eq(image_sniff(wav, sizeof(wav)), IMAGE_FORMAT_UNKNOWN);
	ck_assert_int_eq(image_sniff((const uint8_t *)"<html>", 6), IMAGE_FORMAT_UNKNOWN);
	ck_assert_int_eq(image_sniff(NULL, 0), IMAGE_FORMAT_UNKNOWN);
	ck_assert_int_eq(image_sniff(png, 0), IMAGE_FORMAT_UNKNOWN);
	ck_assert_str_eq(image_format_name(IMAGE_FORMAT_PNG), "PNG");
	ck_assert_str_eq(image_format_name(IMAGE_FORMAT_JPEG), "JPEG");
	ck_assert_str_eq(image_format_name(IMAGE_FORMAT_GIF), "GIF");
	ck_assert_str_eq(image_format_name(IMAGE_FORMAT_WEBP), "WebP");
	ck_assert_str_eq(image_format_name(IMAGE_FORMAT_UNKNOWN), "unknown");
}
END_TEST

START_TEST(test_png_labelled_jpeg_is_sniffed_as_png)
{
	/* A client sent PNG bytes as image/jpeg: the bytes decide, and the PNG decoder reads them. */
	struct greymap *gm = gradient(16, 9), *out = NULL;
	struct sirius_error err;
	size_t len;
	uint8_t *png = make_png(gm, &len);

	ck_assert_int_eq(image_sniff(png, len), IMAGE_FORMAT_PNG);
	ck_assert_int_eq(decode(png, len, 0, &out, &err), IMAGE_OK);
	ck_assert_int_eq(out->width, 16);
	ck_assert(memcmp(out->pixels, gm->pixels, 16 * 9) == 0);
	greymap_free(out);
	greymap_free(gm);
	free(png);
}
END_TEST

START_TEST(test_unknown_is_unsupported)
{
	static const uint8_t wav[] = { 'R', 'I', 'F', 'F', 0x24, 0, 0, 0, 'W', 'A', 'V', 'E', 'f', 'm', 't', ' ' };
	struct greymap *out = (struct greymap *)1;
	struct sirius_error err;

	ck_assert_int_eq(decode(wav, sizeof(wav), 0, &out, &err), IMAGE_UNSUPPORTED);
	ck_assert_msg(strstr(err.message, "WebP") != NULL, "%s", err.message);
	out = (struct greymap *)1;
	ck_assert_int_eq(decode((const uint8_t *)"hello world", 11, 0, &out, &err), IMAGE_UNSUPPORTED);
	ck_assert_int_eq(decode((const uint8_t *)"", 0, 0, &out, &err), IMAGE_UNSUPPORTED);
	ck_assert_str_eq(image_decode_status_name(IMAGE_TOO_MANY_PIXELS), "image too large");
}
END_TEST

/* ---- decoding ----------------------------------------------------------------- */

START_TEST(test_png_grey_and_rgba)
{
	struct greymap *out = NULL;
	struct sirius_error err;
	size_t len;
	uint8_t *png = make_png_rgba(40, 20, &len);

	ck_assert_int_eq(decode(png, len, 0, &out, &err), IMAGE_OK);
	ck_assert_int_eq(out->width, 40);
	ck_assert_int_eq(out->height, 20);
	ck_assert_int_lt(abs(pixel(out, 5, 5) - 76), 3);   /* red */
	ck_assert_int_lt(abs(pixel(out, 25, 5) - 150), 3); /* green */
	ck_assert_int_eq(pixel(out, 5, 15), 255);          /* transparent blue on white */
	ck_assert_int_lt(abs(pixel(out, 4, 15) - 29), 3);  /* opaque blue */
	ck_assert_int_eq(pixel(out, 25, 15), 0);           /* black */
	greymap_free(out);
	free(png);
}
END_TEST

START_TEST(test_jpeg_grey)
{
	struct greymap *gm = gradient(64, 48), *out = NULL;
	struct sirius_error err;
	size_t len, i;
	uint8_t *jpeg = make_jpeg_grey(gm, 95, &len);

	ck_assert_int_eq(image_sniff(jpeg, len), IMAGE_FORMAT_JPEG);
	ck_assert_int_eq(decode(jpeg, len, 0, &out, &err), IMAGE_OK);
	ck_assert_int_eq(out->width, 64);
	ck_assert_int_eq(out->height, 48);
	for (i = 0; i < 64 * 48; i++)
		ck_assert_msg(abs(out->pixels[i] - gm->pixels[i]) <= 12, "pixel %zu: %d vs %d", i,
			      out->pixels[i], gm->pixels[i]);
	greymap_free(out);
	greymap_free(gm);
	free(jpeg);
}
END_TEST

/* A w x h RGB image in four quarters: red, green, blue, white. */
static uint8_t *quarters_rgb(int w, int h)
{
	uint8_t *rgb = malloc((size_t)w * (size_t)h * 3);
	int x, y;

	ck_assert_ptr_nonnull(rgb);
	for (y = 0; y < h; y++)
		for (x = 0; x < w; x++) {
			uint8_t *p = rgb + ((size_t)y * (size_t)w + (size_t)x) * 3;
			int q = (x * 2 / w) + 2 * (y * 2 / h);

			p[0] = q == 0 || q == 3 ? 255 : 0;
			p[1] = q == 1 || q == 3 ? 255 : 0;
			p[2] = q == 2 || q == 3 ? 255 : 0;
		}
	return rgb;
}

START_TEST(test_jpeg_colour_baseline_and_progressive)
{
	uint8_t *rgb = quarters_rgb(64, 64);
	int progressive;

	for (progressive = 0; progressive <= 1; progressive++) {
		struct greymap *out = NULL;
		struct sirius_error err;
		size_t len;
		uint8_t *jpeg = make_jpeg(64, 64, 3, rgb, 95, progressive, 0, &len);

		ck_assert_int_eq(decode(jpeg, len, 0, &out, &err), IMAGE_OK);
		ck_assert_int_eq(out->width, 64);
		ck_assert_int_lt(abs(pixel(out, 16, 16) - 76), 8);  /* red */
		ck_assert_int_lt(abs(pixel(out, 48, 16) - 150), 8); /* green */
		ck_assert_int_lt(abs(pixel(out, 16, 48) - 29), 8);  /* blue */
		ck_assert_int_gt(pixel(out, 48, 48), 247);          /* white */
		greymap_free(out);
		free(jpeg);
	}
	free(rgb);
}
END_TEST

START_TEST(test_jpeg_cmyk)
{
	uint8_t cmyk[32 * 32 * 4];
	struct greymap *out = NULL;
	struct sirius_error err;
	size_t len;
	uint8_t *jpeg;
	int x, y;

	/* Adobe's inverted CMYK: left half no ink at all (white), right half half-strength black. */
	for (y = 0; y < 32; y++)
		for (x = 0; x < 32; x++) {
			uint8_t *p = cmyk + (y * 32 + x) * 4;

			p[0] = p[1] = p[2] = 255;
			p[3] = x < 16 ? 255 : 128;
		}
	jpeg = make_jpeg(32, 32, 4, cmyk, 95, 0, 0, &len);
	ck_assert_int_eq(decode(jpeg, len, 0, &out, &err), IMAGE_OK);
	ck_assert_int_gt(pixel(out, 4, 16), 248);
	ck_assert_int_lt(abs(pixel(out, 28, 16) - 128), 8);
	greymap_free(out);
	free(jpeg);
}
END_TEST

START_TEST(test_jpeg_exif_orientation)
{
	/* 40x20, left half black, right half white; each orientation moves the black half. */
	static const struct {
		int orientation, width, height;
		int black_x, black_y, white_x, white_y;
	} cases[] = {
		{ 1, 40, 20, 5, 10, 35, 10 }, { 3, 40, 20, 35, 10, 5, 10 }, { 6, 20, 40, 10, 5, 10, 35 },
		{ 8, 20, 40, 10, 35, 10, 5 }, { 2, 40, 20, 35, 10, 5, 10 }, { 5, 20, 40, 10, 5, 10, 35 },
	};
	struct greymap *gm = greymap_new(40, 20);
	size_t i;
	int x, y;

	ck_assert_ptr_nonnull(gm);
	for (y = 0; y < 20; y++)
		for (x = 0; x < 40; x++)
			gm->pixels[y * 40 + x] = x < 20 ? 0 : 255;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct greymap *out = NULL;
		struct sirius_error err;
		size_t len;
		uint8_t *jpeg = make_jpeg(40, 20, 1, gm->pixels, 95, 0, cases[i].orientation, &len);

		ck_assert_int_eq(decode(jpeg, len, 0, &out, &err), IMAGE_OK);
		ck_assert_msg(out->width == cases[i].width && out->height == cases[i].height,
			      "orientation %d: %dx%d", cases[i].orientation, out->width, out->height);
		ck_assert_int_lt(pixel(out, cases[i].black_x, cases[i].black_y), 20);
		ck_assert_int_gt(pixel(out, cases[i].white_x, cases[i].white_y), 235);
		greymap_free(out);
		free(jpeg);
	}
	greymap_free(gm);
}
END_TEST

START_TEST(test_jpeg_dct_scaling_for_width)
{
	uint8_t *rgb = photo_rgb(1600, 1200);
	struct greymap *out = NULL;
	struct sirius_error err = { "" };
	size_t len, turned_len;
	uint8_t *jpeg = make_jpeg(1600, 1200, 3, rgb, 85, 0, 0, &len);
	uint8_t *turned = make_jpeg(1600, 1200, 3, rgb, 85, 0, 6, &turned_len);

	/* 1600 wide for 384: 2/8 gives 400, the smallest scale still wide enough. */
	ck_assert_int_eq(image_decode_for_width(jpeg, len, 0, 384, &out, &err), IMAGE_OK);
	ck_assert_int_eq(out->width, 400);
	ck_assert_int_eq(out->height, 300);
	greymap_free(out);
	/* Turned a quarter: 1200 becomes the width, 3/8 of it gives 450. */
	ck_assert_int_eq(image_decode_for_width(turned, turned_len, 0, 384, &out, &err), IMAGE_OK);
	ck_assert_int_eq(out->width, 450);
	ck_assert_int_eq(out->height, 600);
	greymap_free(out);
	/* Narrower than the target, or no target: full size. */
	ck_assert_int_eq(image_decode_for_width(jpeg, len, 0, 2000, &out, &err), IMAGE_OK);
	ck_assert_int_eq(out->width, 1600);
	greymap_free(out);
	free(turned);
	free(jpeg);
	free(rgb);
}
END_TEST

/* A 1600x1200 photo becomes a full-width print (how fast: tests/bench/bench_render). */
START_TEST(test_photo_to_print)
{
	uint8_t *rgb = photo_rgb(1600, 1200);
	size_t len;
	uint8_t *jpeg = make_jpeg(1600, 1200, 3, rgb, 90, 0, 0, &len);
	{
		struct greymap *gm = NULL, *fitted;
		struct bitmap *bm;
		struct sirius_error err;

		ck_assert_int_eq(image_decode_for_width(jpeg, len, 0, PRINTER_WIDTH, &gm, &err), IMAGE_OK);
		fitted = greymap_fit_width(gm, PRINTER_WIDTH, PRINTER_MAX_ROWS);
		ck_assert_ptr_nonnull(fitted);
		bm = dither_floyd_steinberg(fitted);
		ck_assert_ptr_nonnull(bm);
		ck_assert_int_eq(bm->width, 384);
		ck_assert_int_eq(bm->height, 288);
		bitmap_free(bm);
		greymap_free(fitted);
		greymap_free(gm);
	}
	free(jpeg);
	free(rgb);
}
END_TEST

START_TEST(test_gif_first_frame_with_transparency)
{
	uint8_t *idx = stripes(20, 10), black[20 * 10];
	struct gif_frame frames[2] = {
		{ 5, 4, 20, 10, 0, 2, NULL },
		{ 0, 0, 20, 10, 0, -1, black },
	};
	struct greymap *out = NULL;
	struct sirius_error err;
	size_t len;
	uint8_t *gif;
	int x, y;

	memset(black, 0, sizeof(black));
	frames[0].indices = idx;
	gif = make_gif(30, 20, frames, 2, &len);
	ck_assert_int_eq(image_sniff(gif, len), IMAGE_FORMAT_GIF);
	ck_assert_int_eq(decode(gif, len, 0, &out, &err), IMAGE_OK);
	ck_assert_int_eq(out->width, 30);
	ck_assert_int_eq(out->height, 20);
	for (y = 0; y < 20; y++)
		for (x = 0; x < 30; x++) {
			int want = 255; /* outside the frame, and transparent index 2 */

			if (x >= 5 && x < 25 && y >= 4 && y < 14) {
				int i = idx[(y - 4) * 20 + (x - 5)];

				want = i == 0 ? 0 : i == 3 ? 77 : 255;
			}
			ck_assert_msg(abs(pixel(out, x, y) - want) <= 1, "(%d,%d) = %d, want %d", x, y,
				      pixel(out, x, y), want);
		}
	greymap_free(out);
	free(gif);
	free(idx);
}
END_TEST

START_TEST(test_gif_interlaced_and_opaque)
{
	uint8_t *idx = stripes(13, 21);
	struct gif_frame frame = { 0, 0, 13, 21, 1, -1, NULL };
	struct greymap *out = NULL;
	struct sirius_error err;
	size_t len;
	uint8_t *gif;
	int x, y;

	frame.indices = idx;
	gif = make_gif(13, 21, &frame, 1, &len);
	ck_assert_int_eq(decode(gif, len, 0, &out, &err), IMAGE_OK);
	for (y = 0; y < 21; y++)
		for (x = 0; x < 13; x++) {
			static const int grey[4] = { 0, 255, 128, 77 };

			ck_assert_int_eq(pixel(out, x, y), grey[idx[y * 13 + x]]);
		}
	greymap_free(out);
	free(gif);
	free(idx);
}
END_TEST

START_TEST(test_webp_lossless_exact)
{
	uint8_t *rgba = webp_test_rgba(37, 23, 0);
	struct greymap *out = NULL;
	struct sirius_error err;
	size_t len, i;
	uint8_t *webp = make_webp(rgba, 37, 23, 1, 0, &len);

	ck_assert_int_eq(image_sniff(webp, len), IMAGE_FORMAT_WEBP);
	ck_assert_int_eq(decode(webp, len, 0, &out, &err), IMAGE_OK);
	ck_assert_int_eq(out->width, 37);
	ck_assert_int_eq(out->height, 23);
	for (i = 0; i < 37 * 23; i++)
		ck_assert_msg(out->pixels[i] == expected_grey(rgba + 4 * i), "pixel %zu: %d, want %d", i,
			      out->pixels[i], expected_grey(rgba + 4 * i));
	greymap_free(out);
	free(webp);
	free(rgba);
}
END_TEST

START_TEST(test_webp_lossless_alpha_on_white)
{
	uint8_t *rgba = webp_test_rgba(31, 17, 1);
	struct greymap *out = NULL;
	struct sirius_error err;
	size_t len, i;
	uint8_t *webp = make_webp(rgba, 31, 17, 1, 0, &len);
	int transparent = 0, half = 0;

	ck_assert_int_eq(decode(webp, len, 0, &out, &err), IMAGE_OK);
	ck_assert_int_eq(out->width, 31);
	ck_assert_int_eq(out->height, 17);
	for (i = 0; i < 31 * 17; i++) {
		ck_assert_msg(out->pixels[i] == expected_grey(rgba + 4 * i), "pixel %zu (alpha %d): %d, want %d", i,
			      rgba[4 * i + 3], out->pixels[i], expected_grey(rgba + 4 * i));
		if (rgba[4 * i + 3] == 0) {
			ck_assert_int_eq(out->pixels[i], 255);
			transparent++;
		}
		half += rgba[4 * i + 3] == 128;
	}
	ck_assert_int_gt(transparent, 50);
	ck_assert_int_gt(half, 50);
	greymap_free(out);
	free(webp);
	free(rgba);
}
END_TEST

START_TEST(test_webp_lossy_colour_and_alpha)
{
	uint8_t *rgb = quarters_rgb(64, 64), *rgba = rgba_of_rgb(rgb, 64, 64);
	int alpha;

	for (alpha = 0; alpha <= 1; alpha++) {
		struct greymap *out = NULL;
		struct sirius_error err;
		size_t len, i;
		uint8_t *webp;

		/* With alpha: the blue quarter (bottom left) transparent, so white on the paper. */
		for (i = 0; alpha && i < 64 * 64; i++)
			if (i % 64 < 32 && i / 64 >= 32)
				rgba[4 * i + 3] = 0;
		webp = make_webp(rgba, 64, 64, 0, 90, &len);
		ck_assert(memcmp(webp + 12, alpha ? "VP8X" : "VP8 ", 4) == 0);
		ck_assert_int_eq(decode(webp, len, 0, &out, &err), IMAGE_OK);
		ck_assert_int_eq(out->width, 64);
		ck_assert_int_eq(out->height, 64);
		ck_assert_int_lt(abs(pixel(out, 16, 16) - 76), 10);  /* red */
		ck_assert_int_lt(abs(pixel(out, 48, 16) - 150), 10); /* green */
		if (alpha)
			ck_assert_int_eq(pixel(out, 16, 48), 255);  /* transparent blue */
		else
			ck_assert_int_lt(abs(pixel(out, 16, 48) - 29), 10); /* blue */
		ck_assert_int_gt(pixel(out, 48, 48), 245);           /* white */
		greymap_free(out);
		free(webp);
	}
	free(rgba);
	free(rgb);
}
END_TEST

START_TEST(test_webp_animation_is_unsupported)
{
	uint8_t *rgba = webp_test_rgba(8, 6, 0);
	struct greymap *out = NULL;
	struct sirius_error err;
	size_t still_len, len;
	uint8_t *still = make_webp(rgba, 8, 6, 1, 0, &still_len);
	uint8_t *anim = make_animated_webp(still, still_len, 8, 6, 10, 10, &len);

	ck_assert_int_eq(image_sniff(anim, len), IMAGE_FORMAT_WEBP);
	ck_assert_int_eq(decode(anim, len, 0, &out, &err), IMAGE_UNSUPPORTED);
	ck_assert_msg(strstr(err.message, "animated") != NULL, "%s", err.message);
	free(anim);
	free(still);
	free(rgba);
}
END_TEST

/* ---- hostile input ------------------------------------------------------------ */

static void expect_status(const uint8_t *data, size_t len, size_t max_pixels, enum image_decode_status want,
			  const char *what)
{
	struct greymap *out = NULL;
	struct sirius_error err;
	enum image_decode_status got = decode(data, len, max_pixels, &out, &err);

	ck_assert_msg(got == want, "%s: status %d (%s), expected %d", what, got, err.message, want);
	greymap_free(out);
}

/* Copies of data cut at each of cuts[] (relative to the end when negative) must all be corrupt. */
static void expect_truncations_corrupt(const uint8_t *data, size_t len, const long *cuts, size_t ncuts,
				       const char *what)
{
	size_t i;

	for (i = 0; i < ncuts; i++) {
		size_t keep = cuts[i] < 0 ? len - (size_t)-cuts[i] : (size_t)cuts[i];
		uint8_t *copy = malloc(keep);
		char label[64];

		ck_assert_ptr_nonnull(copy);
		memcpy(copy, data, keep);
		snprintf(label, sizeof(label), "%s cut to %zu of %zu bytes", what, keep, len);
		expect_status(copy, keep, 0, IMAGE_CORRUPT, label);
		free(copy);
	}
}

START_TEST(test_truncated_and_corrupt_png)
{
	static const long cuts[] = { 8, 16, 30, 45, -13, -30 };
	struct greymap *gm = gradient(64, 64);
	size_t len;
	uint8_t *png = make_png(gm, &len);

	expect_truncations_corrupt(png, len, cuts, sizeof(cuts) / sizeof(cuts[0]), "PNG");
	expect_truncations_corrupt(png, len, (const long[]){ (long)len / 2 }, 1, "PNG");
	png[len / 2] ^= 0x55; /* inside the image data: the CRC no longer matches */
	expect_status(png, len, 0, IMAGE_CORRUPT, "PNG with a flipped byte");
	png[len / 2] ^= 0x55;
	memset(png + 16, 0, 4); /* width 0 */
	expect_status(png, len, 0, IMAGE_CORRUPT, "PNG of width 0");
	memcpy(png + 12, "IHDX", 4);
	expect_status(png, len, 0, IMAGE_CORRUPT, "PNG without IHDR");
	free(png);
	greymap_free(gm);
}
END_TEST

/* The offset of the first SOFn marker of a JPEG (its 0xff byte). */
static size_t find_sof(const uint8_t *jpeg, size_t len)
{
	size_t i;

	for (i = 2; i + 9 < len; i++)
		if (jpeg[i] == 0xff && (jpeg[i + 1] == 0xc0 || jpeg[i + 1] == 0xc2))
			return i;
	ck_abort_msg("no SOF marker");
	return 0;
}

START_TEST(test_truncated_and_corrupt_jpeg)
{
	static const long cuts[] = { 3, 10, 100, 300, -10, -100 };
	struct greymap *gm = gradient(64, 64);
	size_t len, sof;
	uint8_t *jpeg = make_jpeg_grey(gm, 90, &len);

	expect_truncations_corrupt(jpeg, len, cuts, sizeof(cuts) / sizeof(cuts[0]), "JPEG");
	expect_truncations_corrupt(jpeg, len, (const long[]){ (long)len / 2 }, 1, "JPEG");
	sof = find_sof(jpeg, len);
	jpeg[sof + 4] = 3; /* precision */
	expect_status(jpeg, len, 0, IMAGE_CORRUPT, "JPEG of precision 3");
	jpeg[sof + 4] = 8;
	jpeg[sof + 5] = jpeg[sof + 6] = 0; /* height 0 */
	expect_status(jpeg, len, 0, IMAGE_CORRUPT, "JPEG of height 0");
	free(jpeg);
	greymap_free(gm);
}
END_TEST

START_TEST(test_truncated_and_corrupt_gif)
{
	uint8_t *idx = stripes(40, 40);
	struct gif_frame frames[2] = { { 0, 0, 40, 40, 0, -1, NULL }, { 0, 0, 40, 40, 0, -1, NULL } };
	size_t len, first_frame_end;
	uint8_t *gif, *one;

	frames[0].indices = frames[1].indices = idx;
	one = make_gif(40, 40, frames, 1, &first_frame_end);
	gif = make_gif(40, 40, frames, 2, &len);
	{
		const long cuts[] = { 6, 10, 13, 20, 26, 30, (long)first_frame_end / 2, (long)first_frame_end - 3 };

		expect_truncations_corrupt(gif, len, cuts, sizeof(cuts) / sizeof(cuts[0]), "GIF");
	}
	/* Cut inside the second frame: the first one is all that is needed. */
	expect_status(gif, first_frame_end + 20, 0, IMAGE_OK, "GIF cut in its second frame");
	ck_assert_int_eq(gif[25], ',');
	gif[25] = 'x';
	expect_status(gif, len, 0, IMAGE_CORRUPT, "GIF with a bad record type");
	/* Header, screen and palette, then the trailer: no frame at all. */
	one[25] = ';';
	expect_status(one, 26, 0, IMAGE_CORRUPT, "GIF without a frame");
	free(one);
	free(gif);
	free(idx);
}
END_TEST

static void put_be16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put_le16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

START_TEST(test_huge_declared_sizes)
{
	struct greymap *gm = gradient(100, 100);
	uint8_t *idx = stripes(8, 8);
	struct gif_frame frame = { 0, 0, 8, 8, 0, -1, NULL };
	size_t png_len, jpeg_len, gif_len, sof;
	uint8_t *png = make_png(gm, &png_len), *jpeg = make_jpeg_grey(gm, 80, &jpeg_len), *gif;

	frame.indices = idx;
	gif = make_gif(8, 8, &frame, 1, &gif_len);

	/* The real sizes, with a pixel budget below them. */
	expect_status(png, png_len, 5000, IMAGE_TOO_MANY_PIXELS, "PNG over budget");
	expect_status(jpeg, jpeg_len, 5000, IMAGE_TOO_MANY_PIXELS, "JPEG over budget");
	expect_status(gif, gif_len, 63, IMAGE_TOO_MANY_PIXELS, "GIF over budget");
	expect_status(gif, gif_len, 64, IMAGE_OK, "GIF just within budget");

	/* Headers claiming 60000x60000: refused before anything of that size exists. */
	put_be16(png + 16, 0);
	put_be16(png + 18, 60000);
	put_be16(png + 20, 0);
	put_be16(png + 22, 60000);
	expect_status(png, png_len, 0, IMAGE_TOO_MANY_PIXELS, "PNG of 60000x60000");
	put_be16(png + 16, 0x7fff); /* 2^31 - ish wide */
	expect_status(png, png_len, 0, IMAGE_TOO_MANY_PIXELS, "PNG 2^31 wide");
	sof = find_sof(jpeg, jpeg_len);
	put_be16(jpeg + sof + 5, 60000);
	put_be16(jpeg + sof + 7, 60000);
	expect_status(jpeg, jpeg_len, 0, IMAGE_TOO_MANY_PIXELS, "JPEG of 60000x60000");
	put_le16(gif + 6, 60000);
	put_le16(gif + 8, 60000);
	expect_status(gif, gif_len, 0, IMAGE_TOO_MANY_PIXELS, "GIF screen of 60000x60000");
	put_le16(gif + 6, 8);
	put_le16(gif + 8, 8);
	ck_assert_int_eq(gif[25], ',');
	put_le16(gif + 26 + 4, 60000);
	put_le16(gif + 26 + 6, 60000);
	expect_status(gif, gif_len, 0, IMAGE_TOO_MANY_PIXELS, "GIF frame of 60000x60000");
	free(png);
	free(jpeg);
	free(gif);
	free(idx);
	greymap_free(gm);
}
END_TEST

START_TEST(test_truncated_and_corrupt_webp)
{
	static const uint8_t bare_header[] = { 'R', 'I', 'F', 'F', 0x24, 0, 0, 0, 'W', 'E', 'B', 'P', 'V', 'P', '8', ' ' };
	static const long cuts[] = { 12, 16, 20, 22, 25, 30, -1, -2, -10 };
	uint8_t *rgba = webp_test_rgba(64, 64, 1);
	size_t lossless_len, lossy_len, alpha_len;
	uint8_t *lossless = make_webp(rgba, 64, 64, 1, 0, &lossless_len);
	uint8_t *alpha = make_webp(rgba, 64, 64, 0, 80, &alpha_len);
	uint8_t *lossy, *copy;
	size_t i;

	for (i = 0; i < 64 * 64; i++)
		rgba[4 * i + 3] = 255;
	lossy = make_webp(rgba, 64, 64, 0, 80, &lossy_len);

	expect_status(bare_header, sizeof(bare_header), 0, IMAGE_CORRUPT, "WebP of a bare header");
	expect_truncations_corrupt(lossless, lossless_len, cuts, sizeof(cuts) / sizeof(cuts[0]), "lossless WebP");
	expect_truncations_corrupt(lossless, lossless_len, (const long[]){ (long)lossless_len / 2 }, 1,
				   "lossless WebP");
	expect_truncations_corrupt(lossy, lossy_len, cuts, sizeof(cuts) / sizeof(cuts[0]), "lossy WebP");
	expect_truncations_corrupt(lossy, lossy_len, (const long[]){ (long)lossy_len / 2 }, 1, "lossy WebP");
	expect_truncations_corrupt(alpha, alpha_len, cuts, sizeof(cuts) / sizeof(cuts[0]), "lossy WebP with alpha");
	expect_truncations_corrupt(alpha, alpha_len, (const long[]){ 40, (long)alpha_len / 2 }, 2,
				   "lossy WebP with alpha");

	/* The RIFF size claiming more than was sent: cut short in transit. */
	copy = malloc(lossless_len);
	ck_assert_ptr_nonnull(copy);
	memcpy(copy, lossless, lossless_len);
	put_le32(copy + 4, (uint32_t)lossless_len);
	expect_status(copy, lossless_len, 0, IMAGE_CORRUPT, "WebP whose RIFF size is too large");
	memcpy(copy, lossless, lossless_len);
	ck_assert_int_eq(copy[20], 0x2f);
	copy[20] = 0x00; /* the VP8L signature byte */
	expect_status(copy, lossless_len, 0, IMAGE_CORRUPT, "lossless WebP without its signature");
	free(copy);

	/* A lossy key frame: 3 bytes of frame tag, 9d 01 2a, then 14-bit width and height. */
	ck_assert(memcmp(lossy + 12, "VP8 ", 4) == 0);
	ck_assert(memcmp(lossy + 23, "\x9d\x01\x2a", 3) == 0);
	copy = malloc(lossy_len);
	ck_assert_ptr_nonnull(copy);
	memcpy(copy, lossy, lossy_len);
	copy[26] = copy[27] = 0; /* width 0 */
	expect_status(copy, lossy_len, 0, IMAGE_CORRUPT, "lossy WebP of width 0");
	memcpy(copy, lossy, lossy_len);
	copy[24] = 0x00; /* the start code */
	expect_status(copy, lossy_len, 0, IMAGE_CORRUPT, "lossy WebP without its start code");
	free(copy);

	free(alpha);
	free(lossy);
	free(lossless);
	free(rgba);
}
END_TEST

/*
 * Sizes are checked from the header before anything is allocated or decoded:
 * each file below holds far fewer pixels than it declares, so a decode that
 * came first would have failed as corrupt, not as too large.
 */
START_TEST(test_huge_declared_webp_sizes)
{
	uint8_t *rgba = webp_test_rgba(100, 100, 0);
	size_t lossless_len, lossy_len, anim_len;
	uint8_t *lossless = make_webp(rgba, 100, 100, 1, 0, &lossless_len);
	uint8_t *lossy = make_webp(rgba, 100, 100, 0, 75, &lossy_len);
	uint8_t *anim = make_animated_webp(lossless, lossless_len, 100, 100, 60000, 60000, &anim_len);

	/* The real size, with a pixel budget just below and at it. */
	expect_status(lossless, lossless_len, 9999, IMAGE_TOO_MANY_PIXELS, "lossless WebP over budget");
	expect_status(lossless, lossless_len, 10000, IMAGE_OK, "lossless WebP just within budget");
	expect_status(lossy, lossy_len, 9999, IMAGE_TOO_MANY_PIXELS, "lossy WebP over budget");
	expect_status(lossy, lossy_len, 10000, IMAGE_OK, "lossy WebP just within budget");

	/* VP8L: the signature byte, then width - 1 and height - 1 in 14 bits each, little-endian. */
	ck_assert_int_eq(lossless[20], 0x2f);
	put_le32(lossless + 21, 16383u | 16383u << 14);
	expect_status(lossless, lossless_len, 0, IMAGE_TOO_MANY_PIXELS, "lossless WebP of 16384x16384");
	put_le32(lossless + 21, 16383u | 999u << 14);
	expect_status(lossless, lossless_len, 1000 * 1000, IMAGE_TOO_MANY_PIXELS, "lossless WebP of 16384x1000");

	/* VP8: width and height after the start code (2 bits of scaling above 14 of size). */
	ck_assert(memcmp(lossy + 23, "\x9d\x01\x2a", 3) == 0);
	put_le16(lossy + 26, 16383);
	put_le16(lossy + 28, 16383);
	expect_status(lossy, lossy_len, 0, IMAGE_TOO_MANY_PIXELS, "lossy WebP of 16383x16383");

	/* VP8X: a canvas of 60000x60000 (libwebp itself refuses 2^32 pixels or more as corrupt). */
	expect_status(anim, anim_len, 0, IMAGE_TOO_MANY_PIXELS, "WebP canvas of 60000x60000");

	free(anim);
	free(lossy);
	free(lossless);
	free(rgba);
}
END_TEST

/* Applies one to four random edits to a copy of seed; returns the new length. */
static size_t mutate(const uint8_t *seed, size_t len, uint8_t *buf, uint32_t *rng)
{
	static const uint8_t interesting[] = { 0x00, 0xff, 0x7f, 0x80, 0x01, 0xfe, 0x10 };
	size_t n = len;
	int edits = 1 + (int)(test_random(rng) % 4), e;

	memcpy(buf, seed, len);
	for (e = 0; e < edits && n > 1; e++) {
		/* Half the edits hit the first 64 bytes, where the headers are. */
		size_t span = (test_random(rng) & 1) && n > 64 ? 64 : n;
		size_t pos = test_random(rng) % span;

		switch (test_random(rng) % 5) {
		case 0:
			buf[pos] ^= (uint8_t)(1u << (test_random(rng) % 8));
			break;
		case 1:
			buf[pos] = interesting[test_random(rng) % sizeof(interesting)];
			break;
		case 2:
			n = 1 + test_random(rng) % n;
			break;
		case 3:
			buf[pos] = (uint8_t)test_random(rng);
			if (pos + 1 < n)
				buf[pos + 1] = 0xff;
			break;
		default: {
			size_t from = test_random(rng) % n, count = 1 + test_random(rng) % 32;

			if (from + count > n)
				count = n - from;
			if (pos + count > n)
				count = n - pos;
			memmove(buf + pos, buf + from, count);
			break;
		}
		}
	}
	return n;
}

START_TEST(test_fuzz_mutated_images)
{
	struct greymap *gm = gradient(24, 17);
	uint8_t *rgb = quarters_rgb(24, 16), *idx = stripes(12, 9);
	struct gif_frame frames[2] = { { 1, 1, 12, 9, 0, 2, NULL }, { 0, 0, 12, 9, 1, -1, NULL } };
	uint8_t *rgba = webp_test_rgba(11, 9, 1), *rgba_opaque = rgba_of_rgb(rgb, 24, 16);
	uint8_t cmyk[16 * 8 * 4];
	uint8_t *seeds[11];
	size_t lens[11], i, max_len = 0;
	uint32_t rng = 20240601;
	int counts[5] = { 0 }, iteration;
	uint8_t *buf;

	frames[0].indices = frames[1].indices = idx;
	for (i = 0; i < sizeof(cmyk); i++)
		cmyk[i] = (uint8_t)(i * 37);
	seeds[0] = make_png(gm, &lens[0]);
	seeds[1] = make_png_rgba(9, 7, &lens[1]);
	seeds[2] = make_jpeg_grey(gm, 80, &lens[2]);
	seeds[3] = make_jpeg(24, 16, 3, rgb, 75, 1, 6, &lens[3]);
	seeds[4] = make_jpeg(16, 8, 4, cmyk, 70, 0, 0, &lens[4]);
	seeds[5] = make_gif(14, 11, frames, 2, &lens[5]);
	seeds[6] = make_gif(12, 9, frames + 1, 1, &lens[6]);
	seeds[7] = make_jpeg(24, 16, 3, rgb, 75, 0, 3, &lens[7]);
	seeds[8] = make_webp(rgba, 11, 9, 1, 0, &lens[8]);
	seeds[9] = make_webp(rgba_opaque, 24, 16, 0, 70, &lens[9]);
	seeds[10] = make_webp(rgba, 11, 9, 0, 70, &lens[10]);
	for (i = 0; i < 11; i++)
		if (lens[i] > max_len)
			max_len = lens[i];
	buf = malloc(max_len);
	ck_assert_ptr_nonnull(buf);

	for (iteration = 0; iteration < 5500; iteration++) {
		size_t which = (size_t)iteration % 11, n;
		struct greymap *out = NULL;
		struct sirius_error err = { "" };
		enum image_decode_status status;
		uint8_t *exact;

		n = mutate(seeds[which], lens[which], buf, &rng);
		/* An exactly sized copy, so that any read past the end is caught by ASan. */
		exact = malloc(n);
		ck_assert_ptr_nonnull(exact);
		memcpy(exact, buf, n);
		if (iteration % 3 == 0)
			status = image_decode_for_width(exact, n, 1 << 18, 7, &out, &err);
		else
			status = image_decode(exact, n, 1 << 18, &out, &err);
		ck_assert_int_ge(status, IMAGE_OK);
		ck_assert_int_le(status, IMAGE_NO_MEMORY);
		counts[status]++;
		if (status == IMAGE_OK) {
			size_t px = (size_t)out->width * (size_t)out->height, k;
			unsigned sum = 0;

			ck_assert(bitmap_size_ok(out->width, out->height));
			ck_assert_uint_le(px, 1 << 18);
			for (k = 0; k < px; k++)
				sum += out->pixels[k];
			(void)sum;
			greymap_free(out);
		} else {
			ck_assert_ptr_null(out);
			ck_assert_msg(err.message[0] != '\0', "iteration %d: status %d without a reason", iteration,
				      status);
		}
		free(exact);
	}
	/* The mutations must both break images and leave some decodable. */
	ck_assert_int_gt(counts[IMAGE_OK], 100);
	ck_assert_int_gt(counts[IMAGE_CORRUPT], 100);
	ck_assert_int_eq(counts[IMAGE_NO_MEMORY], 0);
	free(buf);
	for (i = 0; i < 11; i++)
		free(seeds[i]);
	free(rgba_opaque);
	free(rgba);
	free(rgb);
	free(idx);
	greymap_free(gm);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("image_decode");
	TCase *sniff = tcase_create("sniff");
	TCase *formats = tcase_create("formats");
	TCase *hostile = tcase_create("hostile");

	tcase_add_test(sniff, test_sniff_every_format);
	tcase_add_test(sniff, test_png_labelled_jpeg_is_sniffed_as_png);
	tcase_add_test(sniff, test_unknown_is_unsupported);
	suite_add_tcase(s, sniff);

	tcase_set_timeout(formats, 60);
	tcase_add_test(formats, test_png_grey_and_rgba);
	tcase_add_test(formats, test_jpeg_grey);
	tcase_add_test(formats, test_jpeg_colour_baseline_and_progressive);
	tcase_add_test(formats, test_jpeg_cmyk);
	tcase_add_test(formats, test_jpeg_exif_orientation);
	tcase_add_test(formats, test_jpeg_dct_scaling_for_width);
	tcase_add_test(formats, test_photo_to_print);
	tcase_add_test(formats, test_gif_first_frame_with_transparency);
	tcase_add_test(formats, test_gif_interlaced_and_opaque);
	tcase_add_test(formats, test_webp_lossless_exact);
	tcase_add_test(formats, test_webp_lossless_alpha_on_white);
	tcase_add_test(formats, test_webp_lossy_colour_and_alpha);
	tcase_add_test(formats, test_webp_animation_is_unsupported);
	suite_add_tcase(s, formats);

	tcase_set_timeout(hostile, 120);
	tcase_add_test(hostile, test_truncated_and_corrupt_png);
	tcase_add_test(hostile, test_truncated_and_corrupt_jpeg);
	tcase_add_test(hostile, test_truncated_and_corrupt_gif);
	tcase_add_test(hostile, test_truncated_and_corrupt_webp);
	tcase_add_test(hostile, test_huge_declared_sizes);
	tcase_add_test(hostile, test_huge_declared_webp_sizes);
	tcase_add_test(hostile, test_fuzz_mutated_images);
	suite_add_tcase(s, hostile);
	return run_suite(s);
}
