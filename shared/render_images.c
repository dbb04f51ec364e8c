/* render_images.c: fetching the remote images of an HTML message into data: URIs, and the warnings of a render. */
#include "render_images.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <libxml/HTMLparser.h>
#include <libxml/HTMLtree.h>

#include "base64.h"
#include "fetch.h"
#include "image_decode.h"

/* The longest URL quoted in a warning, in bytes. */
#define WARNING_URL_MAX 80

void render_warn(struct render_result *result, const char *fmt, ...)
{
	va_list ap;

	if (result->warning_count >= RENDER_WARNINGS_MAX) {
		snprintf(result->warnings[RENDER_WARNINGS_MAX - 1], RENDER_WARNING_LEN, "More images could not be loaded.");
		return;
	}
	va_start(ap, fmt);
	vsnprintf(result->warnings[result->warning_count], RENDER_WARNING_LEN, fmt, ap);
	va_end(ap);
	result->warning_count++;
}

/* The MIME type of an image format. */
static const char *format_mime(enum image_format format)
{
	switch (format) {
	case IMAGE_FORMAT_PNG:
		return "image/png";
	case IMAGE_FORMAT_JPEG:
		return "image/jpeg";
	case IMAGE_FORMAT_GIF:
		return "image/gif";
	case IMAGE_FORMAT_WEBP:
		return "image/webp";
	case IMAGE_FORMAT_UNKNOWN:
		break;
	}
	return NULL;
}

/* src shortened for a warning (into buf). */
static const char *short_url(const char *src, char *buf, size_t size)
{
	if (strlen(src) < WARNING_URL_MAX || size < WARNING_URL_MAX + 4)
		return src;
	snprintf(buf, size, "%.*s...", WARNING_URL_MAX, src);
	return buf;
}

/* 1 when html (len bytes) has "<img" in any letter case. */
static int has_img_tag(const char *html, size_t len)
{
	size_t i;

	for (i = 0; i + 4 <= len; i++)
		if (html[i] == '<' && !g_ascii_strncasecmp(html + i + 1, "img", 3))
			return 1;
	return 0;
}

/* Collects the <img> elements under node into list, in document order. */
static void collect_images(xmlNode *node, GPtrArray *list, int depth)
{
	for (; node; node = node->next) {
		if (node->type != XML_ELEMENT_NODE)
			continue;
		if (!g_ascii_strcasecmp((const char *)node->name, "img"))
			g_ptr_array_add(list, node);
		/* Deeper than the layout ever goes: it refuses the message anyway. */
		if (depth < RENDER_DEPTH_CAP)
			collect_images(node->children, list, depth + 1);
	}
}

/*
 * Loads one image into el's src, or removes el with a warning. Returns 1
 * when the document changed, 0 when el was left as it was.
 */
static int load_one(xmlNode *el, size_t max_image_bytes, gint64 deadline, int *fetched,
		    struct render_result *result)
{
	char *src = (char *)xmlGetProp(el, (const xmlChar *)"src"), *trimmed, *b64, *uri;
	char shown[WARNING_URL_MAX + 8];
	struct fetch_request req;
	struct fetch_result res;
	enum image_format format;
	gint64 left_ms;

	if (!src)
		return 0;
	trimmed = g_strstrip(src);
	if (!g_ascii_strncasecmp(trimmed, "data:", 5)) {
		xmlFree(src);
		return 0;
	}
	if (g_ascii_strncasecmp(trimmed, "http://", 7) != 0 && g_ascii_strncasecmp(trimmed, "https://", 8) != 0) {
		render_warn(result, "The image %s was left out: only http, https and data: images can be shown.",
			    short_url(trimmed, shown, sizeof(shown)));
		goto drop;
	}
	left_ms = (deadline - g_get_monotonic_time()) / 1000;
	if (*fetched >= RENDER_IMAGES_MAX || left_ms <= 0) {
		render_warn(result, "The image %s was left out: a message may load at most %d images in %d seconds.",
			    short_url(trimmed, shown, sizeof(shown)), RENDER_IMAGES_MAX, RENDER_IMAGES_TIMEOUT_MS / 1000);
		goto drop;
	}
	(*fetched)++;
	fetch_request_init(&req, trimmed);
	req.timeout_ms = (long)left_ms;
	req.max_bytes = max_image_bytes;
	req.accept = "image/png, image/jpeg, image/gif, image/webp";
	if (fetch(&req, &res) != FETCH_OK) {
		render_warn(result, "The image %s could not be loaded: %s.", short_url(trimmed, shown, sizeof(shown)),
			    res.error);
		fetch_result_clear(&res);
		goto drop;
	}
	if (res.http_status != 200) {
		render_warn(result, "The image %s could not be loaded: the server answered %ld.",
			    short_url(trimmed, shown, sizeof(shown)), res.http_status);
		fetch_result_clear(&res);
		goto drop;
	}
	format = image_sniff((const uint8_t *)res.body, res.len);
	if (format == IMAGE_FORMAT_UNKNOWN) {
		render_warn(result, "The image %s could not be loaded: it is not a PNG, JPEG, GIF or WebP image.",
			    short_url(trimmed, shown, sizeof(shown)));
		fetch_result_clear(&res);
		goto drop;
	}
	b64 = base64_encode_alloc((const uint8_t *)res.body, res.len);
	fetch_result_clear(&res);
	xmlFree(src);
	if (!b64) {
		render_warn(result, "An image was left out: out of memory.");
		xmlUnlinkNode(el);
		xmlFreeNode(el);
		return 1;
	}
	uri = g_strdup_printf("data:%s;base64,%s", format_mime(format), b64);
	free(b64);
	xmlSetProp(el, (const xmlChar *)"src", (const xmlChar *)uri);
	g_free(uri);
	return 1;
drop:
	xmlFree(src);
	xmlUnlinkNode(el);
	xmlFreeNode(el);
	return 1;
}

int render_load_images(const char *html, size_t len, size_t max_image_bytes, struct render_result *result,
		       char **out, size_t *out_len)
{
	htmlDocPtr doc;
	GPtrArray *images;
	gint64 deadline = g_get_monotonic_time() + (gint64)RENDER_IMAGES_TIMEOUT_MS * 1000;
	int changed = 0, fetched = 0;
	xmlChar *dump = NULL;
	int dump_len = 0;
	guint i;

	*out = NULL;
	*out_len = 0;
	/* Nothing to do without an <img>: the message stays byte for byte as sent. */
	if (!has_img_tag(html, len))
		return 0;
	doc = htmlReadMemory(html, (int)len, NULL, "UTF-8",
			     HTML_PARSE_NONET | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING);
	if (!doc)
		return -1;
	images = g_ptr_array_new();
	collect_images(xmlDocGetRootElement(doc), images, 0);
	for (i = 0; i < images->len; i++)
		changed |= load_one(g_ptr_array_index(images, i), max_image_bytes, deadline, &fetched, result);
	g_ptr_array_free(images, TRUE);
	if (changed)
		htmlDocDumpMemoryFormat(doc, &dump, &dump_len, 0);
	xmlFreeDoc(doc);
	if (!changed)
		return 0;
	if (!dump)
		return -1;
	*out = g_strndup((const char *)dump, (gsize)dump_len);
	*out_len = (size_t)dump_len;
	xmlFree(dump);
	return 1;
}
