/* bitmap_png.c: reading any PNG to grey and writing one-bit and grey PNGs, with libpng. */
#include "bitmap_png.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <png.h>
#include <zlib.h>

/* Largest ancillary chunk libpng may allocate while reading, and most of them kept. */
#define PNG_CHUNK_MALLOC_MAX ((png_alloc_size_t)8 * 1024 * 1024)
#define PNG_CHUNK_CACHE_MAX 256

/* What libpng's own buffers need besides the image: a few rows of the widest pixels, zlib's state. */
#define PNG_ROW_BUFFERS 4
#define PNG_ZLIB_BYTES ((size_t)64 * 1024)

/* The PNG being read, and what reading it has made so far. */
struct png_reader {
	png_structp png;                  /* libpng's read state */
	png_infop info;                   /* the image's header */
	const uint8_t *data;              /* the PNG */
	size_t len;                       /* bytes at data */
	size_t pos;                       /* bytes handed to libpng so far */
	size_t max_pixels;                /* the caller's bound on the pixel count */
	size_t budget;                    /* bytes the whole decode may hold at once, the image included */
	size_t held;                      /* bytes held now: the image and libpng's allocations */
	int over_budget;                  /* an allocation was refused for the budget */
	int want_bits;                    /* 1: read a one-bit grey PNG into a packed bitmap */
	struct greymap *gm;               /* the grey result, once its size is known */
	struct bitmap *bm;                /* the one-bit result (want_bits), once its size is known */
	char message[SIRIUS_ERROR_MAX];   /* why reading failed */
};

/* The header in front of every block handed to libpng: its size, for the budget when it is freed. */
union png_block {
	size_t size;       /* bytes asked for */
	max_align_t align; /* keeps what follows aligned for any type */
};

/* libpng's allocator: counts every block against the budget and refuses the one that would exceed it. */
static png_voidp budget_malloc(png_structp png, png_alloc_size_t size)
{
	struct png_reader *r = png_get_mem_ptr(png);
	union png_block *b;

	if (size > r->budget || r->held > r->budget - size || size > SIZE_MAX - sizeof(*b)) {
		r->over_budget = 1;
		return NULL;
	}
	b = malloc(sizeof(*b) + size);
	if (!b)
		return NULL;
	b->size = size;
	r->held += size;
	return b + 1;
}

static void budget_free(png_structp png, png_voidp ptr)
{
	struct png_reader *r = png_get_mem_ptr(png);
	union png_block *b;

	if (!ptr)
		return;
	b = (union png_block *)ptr - 1;
	r->held -= b->size;
	free(b);
}

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
 * libpng's last transformation of every row: folds grey+alpha, RGB or RGBA
 * (8 bits a sample by then) into one grey byte a pixel, composited on white
 * with grey_on_white(), the formula every decoder of ours shares. The row is
 * rewritten in place, front to back, which never overtakes what it reads.
 */
static void row_to_grey(png_structp png, png_row_infop row, png_bytep data)
{
	png_uint_32 x, n = row->width;
	uint8_t px[4];

	(void)png;
	switch (row->channels) {
	case 2:
		for (x = 0; x < n; x++) {
			px[0] = px[1] = px[2] = data[2 * x];
			px[3] = data[2 * x + 1];
			data[x] = grey_on_white(px);
		}
		break;
	case 3:
		for (x = 0; x < n; x++) {
			memcpy(px, data + 3 * x, 3);
			px[3] = 255;
			data[x] = grey_on_white(px);
		}
		break;
	case 4:
		for (x = 0; x < n; x++)
			data[x] = grey_on_white(data + 4 * x);
		break;
	default:
		return;
	}
	row->channels = 1;
	row->color_type = PNG_COLOR_TYPE_GRAY;
	row->bit_depth = 8;
	row->pixel_depth = 8;
	row->rowbytes = n;
}

/* Bytes, rounded up to whole MiB, for messages. */
static size_t mib(size_t bytes)
{
	return bytes / (1024 * 1024) + (bytes % (1024 * 1024) != 0);
}

