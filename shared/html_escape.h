/* html_escape.h: the one HTML escaper, for text and attribute values alike. */
#ifndef SIRIUS_HTML_ESCAPE_H
#define SIRIUS_HTML_ESCAPE_H

#include <stddef.h>

#include <glib.h>

/*
 * Every byte of text that could end an element, an attribute value or an
 * entity is replaced: & by &amp;, < by &lt;, > by &gt;, " by &quot; and
 * ' by &#39;. The result is safe between tags and inside an attribute value
 * quoted with either kind of quote; it is not safe in an unquoted attribute,
 * in a URL scheme position, in <script> or in <style> (templates never put
 * data there). Other bytes, UTF-8 included, are copied unchanged.
 */

/* Appends len bytes of text, escaped, to out; len -1 means up to the NUL. */
void html_escape_append(GString *out, const char *text, gssize len);

/* text escaped, in a new string to g_free (never NULL; NULL text gives ""). */
char *html_escape_dup(const char *text);

#endif
