/* bitmap_png.c: reading any PNG to grey and writing one-bit and grey PNGs, with libpng. */
#include "bitmap_png.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <png.h>

/* Largest ancillary chunk libpng may allocate while reading, and most of them kept. */
#define PNG_CHUNK_MALLOC_MAX ((png_alloc_size_t)8 * 1024 * 1024)
#define PNG_CHUNK_CACHE_MAX 256

/* The PNG being read, and what reading it has made so far. */
struct png_reader {
	png_structp png;                  /* libpng's read state */
	png_infop info;                   /* the image's header */
	const uint8_t *data;              /* the PNG */
	size_t len;                       /* bytes at data */
	size_t pos;                       /* bytes handed to libpng so far */
	size_t max_pixels;                /* the caller's bound on the pixel count */
	struct greymap *gm;               /* the result, once its size is known */
	uint8_t *rgba;                    /* one RGBA row, or the whole image when interlaced */
	char message[SIRIUS_ERROR_MAX];   /* why reading failed */
};

/* libpng's error callback: keeps the message and jumps back to png_read_run(). */
static void on_png_error(png_structp png, png_const_charp msg)
{
	char *message = png_get_error_ptr(png);

	snprintf(message, SIRIUS_ERROR_MAX, "%s", msg);
	png_longjmp(png, 1);
}

/* libpng's warning callback: warnings are not worth a word. */
static void on_png_warning(png_structp png, png_const_charp msg)
{
	(void)png;
	(void)msg;
}

/* libpng's read callback: hands out the bytes in memory; an error at their end. */
static void read_memory(png_structp png, png_bytep out, png_size_t n)
{
	struct png_reader *r = png_get_io_ptr(png);

	if (n > r->len - r->pos)
		png_error(png, "truncated PNG data");
	memcpy(out, r->data + r->pos, n);
	r->pos += n;
}

/*
 * Reads the image after the signature check, inside png_read_run()'s setjmp.
 * Returns 0 with r->gm filled, or -1 with r->message set; libpng's own errors
 * jump out instead.
 */
static int png_read_body(struct png_reader *r)
{
	png_uint_32 width, height, y;
	int bit_depth, color_type, interlace, passes, pass;
	size_t rowbytes, pixels, x;
	int has_trns;

	png_set_read_fn(r->png, r, read_memory);
	png_set_user_limits(r->png, BITMAP_MAX_SIDE, BITMAP_MAX_SIDE);
	png_set_chunk_malloc_max(r->png, PNG_CHUNK_MALLOC_MAX);
	png_set_chunk_cache_max(r->png, PNG_CHUNK_CACHE_MAX);
	png_read_info(r->png, r->info);
	png_get_IHDR(r->png, r->info, &width, &height, &bit_depth, &color_type, &interlace, NULL, NULL);
	if (!bitmap_size_ok((long)width, (long)height)) {
		snprintf(r->message, sizeof(r->message), "PNG of %lu x %lu pixels is out of bounds",
			 (unsigned long)width, (unsigned long)height);
		return -1;
	}
	pixels = (size_t)width * (size_t)height;
	if (pixels > r->max_pixels) {
		snprintf(r->message, sizeof(r->message), "PNG of %lu x %lu pixels is larger than %zu pixels",
			 (unsigned long)width, (unsigned long)height, r->max_pixels);
		return -1;
	}
	has_trns = png_get_valid(r->png, r->info, PNG_INFO_tRNS) != 0;
	if (color_type == PNG_COLOR_TYPE_PALETTE)
		png_set_palette_to_rgb(r->png);
	if (color_type == PNG_COLOR_TYPE_GRAY && bit_depth < 8)
		png_set_expand_gray_1_2_4_to_8(r->png);
	if (has_trns)
		png_set_tRNS_to_alpha(r->png);
	if (bit_depth == 16)
		png_set_scale_16(r->png);
	if (color_type == PNG_COLOR_TYPE_GRAY || color_type == PNG_COLOR_TYPE_GRAY_ALPHA)
		png_set_gray_to_rgb(r->png);
	if (!(color_type & PNG_COLOR_MASK_ALPHA) && !has_trns)
		png_set_add_alpha(r->png, 0xff, PNG_FILLER_AFTER);
	passes = png_set_interlace_handling(r->png);
	png_read_update_info(r->png, r->info);
	rowbytes = png_get_rowbytes(r->png, r->info);
	if (rowbytes != (size_t)width * 4) {
		snprintf(r->message, sizeof(r->message), "PNG did not convert to RGBA (%zu bytes a row)", rowbytes);
		return -1;
	}
	r->gm = greymap_new((int)width, (int)height);
	r->rgba = malloc(passes > 1 ? rowbytes * height : rowbytes);
	if (!r->gm || !r->rgba) {
		snprintf(r->message, sizeof(r->message), "out of memory for a %lu x %lu image",
			 (unsigned long)width, (unsigned long)height);
		return -1;
	}
	if (passes > 1) {
		for (pass = 0; pass < passes; pass++)
			for (y = 0; y < height; y++)
				png_read_row(r->png, r->rgba + (size_t)y * rowbytes, NULL);
		for (x = 0; x < pixels; x++)
			r->gm->pixels[x] = grey_on_white(r->rgba + 4 * x);
	} else {
		for (y = 0; y < height; y++) {
			uint8_t *out = r->gm->pixels + (size_t)y * width;

			png_read_row(r->png, r->rgba, NULL);
			for (x = 0; x < width; x++)
				out[x] = grey_on_white(r->rgba + 4 * x);
		}
	}
	png_read_end(r->png, NULL);
	return 0;
}

