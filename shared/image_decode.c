/* image_decode.c: uploaded images to grey: sniffing, JPEG over libjpeg, GIF over giflib, WebP over libwebp, PNG via bitmap_png. */
#include "image_decode.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gif_lib.h>
#include <jpeglib.h>
#include <jerror.h>
#include <webp/decode.h>

#include "bitmap_png.h"

/* Progressive JPEGs with more scans than this are refused (a known decoder DoS). */
#define JPEG_MAX_SCANS 500

/* Corrupt-data warnings tolerated in one JPEG before it counts as corrupt. */
#define JPEG_MAX_WARNINGS 100

enum image_format image_sniff(const uint8_t *data, size_t len)
{
	static const uint8_t png_magic[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };

	if (!data)
		return IMAGE_FORMAT_UNKNOWN;
	if (len >= 8 && memcmp(data, png_magic, 8) == 0)
		return IMAGE_FORMAT_PNG;
	if (len >= 3 && data[0] == 0xff && data[1] == 0xd8 && data[2] == 0xff)
		return IMAGE_FORMAT_JPEG;
	if (len >= 6 && (memcmp(data, "GIF87a", 6) == 0 || memcmp(data, "GIF89a", 6) == 0))
		return IMAGE_FORMAT_GIF;
	if (len >= 12 && memcmp(data, "RIFF", 4) == 0 && memcmp(data + 8, "WEBP", 4) == 0)
		return IMAGE_FORMAT_WEBP;
	return IMAGE_FORMAT_UNKNOWN;
}

const char *image_format_name(enum image_format format)
{
	switch (format) {
	case IMAGE_FORMAT_PNG:
		return "PNG";
	case IMAGE_FORMAT_JPEG:
		return "JPEG";
	case IMAGE_FORMAT_GIF:
		return "GIF";
	case IMAGE_FORMAT_WEBP:
		return "WebP";
	case IMAGE_FORMAT_UNKNOWN:
		break;
	}
	return "unknown";
}

const char *image_decode_status_name(enum image_decode_status status)
{
	switch (status) {
	case IMAGE_OK:
		return "ok";
	case IMAGE_UNSUPPORTED:
		return "unsupported format";
	case IMAGE_CORRUPT:
		return "corrupt image";
	case IMAGE_TOO_MANY_PIXELS:
		return "image too large";
	case IMAGE_NO_MEMORY:
		return "out of memory";
	}
	return "unknown status";
}

/*
 * Whether a declared width x height may be decoded under limit pixels.
 * Returns IMAGE_OK, IMAGE_CORRUPT for an empty size, or IMAGE_TOO_MANY_PIXELS.
 */
static enum image_decode_status check_declared_size(const char *format, unsigned long width,
						    unsigned long height, size_t limit,
						    struct sirius_error *err)
{
	if (width == 0 || height == 0) {
		error_set(err, "%s image declares an empty size (%lux%lu)", format, width, height);
		return IMAGE_CORRUPT;
	}
	if (width > BITMAP_MAX_SIDE || height > BITMAP_MAX_SIDE ||
	    (size_t)width * (size_t)height > limit) {
		error_set(err, "%s image of %lux%lu pixels is larger than the %zu pixels allowed",
			  format, width, height, limit);
		return IMAGE_TOO_MANY_PIXELS;
	}
	return IMAGE_OK;
}

/* Grey value of an RGB colour (ITU-R BT.601 weights summing to 256: white stays 255). */
static inline uint8_t grey_of_rgb(unsigned r, unsigned g, unsigned b)
{
	return (uint8_t)((r * 77 + g * 150 + b * 29 + 128) >> 8);
}

/* ---- PNG ------------------------------------------------------------------ */

static uint32_t read_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/*
 * Checks the IHDR size, then decodes with png_read_grey.
 * Returns IMAGE_CORRUPT for a missing IHDR or undecodable data, IMAGE_TOO_MANY_PIXELS.
 */
static enum image_decode_status decode_png(const uint8_t *data, size_t len, size_t limit,
					   struct greymap **out, struct sirius_error *err)
{
	enum image_decode_status status;

