/* html_style.c: a tolerant parser of inline CSS declarations for the HTML layout. */
#include "html_style.h"

#include <math.h>
#include <string.h>

#include <glib.h>

/* Largest magnitude of a length we keep; anything beyond is clamped by the layout anyway. */
#define CSS_LENGTH_MAX 100000.0

int css_parse_length(const char *text, struct css_length *len)
{
	char *end;
	double v;
	const char *unit;

	while (g_ascii_isspace(*text))
		text++;
	v = g_ascii_strtod(text, &end);
	if (end == text || !isfinite(v))
		return -1;
	unit = end;
	if (v > CSS_LENGTH_MAX)
		v = CSS_LENGTH_MAX;
	if (v < -CSS_LENGTH_MAX)
		v = -CSS_LENGTH_MAX;
	if (*unit == '\0') {
		/* A bare number is only a length when it is zero. */
		if (v != 0.0)
			return -1;
		len->unit = CSS_PX;
		len->value = 0.0;
		return 0;
	}
	if (!g_ascii_strcasecmp(unit, "px")) {
		len->unit = CSS_PX;
	} else if (!g_ascii_strcasecmp(unit, "pt")) {
		len->unit = CSS_PX;
		v = v * 96.0 / 72.0;
	} else if (!g_ascii_strcasecmp(unit, "pc")) {
		len->unit = CSS_PX;
		v *= 16.0;
	} else if (!g_ascii_strcasecmp(unit, "in")) {
		len->unit = CSS_PX;
		v *= 96.0;
	} else if (!g_ascii_strcasecmp(unit, "cm")) {
		len->unit = CSS_PX;
		v = v * 96.0 / 2.54;
	} else if (!g_ascii_strcasecmp(unit, "mm")) {
		len->unit = CSS_PX;
		v = v * 96.0 / 25.4;
	} else if (!g_ascii_strcasecmp(unit, "em") || !g_ascii_strcasecmp(unit, "rem")) {
		len->unit = CSS_EM;
	} else if (!strcmp(unit, "%")) {
		len->unit = CSS_PERCENT;
	} else {
		return -1;
	}
	len->value = v;
	return 0;
}

double css_length_px(const struct css_length *len, double font_px, double percent_base,
		     double fallback, double lo, double hi)
{
	double v;

	switch (len->unit) {
	case CSS_PX:
		v = len->value;
		break;
	case CSS_EM:
		v = len->value * font_px;
		break;
	case CSS_PERCENT:
		v = len->value * percent_base / 100.0;
		break;
	default:
		v = fallback;
		break;
	}
	if (!isfinite(v))
		v = fallback;
	if (v < lo)
		v = lo;
	if (v > hi)
		v = hi;
	return v;
}

/* Font-size keywords, as multiples of the base (medium) size. */
static const struct {
	const char *name; /* the keyword */
	double scale;     /* multiple of the base size (or of the parent's, for the relative two) */
	int relative;     /* 1 for smaller/larger, which scale the parent's size */
} font_size_keywords[] = {
	{ "xx-small", 3.0 / 5.0, 0 }, { "x-small", 3.0 / 4.0, 0 }, { "small", 8.0 / 9.0, 0 },
	{ "medium", 1.0, 0 },         { "large", 6.0 / 5.0, 0 },   { "x-large", 3.0 / 2.0, 0 },
	{ "xx-large", 2.0, 0 },       { "xx" "x-large", 3.0, 0 },     { "smaller", 1.0 / 1.2, 1 },
	{ "larger", 1.2, 1 },
};

/* Sets style's font size from a value of font-size; ignores what it does not understand. */
static void parse_font_size(const char *value, struct css_style *style)
{
	struct css_length len;
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(font_size_keywords); i++) {
		if (!g_ascii_strcasecmp(value, font_size_keywords[i].name)) {
			style->font_size.unit = CSS_EM;
			style->font_size.value = font_size_keywords[i].scale;
			style->font_size_keyword = !font_size_keywords[i].relative;
			return;
		}
	}
	if (css_parse_length(value, &len) == 0 && len.value > 0) {
		style->font_size = len;
		style->font_size_keyword = 0;
	}
}

/* Sets style's weight from a value of font-weight. */
static void parse_font_weight(const char *value, struct css_style *style)
{
	char *end;
	long w;

	if (!g_ascii_strcasecmp(value, "bold")) {
		style->font_weight = 700;
	} else if (!g_ascii_strcasecmp(value, "normal")) {
		style->font_weight = 400;
	} else if (!g_ascii_strcasecmp(value, "bolder")) {
		style->font_weight = 0;
		style->font_weight_relative = 1;
		return;
	} else if (!g_ascii_strcasecmp(value, "lighter")) {
		style->font_weight = 0;
		style->font_weight_relative = -1;
		return;
	} else {
		w = strtol(value, &end, 10);
		if (end == value || *end != '\0' || w < 1 || w > 1000)
			return;
		style->font_weight = w < 100 ? 100 : w > 900 ? 900 : (int)w;
	}
	style->font_weight_relative = 0;
}

/* Maps a font-family list to one of our three families: the first name we recognise wins. */
static void parse_font_family(const char *value, struct css_style *style)
{
	gchar **names = g_strsplit(value, ",", 32);
	gchar **n;

	for (n = names; *n; n++) {
		gchar *name = g_ascii_strdown(g_strstrip(g_strdelimit(*n, "\"'", ' ')), -1);

		if (strstr(name, "mono") || strstr(name, "courier") || strstr(name, "consol") ||
		    strstr(name, "menlo") || !strcmp(name, "fixed")) {
			style->family = CSS_FAMILY_MONO;
		} else if (!strcmp(name, "sans-serif") || strstr(name, "sans") || strstr(name, "arial") ||
			   strstr(name, "helvetica") || strstr(name, "verdana") ||
			   strstr(name, "system-ui")) {
			style->family = CSS_FAMILY_SANS;
		} else if (strstr(name, "serif") || strstr(name, "times") || strstr(name, "georgia") ||
			   strstr(name, "garamond") || strstr(name, "palatino")) {
			style->family = CSS_FAMILY_SERIF;
		}
		g_free(name);
		if (style->family != CSS_FAMILY_INHERIT)
			break;
	}
	g_strfreev(names);
}