/* Runs png_read_body() with libpng's errors caught; 0 or -1 with r->message set. */
static int png_read_run(struct png_reader *r)
{
	if (setjmp(png_jmpbuf(r->png)))
		return -1;
	return png_read_body(r);
}

struct greymap *png_read_grey(const uint8_t *data, size_t len, size_t max_pixels, struct sirius_error *err)
{
	struct png_reader r;
	struct greymap *gm = NULL;

	memset(&r, 0, sizeof(r));
	if (!data || len < 8 || png_sig_cmp(data, 0, 8) != 0) {
		error_set(err, "not a PNG image");
		return NULL;
	}
	r.data = data;
	r.len = len;
	r.max_pixels = max_pixels;
	r.png = png_create_read_struct(PNG_LIBPNG_VER_STRING, r.message, on_png_error, on_png_warning);
	if (r.png)
		r.info = png_create_info_struct(r.png);
	if (!r.png || !r.info) {
		png_destroy_read_struct(r.png ? &r.png : NULL, NULL, NULL);
		error_set(err, "out of memory for a PNG reader");
		return NULL;
	}
	if (png_read_run(&r) == 0) {
		gm = r.gm;
		r.gm = NULL;
	} else {
		error_set(err, "invalid PNG: %s", r.message[0] ? r.message : "unknown error");
	}
	png_destroy_read_struct(&r.png, &r.info, NULL);
	free(r.rgba);
	greymap_free(r.gm);
	return gm;
}

struct bitmap *png_read_bitmap(const uint8_t *data, size_t len, size_t max_pixels, struct sirius_error *err)
{
	struct greymap *gm = png_read_grey(data, len, max_pixels, err);
	struct bitmap *bm;

	if (!gm)
		return NULL;
	bm = bitmap_from_greymap_threshold(gm);
	greymap_free(gm);
	if (!bm)
		error_set(err, "out of memory for a bitmap");
	return bm;
}

/* A PNG being written: a one-bit bitmap or an 8-bit greymap to a stream. */
struct png_writer {
	png_structp png;                /* libpng's write state */
	png_infop info;                 /* the image's header */
	FILE *f;                        /* where the PNG goes */
	int width;                      /* pixels per row */
	int height;                     /* rows */
	const uint8_t *pixels;          /* the image, row-major */
	int one_bit;                    /* 1: pixels are a bitmap (1 black), 0: a greymap */
	uint8_t *row;                   /* one packed row */
	char message[SIRIUS_ERROR_MAX]; /* why writing failed */
};