	if (len < 24 || memcmp(data + 12, "IHDR", 4) != 0) {
		error_set(err, "PNG image does not start with an IHDR chunk");
		return IMAGE_CORRUPT;
	}
	status = check_declared_size("PNG", read_be32(data + 16), read_be32(data + 20), limit, err);
	if (status != IMAGE_OK)
		return status;
	*out = png_read_grey(data, len, limit, err);
	return *out ? IMAGE_OK : IMAGE_CORRUPT;
}

/* ---- JPEG ----------------------------------------------------------------- */

/* Everything one JPEG decode owns; on the heap so that it survives a longjmp intact. */
struct jpeg_job {
	struct jpeg_decompress_struct cinfo; /* libjpeg's decoder */
	struct jpeg_error_mgr jerr;          /* error handler: fatal errors jump to env */
	struct jpeg_progress_mgr progress;   /* counts the scans of progressive images */
	jmp_buf env;                         /* set in decode_jpeg, where every failure lands */
	enum image_decode_status status;     /* the status to report after a jump */
	int warnings;                        /* corrupt-data warnings seen so far */
	struct sirius_error *err;            /* the caller's error, may be NULL */
	struct greymap *gm;                  /* the image being filled, or NULL */
	uint8_t *row;                        /* one CMYK scanline, or NULL */
};

/* Records the reason for job's failure and jumps back to decode_jpeg. Does not return. */
static void jpeg_fail(struct jpeg_job *job, enum image_decode_status status) __attribute__((noreturn));
static void jpeg_fail(struct jpeg_job *job, enum image_decode_status status)
{
	job->status = status;
	longjmp(job->env, 1);
}

/* libjpeg's fatal-error hook: formats its message into the caller's error, then jumps. */
static void jpeg_error_exit(j_common_ptr cinfo) __attribute__((noreturn));
static void jpeg_error_exit(j_common_ptr cinfo)
{
	struct jpeg_job *job = cinfo->client_data;
	char message[JMSG_LENGTH_MAX];

	(*cinfo->err->format_message)(cinfo, message);
	error_set(job->err, "JPEG: %s", message);
	jpeg_fail(job, cinfo->err->msg_code == JERR_OUT_OF_MEMORY ? IMAGE_NO_MEMORY : IMAGE_CORRUPT);
}

/*
 * libjpeg's message hook: trace messages are dropped; a truncated file, or
 * too many corrupt-data warnings, is fatal; other warnings are tolerated (many
 * cameras write a few stray bytes).
 */
static void jpeg_emit_message(j_common_ptr cinfo, int msg_level)
{
	struct jpeg_job *job = cinfo->client_data;

	if (msg_level >= 0)
		return;
	if (cinfo->err->msg_code == JWRN_JPEG_EOF || ++job->warnings > JPEG_MAX_WARNINGS)
		jpeg_error_exit(cinfo);
}

/* libjpeg's progress hook: refuses progressive images with absurdly many scans. */
static void jpeg_progress(j_common_ptr cinfo)
{
	struct jpeg_job *job = cinfo->client_data;
	j_decompress_ptr dinfo = (j_decompress_ptr)cinfo;

	if (cinfo->is_decompressor && dinfo->input_scan_number > JPEG_MAX_SCANS) {
		error_set(job->err, "JPEG image has more than %d scans", JPEG_MAX_SCANS);
		jpeg_fail(job, IMAGE_CORRUPT);
	}
}

static unsigned read_u16(const uint8_t *p, int little_endian)
{
	return little_endian ? (unsigned)p[0] | (unsigned)p[1] << 8 : (unsigned)p[0] << 8 | p[1];
}

static uint32_t read_u32(const uint8_t *p, int little_endian)
{
	return little_endian ? (uint32_t)read_u16(p, 1) | (uint32_t)read_u16(p + 2, 1) << 16
			     : (uint32_t)read_u16(p, 0) << 16 | (uint32_t)read_u16(p + 2, 0);
}

/*
 * The EXIF orientation (1..8) in the first Exif APP1 marker saved by libjpeg,
 * or 1 (as stored) when there is none or it cannot be read.
 */
