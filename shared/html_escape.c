/* html_escape.c: the one HTML escaper (& < > " ' for text and attributes alike). */
#include "html_escape.h"

#include <string.h>

void html_escape_append(GString *out, const char *text, gssize len)
{
	size_t n, start = 0, i;

	if (!text)
		return;
	n = len < 0 ? strlen(text) : (size_t)len;
	for (i = 0; i < n; i++) {
		const char *entity;

		switch (text[i]) {
		case '&': entity = "&amp;"; break;
		case '<': entity = "&lt;"; break;
		case '>': entity = "&gt;"; break;
		case '"': entity = "&quot;"; break;
		case '\'': entity = "&#39;"; break;
		default: continue;
		}
		g_string_append_len(out, text + start, (gssize)(i - start));
		g_string_append(out, entity);
		start = i + 1;
	}
	g_string_append_len(out, text + start, (gssize)(n - start));
}

char *html_escape_dup(const char *text)
{
	GString *out = g_string_new(NULL);

	html_escape_append(out, text, -1);
	return g_string_free(out, FALSE);
}