/*
 * Sets up libpng's transformations: a one-bit grey image straight into packed
 * rows (inverted: PNG's 1 is white, ours black); anything else to 8-bit grey
 * (palettes and low bit depths expanded, 16 bits scaled, tRNS made alpha, and
 * colour and alpha folded by row_to_grey). Clears r->want_bits when the
 * image is not one-bit grey.
 */
static void set_transforms(struct png_reader *r, int bit_depth, int color_type, int has_trns)
{
	if (r->want_bits && bit_depth == 1 && color_type == PNG_COLOR_TYPE_GRAY && !has_trns) {
		png_set_invert_mono(r->png);
		return;
	}
	r->want_bits = 0;
	if (color_type == PNG_COLOR_TYPE_PALETTE)
		png_set_palette_to_rgb(r->png);
	if (color_type == PNG_COLOR_TYPE_GRAY && bit_depth < 8)
		png_set_expand_gray_1_2_4_to_8(r->png);
	if (has_trns)
		png_set_tRNS_to_alpha(r->png);
	if (bit_depth == 16)
		png_set_scale_16(r->png);
	if (color_type != PNG_COLOR_TYPE_GRAY || has_trns) {
		png_set_read_user_transform_fn(r->png, row_to_grey);
		png_set_user_transform_info(r->png, NULL, 8, 1);
	}
}

/*
 * Reads the image after the signature check, inside png_read_run()'s setjmp.
 * Returns 0 with r->gm (or r->bm) filled, or -1 with r->message set; libpng's
 * own errors jump out instead. Memory is checked against the budget from the
 * header before anything of the image's size is allocated; the image is
 * decoded row by row into the result, even when interlaced.
 */
static int png_read_body(struct png_reader *r)
{
	png_uint_32 width, height, y;
	int bit_depth, color_type, interlace, passes, pass;
	size_t rowbytes, want_rowbytes, image_bytes, need;
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
	if ((size_t)width * (size_t)height > r->max_pixels) {
		snprintf(r->message, sizeof(r->message), "PNG of %lu x %lu pixels is larger than %zu pixels",
			 (unsigned long)width, (unsigned long)height, r->max_pixels);
		return -1;
	}
	has_trns = png_get_valid(r->png, r->info, PNG_INFO_tRNS) != 0;
	set_transforms(r, bit_depth, color_type, has_trns);
	passes = png_set_interlace_handling(r->png);
	png_read_update_info(r->png, r->info);
	rowbytes = png_get_rowbytes(r->png, r->info);
	want_rowbytes = r->want_bits ? bitmap_stride((int)width) : (size_t)width;
	if (rowbytes != want_rowbytes) {
		snprintf(r->message, sizeof(r->message), "PNG did not convert to %s (%zu bytes a row)",
			 r->want_bits ? "one bit" : "grey", rowbytes);
		return -1;
	}
	/* The result, plus libpng's rows at the widest the file stores (16-bit RGBA) and zlib. */
	image_bytes = want_rowbytes * (size_t)height;
	need = image_bytes + PNG_ROW_BUFFERS * 8 * (size_t)width + PNG_ZLIB_BYTES;
	if (need > r->budget || r->held > r->budget - need) {
		snprintf(r->message, sizeof(r->message),
			 "PNG of %lu x %lu pixels needs %zu MiB of memory to decode, more than the %zu MiB allowed",
			 (unsigned long)width, (unsigned long)height, mib(need + r->held), mib(r->budget));
		return -1;
	}
	if (r->want_bits)
		r->bm = bitmap_new((int)width, (int)height);
	else
		r->gm = greymap_new((int)width, (int)height);
	if (!r->gm && !r->bm) {
		snprintf(r->message, sizeof(r->message), "out of memory for a %lu x %lu image",
			 (unsigned long)width, (unsigned long)height);
		return -1;
	}
	r->held += image_bytes;
	for (pass = 0; pass < passes; pass++)
		for (y = 0; y < height; y++)
			png_read_row(r->png,
				     r->bm ? bitmap_row(r->bm, (int)y) : r->gm->pixels + (size_t)y * width, NULL);
	png_read_end(r->png, NULL);
	if (r->bm && (width & 7) != 0) {
		/* Keep the bitmap's invariant: no ink after a row's last pixel. */
		uint8_t mask = bitmap_last_byte_mask((int)width);

		for (y = 0; y < height; y++)
			bitmap_row(r->bm, (int)y)[r->bm->stride - 1] &= mask;
	}
	return 0;
}

