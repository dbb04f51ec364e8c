/* html_style.h: the inline CSS (style="...") properties the HTML layout understands. */
#ifndef SIRIUS_HTML_STYLE_H
#define SIRIUS_HTML_STYLE_H

/* The unit of a CSS length; CSS_UNSET when the property was absent or unusable. */
enum css_unit {
	CSS_UNSET = 0, /* not given, or not understood */
	CSS_PX,        /* CSS pixels (pt, pc, in, cm, mm are converted to them) */
	CSS_EM,        /* multiples of the element's font size (rem: of the base size) */
	CSS_PERCENT,   /* percent of the containing width (or of the parent's font size) */
};

/* A parsed CSS length. */
struct css_length {
	enum css_unit unit; /* CSS_UNSET when absent */
	double value;       /* finite, in the unit; may be negative only for margins */
};

enum css_family {
	CSS_FAMILY_INHERIT = 0, /* not given */
	CSS_FAMILY_SANS,        /* sans-serif, and any family we do not know */
	CSS_FAMILY_SERIF,       /* serif, Times, Georgia, ... */
	CSS_FAMILY_MONO,        /* monospace, Courier, ... */
};

enum css_align {
	CSS_ALIGN_INHERIT = 0, /* not given */
	CSS_ALIGN_LEFT,        /* left, start */
	CSS_ALIGN_CENTER,      /* center */
	CSS_ALIGN_RIGHT,       /* right, end */
	CSS_ALIGN_JUSTIFY,     /* justify */
};

enum css_transform {
	CSS_TRANSFORM_INHERIT = 0, /* not given */
	CSS_TRANSFORM_NONE,        /* none */
	CSS_TRANSFORM_UPPER,       /* uppercase */
	CSS_TRANSFORM_LOWER,       /* lowercase */
	CSS_TRANSFORM_CAPITALIZE,  /* capitalize: the first letter of each word */
};

/* Bits of css_style.decoration. */
#define CSS_DECORATION_SET 1          /* text-decoration was given (possibly "none") */
#define CSS_DECORATION_UNDERLINE 2    /* underline */
#define CSS_DECORATION_LINE_THROUGH 4 /* line-through */

/* The properties of one style attribute; a zeroed struct means "nothing given". */
struct css_style {
	struct css_length font_size;      /* font-size; keywords become CSS_EM of the base */
	int font_size_keyword;            /* nonzero when font_size is relative to the base size */
	int font_weight;                  /* 0 not given, else 100..900 (bold 700, normal 400) */
	int font_weight_relative;         /* 0, +1 bolder, -1 lighter (font_weight is then 0) */
	int italic;                       /* 0 not given, 1 normal, 2 italic or oblique */
	enum css_family family;           /* font-family, mapped to one of three */
	enum css_align align;             /* text-align */
	enum css_transform transform;     /* text-transform */
	int decoration;                   /* CSS_DECORATION_* bits of text-decoration */
	struct css_length margin_top;     /* margin-top, or the first value of margin */
	struct css_length margin_bottom;  /* margin-bottom, or the third value of margin */
	struct css_length padding_top;    /* padding-top, or the first value of padding */
	struct css_length padding_bottom; /* padding-bottom, or the third value of padding */
	struct css_length width;          /* width (images) */
	struct css_length height;         /* height (images) */
	int display_none;                 /* display: none */
};

/*
 * Parses the declarations of a style attribute ("font-size: 20px; color: red")
 * into style, which the caller zeroes first; later declarations override
 * earlier ones. Unknown properties and malformed values are ignored, never an
 * error: the text is hostile and a browser would do the same.
 */
void css_parse_inline(const char *text, struct css_style *style);

/*
 * Parses one CSS length ("12px", "1.5em", "50%", "0"); returns 0 and fills len,
 * or -1 (len untouched) for anything else, including NaN and infinities.
 */
int css_parse_length(const char *text, struct css_length *len);

/*
 * The length in pixels: em against font_px, percent against percent_base;
 * fallback when unset. The result is clamped to [lo, hi].
 */
double css_length_px(const struct css_length *len, double font_px, double percent_base,
		     double fallback, double lo, double hi);

#endif
