/* html_tree.c: an HTML message parsed by libxml2 and walked into the page's paragraphs, images and rules. */
#include "html_layout.h"
#include "html_layout_impl.h"
#include "html_style.h"

#include <limits.h>
#include <math.h>
#include <string.h>

#include <glib.h>
#include <libxml/HTMLparser.h>
#include <libxml/tree.h>
#include <pango/pango.h>

#include "base64.h"
#include "image_scale.h"

/* A paragraph longer than this (in bytes) is laid out in pieces, split at a space or line break. */
#define PARAGRAPH_CHUNK_BYTES 2048

/* A paragraph piece is cut even without a space once it is this long. */
#define PARAGRAPH_HARD_BYTES 4096

/* Smallest and largest font size we draw, in pixels. */
#define FONT_PX_MIN 4.0
#define FONT_PX_MAX 192.0

/* How often (in nodes) the walk looks at the clock. */
#define TIME_CHECK_NODES 32

/* The inherited text style of an element. */
struct inline_style {
	enum css_family family;       /* never CSS_FAMILY_INHERIT */
	double size_px;               /* font size in pixels, FONT_PX_MIN..FONT_PX_MAX */
	int weight;                   /* 100..900 */
	int italic;                   /* nonzero for italic */
	int underline;                /* nonzero for underlined */
	int strike;                   /* nonzero for struck through */
	double rise_px;               /* baseline shift (sub negative, sup positive) */
	enum css_transform transform; /* never CSS_TRANSFORM_INHERIT */
	int pre;                      /* white space kept as written */
};

/* The box paragraphs are laid out in. */
struct box {
	int left;            /* indent from the page's left edge */
	int right;           /* indent from the page's right edge */
	enum css_align align; /* never CSS_ALIGN_INHERIT */
};

/* The list an <li> belongs to. */
struct list_state {
	int ordered; /* numbered (ol) rather than bulleted (ul) */
	int counter; /* the number of the next item */
	int level;   /* 1 for a list not inside another one */
};

/* State of one walk over a document. */
struct walker {
	struct layout_page *page;    /* where paragraphs go */
	GString *text;               /* inline text of the open paragraph */
	PangoAttrList *attrs;        /* its attributes */
	int has_content;             /* the open paragraph is to be laid out even if blank */
	PangoLayout *marker;         /* list marker for the next paragraph, or NULL */
	int marker_gap;              /* its distance from the text */
	int stop;                    /* nonzero: the page is full or a limit was hit */
	enum render_status status;   /* the first failure */
	struct sirius_error *err;    /* where its reason goes */
	unsigned nodes;              /* nodes seen, for clock checks */
};

/* How an element takes part in the layout. */
enum tag_kind {
	TAG_INLINE = 0, /* text-level, and every tag we do not know */
	TAG_SKIP,       /* never rendered, nor its content */
	TAG_BLOCK,      /* starts and ends a paragraph */
	TAG_BR,         /* a line break */
	TAG_IMG,        /* an image (data: URIs only) */
	TAG_HR,         /* a horizontal rule */
	TAG_LIST,       /* ul, ol, menu, dir */
	TAG_LI,         /* a list item */
	TAG_ROW,        /* a table row: one paragraph */
	TAG_CELL,       /* a table cell: separated from the previous one */
};

/* What a tag does by default. */
struct tag_info {
	const char *name;      /* lower-case tag name */
	enum tag_kind kind;    /* its role */
	double margin_em;      /* margin above and below, in its own ems */
	double size;           /* font size relative to the parent's; 0 keeps it */
	int weight;            /* font weight; 0 keeps it */
	int italic;            /* 1 sets italic */
	int underline;         /* 1 underlines */
	int strike;            /* 1 strikes through */
	enum css_family family; /* CSS_FAMILY_INHERIT keeps it */
	int pre;               /* 1 keeps white space */
	int indent;            /* 1 indents both sides (blockquote) */
	enum css_align align;  /* CSS_ALIGN_INHERIT keeps it */
	double rise_em;        /* baseline shift in the parent's ems */
};