/* Writes the image inside png_write_run()'s setjmp; libpng's errors jump out. */
static void png_write_body(struct png_writer *w)
{
	int y, x;

	png_init_io(w->png, w->f);
	png_set_IHDR(w->png, w->info, (png_uint_32)w->width, (png_uint_32)w->height, w->one_bit ? 1 : 8,
		     PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	png_write_info(w->png, w->info);
	for (y = 0; y < w->height; y++) {
		const uint8_t *in = w->pixels + (size_t)y * (size_t)w->width;

		if (w->one_bit) {
			memset(w->row, 0, ((size_t)w->width + 7) / 8);
			/* PNG grey 1 is white: set the bit of every paper pixel. */
			for (x = 0; x < w->width; x++)
				if (!in[x])
					w->row[x >> 3] |= (uint8_t)(0x80 >> (x & 7));
			png_write_row(w->png, w->row);
		} else {
			png_write_row(w->png, in);
		}
	}
	png_write_end(w->png, NULL);
}

/* Runs png_write_body() with libpng's errors caught; 0 or -1 with w->message set. */
static int png_write_run(struct png_writer *w)
{
	if (setjmp(png_jmpbuf(w->png)))
		return -1;
	png_write_body(w);
	return 0;
}

/*
 * Writes an image of width x height (one_bit: a bitmap, else a greymap) to f.
 * Returns 0, or -1 with a reason in err; f stays open either way.
 */
static int write_png(FILE *f, int width, int height, const uint8_t *pixels, int one_bit, struct sirius_error *err)
{
	struct png_writer w;
	int rc;

	if (!pixels || !bitmap_size_ok(width, height))
		return error_set(err, "invalid image to write as PNG");
	memset(&w, 0, sizeof(w));
	w.f = f;
	w.width = width;
	w.height = height;
	w.pixels = pixels;
	w.one_bit = one_bit;
	w.row = malloc(((size_t)width + 7) / 8);
	w.png = png_create_write_struct(PNG_LIBPNG_VER_STRING, w.message, on_png_error, on_png_warning);
	if (w.png)
		w.info = png_create_info_struct(w.png);
	if (!w.row || !w.png || !w.info) {
		png_destroy_write_struct(w.png ? &w.png : NULL, NULL);
		free(w.row);
		return error_set(err, "out of memory for a PNG writer");
	}
	rc = png_write_run(&w);
	if (rc < 0)
		error_set(err, "cannot write PNG: %s", w.message[0] ? w.message : "unknown error");
	png_destroy_write_struct(&w.png, &w.info);
	free(w.row);
	return rc;
}

/* Writes an image into a malloc'd buffer through a memory stream; 0, or -1 with a reason. */
static int write_png_memory(int width, int height, const uint8_t *pixels, int one_bit, uint8_t **out,
			    size_t *out_len, struct sirius_error *err)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);
	int rc;

	if (!f)
		return error_set(err, "cannot open a memory stream: %s", strerror(errno));
	rc = write_png(f, width, height, pixels, one_bit, err);
	if (fclose(f) != 0 && rc == 0)
		rc = error_set(err, "cannot finish the PNG in memory: %s", strerror(errno));
	if (rc < 0) {
		free(buf);
		return -1;
	}
	*out = (uint8_t *)buf;
	*out_len = size;
	return 0;
}

int png_write_bitmap(const struct bitmap *bm, uint8_t **out, size_t *out_len, struct sirius_error *err)
{
	if (!bm)
		return error_set(err, "no bitmap to write");
	return write_png_memory(bm->width, bm->height, bm->pixels, 1, out, out_len, err);
}

int png_write_greymap(const struct greymap *gm, uint8_t **out, size_t *out_len, struct sirius_error *err)
{
	if (!gm)
		return error_set(err, "no greymap to write");
	return write_png_memory(gm->width, gm->height, gm->pixels, 0, out, out_len, err);
}

int png_write_bitmap_file(const struct bitmap *bm, const char *path, struct sirius_error *err)
{
	FILE *f;
	int rc;

	if (!bm || !path)
		return error_set(err, "no bitmap or path to write");
	f = fopen(path, "wbe");
	if (!f)
		return error_set(err, "cannot create %s: %s", path, strerror(errno));
	rc = write_png(f, bm->width, bm->height, bm->pixels, 1, err);
	if (fclose(f) != 0 && rc == 0)
		rc = error_set(err, "cannot write %s: %s", path, strerror(errno));
	if (rc < 0)
		unlink(path);
	return rc;
}

int png_read_file(const char *path, uint8_t **data, size_t *len, struct sirius_error *err)
{
	struct stat st;
	uint8_t *buf;
	size_t size, got = 0;
	int fd;

	if (!path)
		return error_set(err, "no path to read");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return error_set(err, "cannot open %s: %s", path, strerror(errno));
	if (fstat(fd, &st) != 0) {
		error_set(err, "cannot stat %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode) || st.st_size < 0 || (unsigned long long)st.st_size > PNG_FILE_MAX_BYTES) {
		error_set(err, "%s is not a regular file of at most %zu bytes", path, PNG_FILE_MAX_BYTES);
		close(fd);
		return -1;
	}
	size = (size_t)st.st_size;
	buf = malloc(size > 0 ? size : 1);
	if (!buf) {
		close(fd);
		return error_set(err, "out of memory for %zu bytes of %s", size, path);
	}
	while (got < size) {
		ssize_t n = read(fd, buf + got, size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			error_set(err, "cannot read %s: %s", path, n < 0 ? strerror(errno) : "file shrank");
			free(buf);
			close(fd);
			return -1;
		}
		got += (size_t)n;
	}
	close(fd);
	*data = buf;
	*len = size;
	return 0;
}