static int exif_orientation(const struct jpeg_marker_struct *marker)
{
	for (; marker; marker = marker->next) {
		const uint8_t *tiff = marker->data + 6;
		size_t n, ifd, count, i;
		int le;

		if (marker->marker != JPEG_APP0 + 1 || marker->data_length < 6 + 8 ||
		    memcmp(marker->data, "Exif\0\0", 6) != 0)
			continue;
		n = marker->data_length - 6;
		if (tiff[0] == 'I' && tiff[1] == 'I')
			le = 1;
		else if (tiff[0] == 'M' && tiff[1] == 'M')
			le = 0;
		else
			return 1;
		if (read_u16(tiff + 2, le) != 42)
			return 1;
		ifd = read_u32(tiff + 4, le);
		if (ifd > n || n - ifd < 2)
			return 1;
		count = read_u16(tiff + ifd, le);
		for (i = 0; i < count; i++) {
			size_t entry = ifd + 2 + 12 * i;

			if (entry > n || n - entry < 12)
				return 1;
			if (read_u16(tiff + entry, le) == 0x0112) {
				unsigned value = read_u16(tiff + entry + 8, le);

				if (read_u16(tiff + entry + 2, le) != 3 || value < 1 || value > 8)
					return 1;
				return (int)value;
			}
		}
		return 1;
	}
	return 1;
}

/*
 * A new greymap showing src as EXIF orientation o (1..8) says it should be
 * seen: 2 mirrored, 3 turned 180 degrees, 4 flipped, 5 transposed, 6 turned
 * 90 degrees clockwise, 7 transversed, 8 turned 90 degrees anticlockwise.
 * NULL when out of memory.
 */
static struct greymap *greymap_orient(const struct greymap *src, int o)
{
	int w = src->width, h = src->height;
	int swap = o >= 5;
	struct greymap *dst = greymap_new(swap ? h : w, swap ? w : h);
	int x, y;

	if (!dst)
		return NULL;
	for (y = 0; y < dst->height; y++) {
		uint8_t *d = dst->pixels + (size_t)y * (size_t)dst->width;

		for (x = 0; x < dst->width; x++) {
			int sx, sy;

			switch (o) {
			case 2: sx = w - 1 - x; sy = y; break;
			case 3: sx = w - 1 - x; sy = h - 1 - y; break;
			case 4: sx = x; sy = h - 1 - y; break;
			case 5: sx = y; sy = x; break;
			case 6: sx = y; sy = h - 1 - x; break;
			case 7: sx = w - 1 - y; sy = h - 1 - x; break;
			case 8: sx = w - 1 - y; sy = x; break;
			default: sx = x; sy = y; break;
			}
			d[x] = src->pixels[(size_t)sy * (size_t)w + (size_t)sx];
		}
	}
	return dst;
}

/* The smallest n (1..8) for which n/8 of along is still at least target pixels. */
static unsigned jpeg_scale_eighths(unsigned long along, int target)
{
	unsigned n;

	for (n = 1; n < 8; n++)
		if ((along * n + 7) / 8 >= (unsigned long)target)
			return n;
	return 8;
}

/*
 * The body of a JPEG decode, into job->gm. Fatal libjpeg errors jump out to
 * decode_jpeg; other failures are returned (IMAGE_TOO_MANY_PIXELS, IMAGE_CORRUPT,
 * IMAGE_NO_MEMORY) with job->err set.
 */