static const struct tag_info tags[] = {
	{ "script", TAG_SKIP, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 },
	{ "style", TAG_SKIP, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 },
	{ "head", TAG_SKIP, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 },
	{ "title", TAG_SKIP, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 },
	{ "template", TAG_SKIP, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 },
	{ "meta", TAG_SKIP, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 },
	{ "link", TAG_SKIP, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 },
	{ "iframe", TAG_SKIP, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 },
	{ "object", TAG_SKIP, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 },
	{ "embed", TAG_SKIP, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 },
	{ "html", TAG_BLOCK, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 },
	{ "body", TAG_BLOCK, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 },
	{ "div", TAG_BLOCK, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 },
	{ "p", TAG_BLOCK, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 },
	{ "h1", TAG_BLOCK, 0.67, 2.0, 700, 0, 0, 0, 0, 0, 0, 0, 0 },
	{ "h2", TAG_BLOCK, 0.83, 1.5, 700, 0, 0, 0, 0, 0, 0, 0, 0 },
	{ "h3", TAG_BLOCK, 1.0, 1.17, 700, 0, 0, 0, 0, 0, 0, 0, 0 },
	{ "h4", TAG_BLOCK, 1.33, 1.0, 700, 0, 0, 0, 0, 0, 0, 0, 0 },
	{ "h5", TAG_BLOCK, 1.67, 0.83, 700, 0, 0, 0, 0, 0, 0, 0, 0 },
	{ "h6", TAG_BLOCK, 2.33, 0.67, 700, 0, 0, 0, 0, 0, 0, 0, 0 },
	{ "blockquote", TAG_BLOCK, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0 },
	{ "figure", TAG_BLOCK, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0 },
	{ "pre", TAG_BLOCK, 1, 0, 0, 0, 0, 0, CSS_FAMILY_MONO, 1, 0, 0, 0 },
	{ "listing", TAG_BLOCK, 1, 0, 0, 0, 0, 0, CSS_FAMILY_MONO, 1, 0, 0, 0 },
	{ "xmp", TAG_BLOCK, 1, 0, 0, 0, 0, 0, CSS_FAMILY_MONO, 1, 0, 0, 0 },
	{ "plaintext", TAG_BLOCK, 0, 0, 0, 0, 0, 0, CSS_FAMILY_MONO, 1, 0, 0, 0 },
	{ "center", TAG_BLOCK, 0, 0, 0, 0, 0, 0, 0, 0, 0, CSS_ALIGN_CENTER, 0 },
	{ "address", TAG_BLOCK, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0 },
	{ "article", TAG_BLOCK, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 },
	{ "section", TAG_BLOCK, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 },
	{ "header", TAG_BLOCK, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 },
	{ "footer", TAG_BLOCK, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 },
	{ "main", TAG_BLOCK, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 },
	{ "nav", TAG_BLOCK, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 },
	{ "aside", TAG_BLOCK, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 },
	{ "figcaption", TAG_BLOCK, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 },
	{ "details", TAG_BLOCK, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 },
	{ "summary", TAG_BLOCK, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 },
	{ "form", TAG_BLOCK, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 },
	{ "fieldset", TAG_BLOCK, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 },
	{ "dl", TAG_BLOCK, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 },
	{ "dt", TAG_BLOCK, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 },
	{ "dd", TAG_BLOCK, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0 },
	{ "table", TAG_BLOCK, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 },
	{ "caption", TAG_BLOCK, 0, 0, 0, 0, 0, 0, 0, 0, 0, CSS_ALIGN_CENTER, 0 },
	{ "tr", TAG_ROW, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 },
	{ "td", TAG_CELL, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 },
	{ "th", TAG_CELL, 0, 0, 700, 0, 0, 0, 0, 0, 0, 0, 0 },
	{ "ul", TAG_LIST, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 },
	{ "ol", TAG_LIST, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 },
	{ "menu", TAG_LIST, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 },
	{ "dir", TAG_LIST, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 },
	{ "li", TAG_LI, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 },
	{ "br", TAG_BR, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 },
	{ "img", TAG_IMG, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 },
	{ "hr", TAG_HR, 0.5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 },
	{ "b", TAG_INLINE, 0, 0, 700, 0, 0, 0, 0, 0, 0, 0, 0 },
	{ "strong", TAG_INLINE, 0, 0, 700, 0, 0, 0, 0, 0, 0, 0, 0 },
	{ "i", TAG_INLINE, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0 },
	{ "em", TAG_INLINE, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0 },
	{ "cite", TAG_INLINE, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0 },
	{ "var", TAG_INLINE, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0 },
	{ "dfn", TAG_INLINE, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0 },
	{ "u", TAG_INLINE, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0 },
	{ "ins", TAG_INLINE, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0 },
	{ "s", TAG_INLINE, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0 },
	{ "strike", TAG_INLINE, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0 },
	{ "del", TAG_INLINE, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0 },
	{ "small", TAG_INLINE, 0, 1.0 / 1.2, 0, 0, 0, 0, 0, 0, 0, 0, 0 },
	{ "big", TAG_INLINE, 0, 1.2, 0, 0, 0, 0, 0, 0, 0, 0, 0 },
	{ "sub", TAG_INLINE, 0, 1.0 / 1.2, 0, 0, 0, 0, 0, 0, 0, 0, -0.25 },
	{ "sup", TAG_INLINE, 0, 1.0 / 1.2, 0, 0, 0, 0, 0, 0, 0, 0, 0.4 },
	{ "code", TAG_INLINE, 0, 0, 0, 0, 0, 0, CSS_FAMILY_MONO, 0, 0, 0, 0 },
	{ "tt", TAG_INLINE, 0, 0, 0, 0, 0, 0, CSS_FAMILY_MONO, 0, 0, 0, 0 },
	{ "kbd", TAG_INLINE, 0, 0, 0, 0, 0, 0, CSS_FAMILY_MONO, 0, 0, 0, 0 },
	{ "samp", TAG_INLINE, 0, 0, 0, 0, 0, 0, CSS_FAMILY_MONO, 0, 0, 0, 0 },
};