/* Runs png_read_body() with libpng's errors caught; 0 or -1 with r->message set. */
static int png_read_run(struct png_reader *r)
{
	if (setjmp(png_jmpbuf(r->png)))
		return -1;
	return png_read_body(r);
}

/*
 * Reads data into r->gm (or r->bm when r->want_bits and the PNG is one-bit
 * grey). Returns 0, or -1 with a reason in err.
 */
static int png_read_any(struct png_reader *r, const uint8_t *data, size_t len, struct sirius_error *err)
{
	int rc = -1;

	if (!data || len < 8 || png_sig_cmp(data, 0, 8) != 0)
		return error_set(err, "not a PNG image");
	r->data = data;
	r->len = len;
	r->png = png_create_read_struct_2(PNG_LIBPNG_VER_STRING, r->message, on_png_error, on_png_warning, r,
					  budget_malloc, budget_free);
	if (r->png)
		r->info = png_create_info_struct(r->png);
	if (!r->png || !r->info) {
		png_destroy_read_struct(r->png ? &r->png : NULL, NULL, NULL);
		return error_set(err, "out of memory for a PNG reader");
	}
	if (png_read_run(r) == 0)
		rc = 0;
	else if (r->over_budget)
		error_set(err, "invalid PNG: decoding it needs more than the %zu MiB of memory allowed",
			  mib(r->budget));
	else
		error_set(err, "invalid PNG: %s", r->message[0] ? r->message : "unknown error");
	png_destroy_read_struct(&r->png, &r->info, NULL);
	if (rc < 0) {
		greymap_free(r->gm);
		bitmap_free(r->bm);
		r->gm = NULL;
		r->bm = NULL;
	}
	return rc;
}

/* The default budget for images of up to max_pixels pixels: one byte each, and libpng's working memory. */
static size_t default_budget(size_t max_pixels)
{
	return max_pixels > SIZE_MAX - PNG_READ_WORKSPACE ? SIZE_MAX : max_pixels + PNG_READ_WORKSPACE;
}

struct greymap *png_read_grey_budget(const uint8_t *data, size_t len, size_t max_pixels, size_t max_bytes,
				     struct sirius_error *err)
{
	struct png_reader r;

	memset(&r, 0, sizeof(r));
	r.max_pixels = max_pixels;
	r.budget = max_bytes;
	if (png_read_any(&r, data, len, err) < 0)
		return NULL;
	return r.gm;
}

struct greymap *png_read_grey(const uint8_t *data, size_t len, size_t max_pixels, struct sirius_error *err)
{
	return png_read_grey_budget(data, len, max_pixels, default_budget(max_pixels), err);
}

struct bitmap *png_read_bitmap(const uint8_t *data, size_t len, size_t max_pixels, struct sirius_error *err)
{
	struct png_reader r;
	struct bitmap *bm;

	memset(&r, 0, sizeof(r));
	r.max_pixels = max_pixels;
	r.budget = default_budget(max_pixels);
	r.want_bits = 1;
	if (png_read_any(&r, data, len, err) < 0)
		return NULL;
	if (r.bm)
		return r.bm;
	bm = bitmap_from_greymap_threshold(r.gm);
	greymap_free(r.gm);
	if (!bm)
		error_set(err, "out of memory for a bitmap");
	return bm;
}