static enum image_decode_status jpeg_run(struct jpeg_job *job, const uint8_t *data, size_t len,
					 size_t limit, int target_width, int *orientation)
{
	j_decompress_ptr c = &job->cinfo;
	enum image_decode_status status;
	JSAMPROW rows[16];
	int cmyk;

	jpeg_mem_src(c, data, (unsigned long)len);
	jpeg_save_markers(c, JPEG_APP0 + 1, 0xffff);
	jpeg_read_header(c, TRUE);
	status = check_declared_size("JPEG", c->image_width, c->image_height, limit, job->err);
	if (status != IMAGE_OK)
		return status;
	*orientation = exif_orientation(c->marker_list);

	cmyk = c->jpeg_color_space == JCS_CMYK || c->jpeg_color_space == JCS_YCCK;
	c->out_color_space = cmyk ? JCS_CMYK : JCS_GRAYSCALE;
	if (target_width > 0) {
		unsigned long along = *orientation >= 5 ? c->image_height : c->image_width;

		if (along > (unsigned long)target_width) {
			c->scale_num = jpeg_scale_eighths(along, target_width);
			c->scale_denom = 8;
		}
	}
	jpeg_start_decompress(c);
	if (c->output_components != (cmyk ? 4 : 1)) {
		error_set(job->err, "JPEG image decodes to %d components", c->output_components);
		return IMAGE_CORRUPT;
	}
	job->gm = greymap_new((int)c->output_width, (int)c->output_height);
	if (!job->gm) {
		error_set(job->err, "out of memory for a %ux%u image", c->output_width, c->output_height);
		return IMAGE_NO_MEMORY;
	}
	if (cmyk) {
		job->row = malloc((size_t)c->output_width * 4);
		if (!job->row) {
			error_set(job->err, "out of memory for a JPEG scanline");
			return IMAGE_NO_MEMORY;
		}
	}
	while (c->output_scanline < c->output_height) {
		JDIMENSION first = c->output_scanline, got, i;
		uint8_t *dst = job->gm->pixels + (size_t)first * c->output_width;

		if (cmyk) {
			rows[0] = job->row;
			got = jpeg_read_scanlines(c, rows, 1);
			/* Adobe writes CMYK inverted (255 = no ink); others store the amount of ink. */
			for (i = 0; got && i < c->output_width; i++) {
				const uint8_t *p = job->row + 4 * (size_t)i;
				unsigned cy = p[0], m = p[1], ye = p[2], k = p[3];

				if (!c->saw_Adobe_marker) {
					cy = 255 - cy;
					m = 255 - m;
					ye = 255 - ye;
					k = 255 - k;
				}
				dst[i] = grey_of_rgb(cy * k / 255, m * k / 255, ye * k / 255);
			}
		} else {
			JDIMENSION want = c->output_height - first;

			if (want > sizeof(rows) / sizeof(rows[0]))
				want = sizeof(rows) / sizeof(rows[0]);
			for (i = 0; i < want; i++)
				rows[i] = dst + (size_t)i * c->output_width;
			got = jpeg_read_scanlines(c, rows, want);
		}
		if (got == 0) {
			error_set(job->err, "JPEG decoder returned no scanlines");
			return IMAGE_CORRUPT;
		}
	}
	jpeg_finish_decompress(c);
	return IMAGE_OK;
}

/*
 * Decodes a JPEG to grey, scaled down by libjpeg when target_width allows, the
 * EXIF orientation applied. Returns IMAGE_OK, IMAGE_CORRUPT (libjpeg's message),
 * IMAGE_TOO_MANY_PIXELS or IMAGE_NO_MEMORY.
 */
static enum image_decode_status decode_jpeg(const uint8_t *data, size_t len, size_t limit,
					    int target_width, struct greymap **out,
					    struct sirius_error *err)
{
	struct jpeg_job *job = calloc(1, sizeof(*job));
	enum image_decode_status status;
	int orientation = 1;

	if (!job) {
		error_set(err, "out of memory for a JPEG decoder");
		return IMAGE_NO_MEMORY;
	}
	job->err = err;
	job->cinfo.err = jpeg_std_error(&job->jerr);
	job->jerr.error_exit = jpeg_error_exit;
	job->jerr.emit_message = jpeg_emit_message;
	job->progress.progress_monitor = jpeg_progress;
	job->cinfo.client_data = job;
	/* Only job (never changed below) is read after a jump; what it points to is on the heap. */
	if (setjmp(job->env)) {
		status = job->status;
		jpeg_destroy_decompress(&job->cinfo);
		greymap_free(job->gm);
		free(job->row);
		free(job);
		return status;
	}
	jpeg_create_decompress(&job->cinfo);
	job->cinfo.client_data = job;
	job->cinfo.progress = &job->progress;
	/* Coefficient buffers of progressive images: up to 2 bytes a pixel for each of 4 components. */
	job->cinfo.mem->max_memory_to_use = (long)(limit * 10 + (size_t)32 * 1024 * 1024);
	status = jpeg_run(job, data, len, limit, target_width, &orientation);
	jpeg_destroy_decompress(&job->cinfo);
	free(job->row);
	if (status == IMAGE_OK && orientation != 1) {
		struct greymap *turned = greymap_orient(job->gm, orientation);

		if (!turned) {
			error_set(err, "out of memory turning a JPEG image");
			status = IMAGE_NO_MEMORY;
		}
		greymap_free(job->gm);
		job->gm = turned;
	}
	if (status == IMAGE_OK)
		*out = job->gm;
	else
		greymap_free(job->gm);
	free(job);
	return status;
}