/* The default role of a tag; NULL for tags we render as plain inline text. */
static const struct tag_info *tag_lookup(const char *name)
{
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(tags); i++) {
		if (!strcmp(tags[i].name, name))
			return &tags[i];
	}
	return NULL;
}

/* The attribute name of el as a string owned by the caller (xmlFree), or NULL. */
static char *attr(xmlNode *el, const char *name)
{
	return (char *)xmlGetProp(el, (const xmlChar *)name);
}

/* Stops the walk with a failure (the first one is kept). */
static void walker_fail(struct walker *w, enum render_status st)
{
	if (w->status == RENDER_OK)
		w->status = st;
	w->stop = 1;
}

/* The Pango family list of one of our families. */
static const char *family_name(enum css_family family)
{
	switch (family) {
	case CSS_FAMILY_SERIF:
		return "DejaVu Serif, serif";
	case CSS_FAMILY_MONO:
		return "DejaVu Sans Mono, monospace";
	default:
		return "DejaVu Sans, sans-serif";
	}
}

/* A new font description of is (the caller frees it). */
static PangoFontDescription *style_font(const struct inline_style *is)
{
	PangoFontDescription *fd = pango_font_description_new();

	pango_font_description_set_family_static(fd, family_name(is->family));
	pango_font_description_set_absolute_size(fd, is->size_px * PANGO_SCALE);
	pango_font_description_set_weight(fd, (PangoWeight)is->weight);
	pango_font_description_set_style(fd, is->italic ? PANGO_STYLE_ITALIC : PANGO_STYLE_NORMAL);
	return fd;
}

/* Gives bytes [start, end) of the open paragraph the attributes of is. */
static void add_run_attrs(struct walker *w, size_t start, size_t end, const struct inline_style *is)
{
	PangoFontDescription *fd;
	PangoAttribute *a;

	if (end <= start)
		return;
	fd = style_font(is);
	a = pango_attr_font_desc_new(fd);
	pango_font_description_free(fd);
	a->start_index = (guint)start;
	a->end_index = (guint)end;
	pango_attr_list_insert(w->attrs, a);
	if (is->underline) {
		a = pango_attr_underline_new(PANGO_UNDERLINE_SINGLE);
		a->start_index = (guint)start;
		a->end_index = (guint)end;
		pango_attr_list_insert(w->attrs, a);
	}
	if (is->strike) {
		a = pango_attr_strikethrough_new(TRUE);
		a->start_index = (guint)start;
		a->end_index = (guint)end;
		pango_attr_list_insert(w->attrs, a);
	}
	if (is->rise_px != 0.0) {
		a = pango_attr_rise_new((int)lround(is->rise_px * PANGO_SCALE));
		a->start_index = (guint)start;
		a->end_index = (guint)end;
		pango_attr_list_insert(w->attrs, a);
	}
}

static PangoAlignment pango_align(enum css_align align)
{
	switch (align) {
	case CSS_ALIGN_CENTER:
		return PANGO_ALIGN_CENTER;
	case CSS_ALIGN_RIGHT:
		return PANGO_ALIGN_RIGHT;
	default:
		return PANGO_ALIGN_LEFT;
	}
}

/* The width paragraphs of bx get. */
static int box_width(const struct walker *w, const struct box *bx)
{
	int width = page_width(w->page) - bx->left - bx->right;

	return width > 1 ? width : 1;
}

/*
 * Lays out the open paragraph in bx (is gives the height of an empty line),
 * if it has anything to show, and starts a new one.
 */