/* A PNG being written: a packed one-bit bitmap or an 8-bit greymap to a stream. */
struct png_writer {
	png_structp png;                /* libpng's write state */
	png_infop info;                 /* the image's header */
	FILE *f;                        /* where the PNG goes */
	int width;                      /* pixels per row */
	int height;                     /* rows */
	const uint8_t *rows;            /* the image: rows of row_bytes from the top */
	size_t row_bytes;               /* bytes from one row to the next */
	int one_bit;                    /* 1: rows are packed one-bit (1 black), 0: 8-bit grey */
	char message[SIRIUS_ERROR_MAX]; /* why writing failed */
};

/* Writes the image inside png_write_run()'s setjmp; libpng's errors jump out. */
static void png_write_body(struct png_writer *w)
{
	int y;

	png_init_io(w->png, w->f);
	png_set_IHDR(w->png, w->info, (png_uint_32)w->width, (png_uint_32)w->height, w->one_bit ? 1 : 8,
		     PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	/*
	 * Every print stores its bitmap as a one-bit PNG, written while the
	 * sender waits: zlib's fastest level takes half the time of its default
	 * on a text print for a fifth more bytes (1-bit rows compress well
	 * either way).
	 */
	if (w->one_bit)
		png_set_compression_level(w->png, Z_BEST_SPEED);
	png_write_info(w->png, w->info);
	/* PNG grey 1 is white, our 1 is ink: libpng inverts each row on its own copy. */
	if (w->one_bit)
		png_set_invert_mono(w->png);
	for (y = 0; y < w->height; y++)
		png_write_row(w->png, w->rows + (size_t)y * w->row_bytes);
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
 * Writes an image of width x height (one_bit: packed rows of a bitmap, else
 * a greymap's bytes) to f. Returns 0, or -1 with a reason in err; f stays
 * open either way.
 */
static int write_png(FILE *f, int width, int height, const uint8_t *rows, int one_bit, struct sirius_error *err)
{
	struct png_writer w;
	int rc;

	if (!rows || !bitmap_size_ok(width, height))
		return error_set(err, "invalid image to write as PNG");
	memset(&w, 0, sizeof(w));
	w.f = f;
	w.width = width;
	w.height = height;
	w.rows = rows;
	w.row_bytes = one_bit ? bitmap_stride(width) : (size_t)width;
	w.one_bit = one_bit;
	w.png = png_create_write_struct(PNG_LIBPNG_VER_STRING, w.message, on_png_error, on_png_warning);
	if (w.png)
		w.info = png_create_info_struct(w.png);
	if (!w.png || !w.info) {
		png_destroy_write_struct(w.png ? &w.png : NULL, NULL);
		return error_set(err, "out of memory for a PNG writer");
	}
	rc = png_write_run(&w);
	if (rc < 0)
		error_set(err, "cannot write PNG: %s", w.message[0] ? w.message : "unknown error");
	png_destroy_write_struct(&w.png, &w.info);
	return rc;
}

/* Writes an image into a malloc'd buffer through a memory stream; 0, or -1 with a reason. */
static int write_png_memory(int width, int height, const uint8_t *rows, int one_bit, uint8_t **out,
			    size_t *out_len, struct sirius_error *err)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);
	int rc;

	if (!f)
		return error_set(err, "cannot open a memory stream: %s", strerror(errno));
	rc = write_png(f, width, height, rows, one_bit, err);
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

/* Whether bm is a bitmap write_png can take as it is. */
static int bitmap_ok(const struct bitmap *bm)
{
	return bm && bm->bits && bm->stride == bitmap_stride(bm->width);
}

int png_write_bitmap(const struct bitmap *bm, uint8_t **out, size_t *out_len, struct sirius_error *err)
{
	if (!bitmap_ok(bm))
		return error_set(err, "no bitmap to write");
	return write_png_memory(bm->width, bm->height, bm->bits, 1, out, out_len, err);
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

	if (!bitmap_ok(bm) || !path)
		return error_set(err, "no bitmap or path to write");
	f = fopen(path, "wbe");
	if (!f)
		return error_set(err, "cannot create %s: %s", path, strerror(errno));
	rc = write_png(f, bm->width, bm->height, bm->bits, 1, err);
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