/* ---- GIF ------------------------------------------------------------------ */

/* The bytes giflib reads a GIF from. */
struct gif_source {
	const uint8_t *data; /* the whole file */
	size_t len;          /* its length */
	size_t pos;          /* bytes already handed to giflib */
};

/* giflib's input hook: copies up to n bytes; returns how many (0 at the end). */
static int gif_read(GifFileType *gif, GifByteType *buf, int n)
{
	struct gif_source *src = gif->UserData;
	size_t want = n > 0 ? (size_t)n : 0;

	if (want > src->len - src->pos)
		want = src->len - src->pos;
	memcpy(buf, src->data + src->pos, want);
	src->pos += want;
	return (int)want;
}

/*
 * Reads records up to the first image descriptor, remembering the transparent
 * index of a graphics control extension before it (-1 when there is none).
 * Returns IMAGE_OK or IMAGE_CORRUPT.
 */
static enum image_decode_status gif_find_first_image(GifFileType *gif, int *transparent,
						     struct sirius_error *err)
{
	*transparent = NO_TRANSPARENT_COLOR;
	for (;;) {
		GifRecordType type;
		GifByteType *ext;
		int code;

		if (DGifGetRecordType(gif, &type) == GIF_ERROR)
			break;
		if (type == IMAGE_DESC_RECORD_TYPE)
			return IMAGE_OK;
		if (type == TERMINATE_RECORD_TYPE) {
			error_set(err, "GIF image has no frame");
			return IMAGE_CORRUPT;
		}
		if (type != EXTENSION_RECORD_TYPE)
			continue;
		if (DGifGetExtension(gif, &code, &ext) == GIF_ERROR)
			break;
		if (code == GRAPHICS_EXT_FUNC_CODE && ext && ext[0] >= 4) {
			GraphicsControlBlock gcb;

			if (DGifExtensionToGCB(ext[0], ext + 1, &gcb) == GIF_OK)
				*transparent = gcb.TransparentColor;
		}
		while (ext)
			if (DGifGetExtensionNext(gif, &ext) == GIF_ERROR)
				goto failed;
	}
failed:
	error_set(err, "GIF: %s", GifErrorString(gif->Error));
	return IMAGE_CORRUPT;
}

/*
 * Decodes the first frame of an open GIF onto a white canvas the size of the
 * logical screen (grown to hold the frame). Returns IMAGE_OK, IMAGE_CORRUPT,
 * IMAGE_TOO_MANY_PIXELS or IMAGE_NO_MEMORY.
 */
static enum image_decode_status gif_first_frame(GifFileType *gif, size_t limit,
						struct greymap **out, struct sirius_error *err)
{
	static const int pass_start[4] = { 0, 4, 2, 1 }, pass_step[4] = { 8, 8, 4, 2 };
	enum image_decode_status status;
	const ColorMapObject *map;
	uint8_t grey[256];
	GifPixelType *line = NULL;
	struct greymap *gm = NULL;
	long left, top, fw, fh, cw, ch;
	int transparent, i, pass, y;

	status = check_declared_size("GIF", (unsigned long)(gif->SWidth > 0 ? gif->SWidth : 1),
				     (unsigned long)(gif->SHeight > 0 ? gif->SHeight : 1), limit, err);
	if (status != IMAGE_OK)
		return status;
	status = gif_find_first_image(gif, &transparent, err);
	if (status != IMAGE_OK)
		return status;
	if (DGifGetImageDesc(gif) == GIF_ERROR) {
		error_set(err, "GIF: %s", GifErrorString(gif->Error));
		return IMAGE_CORRUPT;
	}
	left = gif->Image.Left;
	top = gif->Image.Top;
	fw = gif->Image.Width;
	fh = gif->Image.Height;
	if (left < 0 || top < 0 || fw <= 0 || fh <= 0) {
		error_set(err, "GIF frame has a bad position or size (%ldx%ld at %ld,%ld)", fw, fh, left, top);
		return IMAGE_CORRUPT;
	}
	cw = gif->SWidth > left + fw ? gif->SWidth : left + fw;
	ch = gif->SHeight > top + fh ? gif->SHeight : top + fh;
	status = check_declared_size("GIF", (unsigned long)cw, (unsigned long)ch, limit, err);
	if (status != IMAGE_OK)
		return status;
	map = gif->Image.ColorMap ? gif->Image.ColorMap : gif->SColorMap;
	if (!map || !map->Colors || map->ColorCount <= 0) {
		error_set(err, "GIF frame has no colour map");
		return IMAGE_CORRUPT;
	}
	memset(grey, 0, sizeof(grey));
	for (i = 0; i < map->ColorCount && i < 256; i++)
		grey[i] = grey_of_rgb(map->Colors[i].Red, map->Colors[i].Green, map->Colors[i].Blue);
	if (transparent >= 0 && transparent < 256)
		grey[transparent] = 255;