static void flush(struct walker *w, const struct box *bx, const struct inline_style *is)
{
	PangoLayout *layout;
	PangoFontDescription *fd;
	enum render_status st;

	if (w->stop)
		return;
	while (w->text->len > 0 && w->text->str[w->text->len - 1] == ' ')
		g_string_truncate(w->text, w->text->len - 1);
	if (w->text->len == 0 && !w->has_content)
		return;
	/* A line break that ends a paragraph makes no empty line. */
	if (w->text->len > 0 && w->text->str[w->text->len - 1] == '\n')
		g_string_truncate(w->text, w->text->len - 1);
	layout = page_new_layout(w->page, box_width(w, bx));
	fd = style_font(is);
	pango_layout_set_font_description(layout, fd);
	pango_font_description_free(fd);
	pango_layout_set_alignment(layout, pango_align(bx->align));
	pango_layout_set_justify(layout, bx->align == CSS_ALIGN_JUSTIFY);
	pango_layout_set_text(layout, w->text->str, (int)w->text->len);
	page_no_hyphens(w->attrs);
	pango_layout_set_attributes(layout, w->attrs);
	st = page_add_layout(w->page, layout, bx->left, w->marker, w->marker_gap, w->err);
	w->marker = NULL;
	pango_attr_list_unref(w->attrs);
	w->attrs = pango_attr_list_new();
	g_string_truncate(w->text, 0);
	w->has_content = 0;
	if (st != RENDER_OK)
		walker_fail(w, st);
	else if (page_full(w->page))
		w->stop = 1;
}