/* Fills top and bottom from the 1..4 values of a margin or padding shorthand. */
static void parse_box_shorthand(const char *value, struct css_length *top, struct css_length *bottom)
{
	gchar **parts = g_strsplit_set(value, " \t\n\r\f", 8);
	struct css_length v[4];
	int n = 0;
	gchar **p;

	for (p = parts; *p && n < 5; p++) {
		if (**p == '\0')
			continue;
		if (n == 4) {
			n = 5;
			break;
		}
		if (!g_ascii_strcasecmp(*p, "auto")) {
			v[n].unit = CSS_PX;
			v[n].value = 0;
		} else if (css_parse_length(*p, &v[n]) != 0) {
			n = 5;
			break;
		}
		n++;
	}
	g_strfreev(parts);
	if (n < 1 || n > 4)
		return;
	*top = v[0];
	*bottom = n >= 3 ? v[2] : v[0];
}

/* Parses one length-valued property into len, leaving it alone when malformed. */
static void parse_length_into(const char *value, struct css_length *len)
{
	struct css_length parsed;

	if (!g_ascii_strcasecmp(value, "auto")) {
		len->unit = CSS_UNSET;
		return;
	}
	if (css_parse_length(value, &parsed) == 0)
		*len = parsed;
}

/* Applies one declaration, its property lower-cased and its value trimmed. */
static void apply_declaration(const char *prop, const char *value, struct css_style *style)
{
	if (!strcmp(prop, "font-size")) {
		parse_font_size(value, style);
	} else if (!strcmp(prop, "font-weight")) {
		parse_font_weight(value, style);
	} else if (!strcmp(prop, "font-style")) {
		if (!g_ascii_strcasecmp(value, "italic") || !g_ascii_strncasecmp(value, "oblique", 7))
			style->italic = 2;
		else if (!g_ascii_strcasecmp(value, "normal"))
			style->italic = 1;
	} else if (!strcmp(prop, "font-family")) {
		parse_font_family(value, style);
	} else if (!strcmp(prop, "text-align")) {
		if (!g_ascii_strcasecmp(value, "left") || !g_ascii_strcasecmp(value, "start"))
			style->align = CSS_ALIGN_LEFT;
		else if (!g_ascii_strcasecmp(value, "center"))
			style->align = CSS_ALIGN_CENTER;
		else if (!g_ascii_strcasecmp(value, "right") || !g_ascii_strcasecmp(value, "end"))
			style->align = CSS_ALIGN_RIGHT;
		else if (!g_ascii_strcasecmp(value, "justify"))
			style->align = CSS_ALIGN_JUSTIFY;
	} else if (!strcmp(prop, "text-transform")) {
		if (!g_ascii_strcasecmp(value, "uppercase"))
			style->transform = CSS_TRANSFORM_UPPER;
		else if (!g_ascii_strcasecmp(value, "lowercase"))
			style->transform = CSS_TRANSFORM_LOWER;
		else if (!g_ascii_strcasecmp(value, "capitalize"))
			style->transform = CSS_TRANSFORM_CAPITALIZE;
		else if (!g_ascii_strcasecmp(value, "none"))
			style->transform = CSS_TRANSFORM_NONE;
	} else if (!strcmp(prop, "text-decoration") || !strcmp(prop, "text-decoration-line")) {
		style->decoration = CSS_DECORATION_SET;
		if (strstr(value, "underline"))
			style->decoration |= CSS_DECORATION_UNDERLINE;
		if (strstr(value, "line-through"))
			style->decoration |= CSS_DECORATION_LINE_THROUGH;
	} else if (!strcmp(prop, "margin")) {
		parse_box_shorthand(value, &style->margin_top, &style->margin_bottom);
	} else if (!strcmp(prop, "padding")) {
		parse_box_shorthand(value, &style->padding_top, &style->padding_bottom);
	} else if (!strcmp(prop, "margin-top")) {
		parse_length_into(value, &style->margin_top);
	} else if (!strcmp(prop, "margin-bottom")) {
		parse_length_into(value, &style->margin_bottom);
	} else if (!strcmp(prop, "padding-top")) {
		parse_length_into(value, &style->padding_top);
	} else if (!strcmp(prop, "padding-bottom")) {
		parse_length_into(value, &style->padding_bottom);
	} else if (!strcmp(prop, "width")) {
		parse_length_into(value, &style->width);
	} else if (!strcmp(prop, "height")) {
		parse_length_into(value, &style->height);
	} else if (!strcmp(prop, "display")) {
		style->display_none = !g_ascii_strcasecmp(value, "none");
	}
}

void css_parse_inline(const char *text, struct css_style *style)
{
	gchar **decls;
	gchar **d;

	if (!text)
		return;
	decls = g_strsplit(text, ";", 256);
	for (d = decls; *d; d++) {
		char *colon = strchr(*d, ':');
		char *bang;
		gchar *prop;

		if (!colon)
			continue;
		*colon = '\0';
		prop = g_ascii_strdown(g_strstrip(*d), -1);
		bang = strchr(colon + 1, '!');
		if (bang)
			*bang = '\0';
		apply_declaration(prop, g_strstrip(colon + 1), style);
		g_free(prop);
	}
	g_strfreev(decls);
}