	gm = greymap_new((int)cw, (int)ch);
	line = malloc((size_t)fw);
	if (!gm || !line) {
		error_set(err, "out of memory for a %ldx%ld GIF image", cw, ch);
		status = IMAGE_NO_MEMORY;
		goto done;
	}
	for (pass = gif->Image.Interlace ? 0 : 3; pass < 4; pass++) {
		int start = gif->Image.Interlace ? pass_start[pass] : 0;
		int step = gif->Image.Interlace ? pass_step[pass] : 1;

		for (y = start; y < fh; y += step) {
			uint8_t *dst = gm->pixels + (size_t)(top + y) * (size_t)cw + (size_t)left;
			long x;

			if (DGifGetLine(gif, line, (int)fw) == GIF_ERROR) {
				error_set(err, "GIF: %s", GifErrorString(gif->Error));
				status = IMAGE_CORRUPT;
				goto done;
			}
			for (x = 0; x < fw; x++)
				dst[x] = grey[line[x]];
		}
	}
	*out = gm;
	gm = NULL;
done:
	free(line);
	greymap_free(gm);
	return status;
}

/* Decodes the first frame of a GIF. Returns IMAGE_OK or the failure of gif_first_frame. */
static enum image_decode_status decode_gif(const uint8_t *data, size_t len, size_t limit,
					   struct greymap **out, struct sirius_error *err)
{
	struct gif_source src = { data, len, 0 };
	enum image_decode_status status;
	GifFileType *gif;
	int code = 0;

	gif = DGifOpen(&src, gif_read, &code);
	if (!gif) {
		error_set(err, "GIF: %s", GifErrorString(code));
		return code == D_GIF_ERR_NOT_ENOUGH_MEM ? IMAGE_NO_MEMORY : IMAGE_CORRUPT;
	}
	status = gif_first_frame(gif, limit, out, err);
	DGifCloseFile(gif, &code);
	return status;
}

/* ---- WebP ----------------------------------------------------------------- */

/* What libwebp's status means, for an error message. */
static const char *webp_status_text(VP8StatusCode code)
{
	switch (code) {
	case VP8_STATUS_OK:
		return "no error";
	case VP8_STATUS_OUT_OF_MEMORY:
		return "out of memory";
	case VP8_STATUS_INVALID_PARAM:
		return "invalid parameter";
	case VP8_STATUS_BITSTREAM_ERROR:
		return "bitstream error";
	case VP8_STATUS_UNSUPPORTED_FEATURE:
		return "unsupported feature";
	case VP8_STATUS_SUSPENDED:
		return "decoding suspended";
	case VP8_STATUS_USER_ABORT:
		return "decoding aborted";
	case VP8_STATUS_NOT_ENOUGH_DATA:
		return "truncated data";
	}
	return "unknown error";
}

/* The image_decode status for a libwebp failure: memory, an unsupported feature, else corrupt. */
static enum image_decode_status webp_status(VP8StatusCode code)
{
	if (code == VP8_STATUS_OUT_OF_MEMORY)
		return IMAGE_NO_MEMORY;
	if (code == VP8_STATUS_UNSUPPORTED_FEATURE)
		return IMAGE_UNSUPPORTED;
	return IMAGE_CORRUPT;
}

/*
 * Reads the size a WebP declares (its VP8X canvas, else its VP8 or VP8L
 * header) and checks it before anything of that size is allocated, then
 * decodes it to straight RGBA in a buffer of ours and composites that on
 * white. Returns IMAGE_OK, IMAGE_CORRUPT (truncated or malformed),
 * IMAGE_TOO_MANY_PIXELS, IMAGE_UNSUPPORTED (an animation, or another feature
 * libwebp refuses) or IMAGE_NO_MEMORY.
 */