/* Whether c is white space that HTML collapses. */
static int html_space(gunichar c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

/* The last character of the open paragraph, or 0 when it is empty. */
static gunichar last_char(const struct walker *w)
{
	const char *p;

	if (w->text->len == 0)
		return 0;
	p = g_utf8_find_prev_char(w->text->str, w->text->str + w->text->len);
	return p ? g_utf8_get_char(p) : 0;
}

/* c as text-transform asks, given the character before it. */
static gunichar transform_char(gunichar c, gunichar prev, enum css_transform t)
{
	switch (t) {
	case CSS_TRANSFORM_UPPER:
		return g_unichar_toupper(c);
	case CSS_TRANSFORM_LOWER:
		return g_unichar_tolower(c);
	case CSS_TRANSFORM_CAPITALIZE:
		if (prev == 0 || g_unichar_isspace(prev) || prev == 0x2003)
			return g_unichar_totitle(c);
		return c;
	default:
		return c;
	}
}

/*
 * Appends text (UTF-8 from libxml2) to the open paragraph in style is,
 * collapsing white space unless is->pre. A very long paragraph is laid out in
 * pieces, split at spaces.
 */
static void append_text(struct walker *w, const char *text, const struct inline_style *is,
			const struct box *bx)
{
	size_t start = w->text->len;
	const char *p = text;

	if (w->stop || !g_utf8_validate(text, -1, NULL))
		return;
	while (*p) {
		gunichar c = g_utf8_get_char(p);
		int breakable = 0;

		p = g_utf8_next_char(p);
		if (is->pre) {
			if (c == '\r') {
				if (*p == '\n')
					continue;
				c = '\n';
			}
			if (c == '\n' || c == '\t' || c == ' ')
				breakable = 1;
			if (c == '\n' || c == '\t' || c >= 0x20)
				g_string_append_unichar(w->text, c);
			w->has_content = 1;
		} else if (html_space(c)) {
			gunichar prev = last_char(w);

			if (prev != 0 && prev != ' ' && prev != '\n') {
				g_string_append_c(w->text, ' ');
				breakable = 1;
			}
		} else if (c >= 0x20 && (c < 0x7f || c > 0x9f)) {
			g_string_append_unichar(w->text, transform_char(c, last_char(w), is->transform));
			w->has_content = 1;
		}
		if ((breakable && w->text->len >= PARAGRAPH_CHUNK_BYTES) ||
		    w->text->len >= PARAGRAPH_HARD_BYTES) {
			struct box piece = *bx;

			add_run_attrs(w, start, w->text->len, is);
			piece.align = bx->align == CSS_ALIGN_JUSTIFY ? CSS_ALIGN_LEFT : bx->align;
			flush(w, &piece, is);
			if (w->stop)
				return;
			start = 0;
		}
	}
	add_run_attrs(w, start, w->text->len, is);
}

/* Bytes of a data: URI's payload (malloc'd, *len bytes); NULL when src is not a usable data: URI. */
static uint8_t *data_uri_bytes(const char *src, size_t *len)
{
	const char *comma, *meta;
	uint8_t *out;

	while (g_ascii_isspace(*src))
		src++;
	if (g_ascii_strncasecmp(src, "data:", 5) != 0)
		return NULL;
	meta = src + 5;
	comma = strchr(meta, ',');
	if (!comma)
		return NULL;
	if (comma - meta >= 7 && !g_ascii_strncasecmp(comma - 7, ";base64", 7)) {
		GString *clean = g_string_sized_new(strlen(comma));
		const char *p;

		for (p = comma + 1; *p; p++) {
			if (!g_ascii_isspace(*p))
				g_string_append_c(clean, *p);
		}
		while (clean->len % 4 == 2 || clean->len % 4 == 3)
			g_string_append_c(clean, '=');
		out = base64_decode_alloc(clean->str, clean->len, len);
		g_string_free(clean, TRUE);
		return out;
	} else {
		GBytes *bytes = g_uri_unescape_bytes(comma + 1, -1, NULL, NULL);
		gsize n;
		const void *d;

		if (!bytes)
			return NULL;
		d = g_bytes_get_data(bytes, &n);
		out = g_malloc(n + 1);
		memcpy(out, d, n);
		*len = n;
		g_bytes_unref(bytes);
		return out;
	}
}

/* A length from an HTML width/height attribute ("120", "50%"); CSS_UNSET when absent or bad. */
static struct css_length attr_length(xmlNode *el, const char *name)
{
	struct css_length len = { CSS_UNSET, 0 };
	char *v = attr(el, name);
	char *end;
	double d;

	if (!v)
		return len;
	d = g_ascii_strtod(v, &end);
	if (end != v && isfinite(d) && d > 0) {
		while (*end == ' ')
			end++;
		if (*end == '%') {
			len.unit = CSS_PERCENT;
			len.value = d;
		} else if (*end == '\0' || !g_ascii_strcasecmp(end, "px")) {
			len.unit = CSS_PX;
			len.value = d;
		}
	}
	xmlFree(v);
	return len;
}

/*
 * Lays out an <img>: only data: URIs are used (nothing is fetched), sized by
 * the width/height attributes or CSS (px or % of the box), else its own size
 * up to the box's width. An image that does not decode is left out; the
 * pixel budget and the clock are limits.
 */
static void walk_img(struct walker *w, xmlNode *el, const struct css_style *css,
		     const struct inline_style *is, const struct box *bx)
{
	char *src = attr(el, "src");
	uint8_t *bytes;
	size_t len = 0;
	struct greymap *gm = NULL, *scaled, view;
	struct css_length wl = css->width.unit ? css->width : attr_length(el, "width");
	struct css_length hl = css->height.unit ? css->height : attr_length(el, "height");
	int avail = box_width(w, bx);
	int width, height, rows, x;
	enum render_status st;
	struct sirius_error why;

	if (!src)
		return;
	bytes = data_uri_bytes(src, &len);
	xmlFree(src);
	if (!bytes)
		return;
	flush(w, bx, is);
	if (w->stop) {
		g_free(bytes);
		return;
	}
	width = wl.unit ? (int)lround(css_length_px(&wl, is->size_px, avail, avail, 1, avail)) : avail;
	st = page_decode_image(w->page, bytes, len, width, &gm, &why);
	g_free(bytes);
	if (st != RENDER_OK)
		greymap_free(gm);
	if (st == RENDER_BAD_IMAGE)
		return;
	if (st != RENDER_OK) {
		if (w->err)
			*w->err = why;
		walker_fail(w, st);
		return;
	}
	if (wl.unit) {
		height = hl.unit ? (int)lround(css_length_px(&hl, is->size_px, 0, 1, 1, BITMAP_MAX_SIDE))
				 : (int)lround((double)gm->height * width / gm->width);
	} else if (hl.unit && hl.unit != CSS_PERCENT) {
		height = (int)lround(css_length_px(&hl, is->size_px, 0, 1, 1, BITMAP_MAX_SIDE));
		width = (int)lround((double)gm->width * height / gm->height);
		if (width > avail) {
			width = avail;
			height = (int)lround((double)gm->height * width / gm->width);
		}
	} else {
		width = gm->width < avail ? gm->width : avail;
		height = (int)lround((double)gm->height * width / gm->width);
	}
	if (width < 1)
		width = 1;
	if (height < 1)
		height = 1;
	if (height > BITMAP_MAX_SIDE)
		height = BITMAP_MAX_SIDE;
	/* Only the rows that fit are scaled: the top of the source at the same scale. */
	rows = page_rows_left(w->page);
	view = *gm;
	if (height > rows && rows > 0) {
		view.height = (int)ceil((double)gm->height * rows / height);
		if (view.height < 1)
			view.height = 1;
		if (view.height > gm->height)
			view.height = gm->height;
		height = rows;
	}
	if (rows <= 0) {
		greymap_free(gm);
		page_mark_truncated(w->page);
		w->stop = 1;
		return;
	}
	scaled = greymap_scale(&view, width, height);
	greymap_free(gm);
	if (!scaled) {
		error_set(w->err, "out of memory scaling an image");
		walker_fail(w, RENDER_NO_MEMORY);
		return;
	}
	x = bx->left;
	if (bx->align == CSS_ALIGN_CENTER)
		x += (avail - width) / 2;
	else if (bx->align == CSS_ALIGN_RIGHT)
		x += avail - width;
	page_add_scaled_image(w->page, scaled, x);
	if (page_full(w->page))
		w->stop = 1;
}

/* The marker text of the next item of list. */
static void list_marker(struct list_state *list, char *buf, size_t size)
{
	static const char *const bullets[] = { "\u2022", "\u25e6", "\u25aa" };

	if (list->ordered) {
		snprintf(buf, size, "%d.", list->counter);
		if (list->counter < INT_MAX)
			list->counter++;
	} else {
		snprintf(buf, size, "%s", bullets[(list->level - 1) % 3]);
	}
}

/* Reads an align="..." attribute into *align when it is one we know. */
static void attr_align(xmlNode *el, enum css_align *align)
{
	char *v = attr(el, "align");

	if (!v)
		return;
	if (!g_ascii_strcasecmp(v, "center") || !g_ascii_strcasecmp(v, "middle"))
		*align = CSS_ALIGN_CENTER;
	else if (!g_ascii_strcasecmp(v, "right"))
		*align = CSS_ALIGN_RIGHT;
	else if (!g_ascii_strcasecmp(v, "left"))
		*align = CSS_ALIGN_LEFT;
	else if (!g_ascii_strcasecmp(v, "justify"))
		*align = CSS_ALIGN_JUSTIFY;
	xmlFree(v);
}

/* Whether el has an earlier sibling that is a table cell. */
static int follows_cell(xmlNode *el)
{
	xmlNode *n;

	for (n = el->prev; n; n = n->prev) {
		if (n->type == XML_ELEMENT_NODE && n->name &&
		    (!strcmp((const char *)n->name, "td") || !strcmp((const char *)n->name, "th")))
			return 1;
	}
	return 0;
}

static void walk_children(struct walker *w, xmlNode *parent, const struct inline_style *is,
			  const struct box *bx, struct list_state *list);

/* The inline style of an element: its parent's, then its tag's defaults, then its style attribute. */
static void element_style(const struct tag_info *tag, const struct css_style *css,
			  const struct inline_style *parent, struct inline_style *is)
{
	*is = *parent;
	if (tag) {
		if (tag->size > 0)
			is->size_px = parent->size_px * tag->size;
		if (tag->weight)
			is->weight = tag->weight;
		if (tag->italic)
			is->italic = 1;
		if (tag->underline)
			is->underline = 1;
		if (tag->strike)
			is->strike = 1;
		if (tag->family)
			is->family = tag->family;
		if (tag->pre)
			is->pre = 1;
		is->rise_px += tag->rise_em * parent->size_px;
	}
	if (css->font_size.unit) {
		double base = css->font_size_keyword ? LAYOUT_BODY_FONT_PX : parent->size_px;

		is->size_px = css_length_px(&css->font_size, base, base, is->size_px, FONT_PX_MIN,
					    FONT_PX_MAX);
	}
	if (is->size_px < FONT_PX_MIN)
		is->size_px = FONT_PX_MIN;
	if (is->size_px > FONT_PX_MAX)
		is->size_px = FONT_PX_MAX;
	if (css->font_weight)
		is->weight = css->font_weight;
	else if (css->font_weight_relative > 0)
		is->weight = is->weight < 600 ? 700 : 900;
	else if (css->font_weight_relative < 0)
		is->weight = is->weight >= 600 ? 400 : 100;
	if (css->italic)
		is->italic = css->italic == 2;
	if (css->family)
		is->family = css->family;
	if (css->transform)
		is->transform = css->transform;
	if (css->decoration) {
		is->underline = (css->decoration & CSS_DECORATION_UNDERLINE) != 0;
		is->strike = (css->decoration & CSS_DECORATION_LINE_THROUGH) != 0;
	}
	if (is->rise_px > FONT_PX_MAX)
		is->rise_px = FONT_PX_MAX;
	if (is->rise_px < -FONT_PX_MAX)
		is->rise_px = -FONT_PX_MAX;
}

/* A vertical length of css (or the tag's default in ems) in rows, clamped to the page. */
static int vertical_px(const struct walker *w, const struct css_length *len, double default_em,
		       const struct inline_style *is)
{
	double px = css_length_px(len, is->size_px, page_width(w->page), default_em * is->size_px, 0,
				  page_rows_left(w->page) + 1.0);

	return (int)lround(px);
}

/* Lays out one element and what it contains. */
static void walk_element(struct walker *w, xmlNode *el, const struct inline_style *parent_is,
			 const struct box *parent_bx, struct list_state *list)
{
	const struct tag_info *tag = tag_lookup((const char *)el->name);
	enum tag_kind kind = tag ? tag->kind : TAG_INLINE;
	struct css_style css;
	struct inline_style is;
	struct box bx = *parent_bx;
	struct list_state inner;
	char *style_attr;
	int top, bottom, pad_top, pad_bottom;

	if (kind == TAG_SKIP)
		return;
	memset(&css, 0, sizeof(css));
	style_attr = attr(el, "style");
	if (style_attr) {
		css_parse_inline(style_attr, &css);
		xmlFree(style_attr);
	}
	if (css.display_none)
		return;
	element_style(tag, &css, parent_is, &is);

	switch (kind) {
	case TAG_BR:
		g_string_append_c(w->text, '\n');
		w->has_content = 1;
		return;
	case TAG_IMG:
		walk_img(w, el, &css, &is, parent_bx);
		return;
	case TAG_INLINE:
		walk_children(w, el, &is, parent_bx, list);
		return;
	case TAG_CELL:
		if (follows_cell(el)) {
			size_t start = w->text->len;

			while (w->text->len > 0 && w->text->str[w->text->len - 1] == ' ')
				g_string_truncate(w->text, w->text->len - 1);
			start = w->text->len;
			g_string_append(w->text, "\u2003");
			add_run_attrs(w, start, w->text->len, parent_is);
		}
		walk_children(w, el, &is, parent_bx, list);
		return;
	default:
		break;
	}

	/* Everything else is a block: it ends the paragraph before it and its own. */
	flush(w, parent_bx, parent_is);
	if (tag && tag->align)
		bx.align = tag->align;
	attr_align(el, &bx.align);
	if (css.align)
		bx.align = css.align;
	if (tag && tag->indent) {
		int indent = (int)lround(is.size_px);

		bx.left += indent;
		if (tag->indent == 1)
			bx.right += indent;
	}
	if (kind == TAG_LIST) {
		char *start = attr(el, "start");

		inner.ordered = !strcmp((const char *)el->name, "ol");
		inner.counter = 1;
		inner.level = list ? list->level + 1 : 1;
		if (start) {
			long n = strtol(start, NULL, 10);

			inner.counter = n < -999999 ? -999999 : n > 999999 ? 999999 : (int)n;
			xmlFree(start);
		}
		bx.left += (int)lround(is.size_px * (inner.ordered ? 2.0 : 1.5));
	}
	/* Keep a column of some width however deep the indents go. */
	if (bx.left > page_width(w->page) * 3 / 4)
		bx.left = page_width(w->page) * 3 / 4;
	if (bx.right > page_width(w->page) / 8)
		bx.right = page_width(w->page) / 8;

	top = vertical_px(w, &css.margin_top, tag ? tag->margin_em : 0, &is);
	bottom = vertical_px(w, &css.margin_bottom, tag ? tag->margin_em : 0, &is);
	/* Lists inside lists have no margins of their own. */
	if (kind == TAG_LIST && list && !css.margin_top.unit)
		top = 0;
	if (kind == TAG_LIST && list && !css.margin_bottom.unit)
		bottom = 0;
	pad_top = vertical_px(w, &css.padding_top, 0, &is);
	pad_bottom = vertical_px(w, &css.padding_bottom, 0, &is);

	page_add_margin(w->page, top);
	if (pad_top > 0)
		layout_add_space(w->page, pad_top);

	if (kind == TAG_HR) {
		page_add_rule(w->page, bx.left, box_width(w, &bx), 2);
	} else if (kind == TAG_LI) {
		struct list_state loose = { 0, 1, 1 };
		struct list_state *owner = list ? list : &loose;
		char marker[32];
		PangoFontDescription *fd = style_font(&is);

		if (!list)
			bx.left += (int)lround(is.size_px * 1.5);
		list_marker(owner, marker, sizeof(marker));
		if (w->marker)
			g_object_unref(w->marker);
		w->marker = pango_layout_new(page_context(w->page));
		pango_layout_set_font_description(w->marker, fd);
		pango_font_description_free(fd);
		pango_layout_set_text(w->marker, marker, -1);
		w->marker_gap = (int)lround(is.size_px * 0.3);
		walk_children(w, el, &is, &bx, list);
		/* An empty item still shows its marker. */
		if (w->marker)
			w->has_content = 1;
	} else if (kind == TAG_LIST) {
		walk_children(w, el, &is, &bx, &inner);
	} else {
		walk_children(w, el, &is, &bx, list);
	}
	flush(w, &bx, &is);
	if (pad_bottom > 0)
		layout_add_space(w->page, pad_bottom);
	page_add_margin(w->page, bottom);
	if (page_full(w->page))
		w->stop = 1;
}

/* Lays out the children of parent in order. */
static void walk_children(struct walker *w, xmlNode *parent, const struct inline_style *is,
			  const struct box *bx, struct list_state *list)
{
	xmlNode *n;

	for (n = parent->children; n && !w->stop; n = n->next) {
		if (++w->nodes % TIME_CHECK_NODES == 0) {
			enum render_status st = page_check_time(w->page, w->err);

			if (st != RENDER_OK) {
				walker_fail(w, st);
				return;
			}
		}
		if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
			if (n->content)
				append_text(w, (const char *)n->content, is, bx);
		} else if (n->type == XML_ELEMENT_NODE && n->name) {
			walk_element(w, n, is, bx, list);
		}
	}
}

/* Whether an element is one of the wrappers the parser adds (not counted against the limits). */
static int is_wrapper(const xmlNode *n)
{
	return !strcmp((const char *)n->name, "html") || !strcmp((const char *)n->name, "body");
}

/*
 * Checks the element count and nesting depth of doc without recursion.
 * Returns RENDER_OK, RENDER_TOO_DEEP or RENDER_TOO_MANY_ELEMENTS (err says which limit).
 */
static enum render_status check_tree(xmlDoc *doc, int max_depth, int max_elements,
				     struct sirius_error *err)
{
	xmlNode *n = doc->children;
	int depth = 0;  /* counted elements among n's ancestors and n itself */
	long count = 0;

	while (n) {
		int counted = n->type == XML_ELEMENT_NODE && n->name && !is_wrapper(n);

		if (counted) {
			if (++count > max_elements) {
				error_set(err, "HTML has more than the limit of %d elements", max_elements);
				return RENDER_TOO_MANY_ELEMENTS;
			}
			if (depth + 1 > max_depth) {
				error_set(err, "HTML nests elements deeper than the limit of %d", max_depth);
				return RENDER_TOO_DEEP;
			}
		}
		if (n->type == XML_ELEMENT_NODE && n->children) {
			depth += counted;
			n = n->children;
			continue;
		}
		while (n && !n->next) {
			n = n->parent;
			if (!n || n == (xmlNode *)doc)
				return RENDER_OK;
			if (n->type == XML_ELEMENT_NODE && n->name && !is_wrapper(n))
				depth--;
		}
		if (n)
			n = n->next;
	}
	return RENDER_OK;
}