static enum image_decode_status decode_webp(const uint8_t *data, size_t len, size_t limit,
					    struct greymap **out, struct sirius_error *err)
{
	WebPDecoderConfig config;
	enum image_decode_status status;
	VP8StatusCode code;
	struct greymap *gm;
	uint8_t *rgba;
	size_t px, i;

	if (!WebPInitDecoderConfig(&config)) {
		error_set(err, "WebP: libwebp's decoder version does not match its headers");
		return IMAGE_UNSUPPORTED;
	}
	code = WebPGetFeatures(data, len, &config.input);
	if (code != VP8_STATUS_OK) {
		error_set(err, "WebP image header unreadable: %s", webp_status_text(code));
		return code == VP8_STATUS_OUT_OF_MEMORY ? IMAGE_NO_MEMORY : IMAGE_CORRUPT;
	}
	status = check_declared_size("WebP", (unsigned long)(config.input.width > 0 ? config.input.width : 0),
				     (unsigned long)(config.input.height > 0 ? config.input.height : 0), limit, err);
	if (status != IMAGE_OK)
		return status;
	if (config.input.has_animation) {
		error_set(err, "animated WebP images are not supported; send a still image "
			       "(PNG, JPEG, GIF or a single-frame WebP)");
		return IMAGE_UNSUPPORTED;
	}

	px = (size_t)config.input.width * (size_t)config.input.height;
	gm = greymap_new(config.input.width, config.input.height);
	rgba = malloc(px * 4);
	if (!gm || !rgba) {
		error_set(err, "out of memory for a %dx%d WebP image", config.input.width, config.input.height);
		status = IMAGE_NO_MEMORY;
		goto done;
	}
	config.output.colorspace = MODE_RGBA;
	config.output.is_external_memory = 1;
	config.output.u.RGBA.rgba = rgba;
	config.output.u.RGBA.stride = config.input.width * 4;
	config.output.u.RGBA.size = px * 4;
	code = WebPDecode(data, len, &config);
	if (code != VP8_STATUS_OK) {
		error_set(err, "WebP: %s", webp_status_text(code));
		status = webp_status(code);
		goto done;
	}
	if (config.output.width != gm->width || config.output.height != gm->height) {
		error_set(err, "WebP image decoded to %dx%d, not the %dx%d it declares", config.output.width,
			  config.output.height, gm->width, gm->height);
		status = IMAGE_CORRUPT;
		goto done;
	}
	for (i = 0; i < px; i++)
		gm->pixels[i] = grey_on_white(rgba + 4 * i);
	*out = gm;
	gm = NULL;
done:
	WebPFreeDecBuffer(&config.output);
	free(rgba);
	greymap_free(gm);
	return status;
}

/* ---- entry points --------------------------------------------------------- */

enum image_decode_status image_decode_for_width(const uint8_t *data, size_t len, size_t max_pixels,
						int target_width, struct greymap **out,
						struct sirius_error *err)
{
	size_t limit = max_pixels == 0 || max_pixels > BITMAP_MAX_PIXELS ? BITMAP_MAX_PIXELS : max_pixels;
	enum image_format format = image_sniff(data, len);

	*out = NULL;
	switch (format) {
	case IMAGE_FORMAT_PNG:
		return decode_png(data, len, limit, out, err);
	case IMAGE_FORMAT_JPEG:
		return decode_jpeg(data, len, limit, target_width, out, err);
	case IMAGE_FORMAT_GIF:
		return decode_gif(data, len, limit, out, err);
	case IMAGE_FORMAT_WEBP:
		return decode_webp(data, len, limit, out, err);
	case IMAGE_FORMAT_UNKNOWN:
		break;
	}
	error_set(err, "not a PNG, JPEG, GIF or WebP image (%zu bytes)", len);
	return IMAGE_UNSUPPORTED;
}

enum image_decode_status image_decode(const uint8_t *data, size_t len, size_t max_pixels,
				      struct greymap **out, struct sirius_error *err)
{
	return image_decode_for_width(data, len, max_pixels, 0, out, err);
}