enum render_status layout_add_html(struct layout_page *page, const char *html, size_t len,
				   struct sirius_error *err)
{
	static const struct inline_style base = {
		CSS_FAMILY_SANS, LAYOUT_BODY_FONT_PX, 400, 0, 0, 0, 0.0, CSS_TRANSFORM_NONE, 0,
	};
	static const struct box page_box = { 0, 0, CSS_ALIGN_LEFT };
	struct walker w;
	xmlDoc *doc;
	xmlNode *root;
	enum render_status st;

	if (len > INT_MAX) {
		error_set(err, "HTML body too large to parse");
		return RENDER_BODY_TOO_LARGE;
	}
	if (len == 0)
		return RENDER_OK;
	doc = htmlReadMemory(html, (int)len, NULL, "UTF-8",
			     HTML_PARSE_RECOVER | HTML_PARSE_NONET | HTML_PARSE_NOERROR |
				     HTML_PARSE_NOWARNING);
	if (!doc)
		return page_check_time(page, err);
	st = page_check_time(page, err);
	if (st == RENDER_OK)
		st = check_tree(doc, page_max_depth(page), page_max_elements(page), err);
	root = xmlDocGetRootElement(doc);
	if (st != RENDER_OK || !root) {
		xmlFreeDoc(doc);
		return st;
	}
	memset(&w, 0, sizeof(w));
	w.page = page;
	w.text = g_string_new(NULL);
	w.attrs = pango_attr_list_new();
	w.err = err;
	walk_element(&w, root, &base, &page_box, NULL);
	flush(&w, &page_box, &base);
	if (w.marker)
		g_object_unref(w.marker);
	pango_attr_list_unref(w.attrs);
	g_string_free(w.text, TRUE);
	xmlFreeDoc(doc);
	return w.status;
}
