/* http_accept.h: reading an Accept header's media ranges and q-values to choose between HTML and JSON. */
#ifndef SIRIUS_CGI_HTTP_ACCEPT_H
#define SIRIUS_CGI_HTTP_ACCEPT_H

/* Media ranges read from one Accept header, at most; the rest are ignored. */
#define ACCEPT_RANGES_MAX 32

/*
 * The quality (0..1) an Accept header gives the media type type/subtype (lower
 * case, such as "text/html"), as RFC 9110 section 12.5.1 says: the q of the
 * most specific range that matches (type/subtype over type/ * over * / *, a
 * range with parameters other than q over one without), 1 when q is not
 * given; 0 when nothing matches. A header that is NULL or empty accepts
 * everything (1). Malformed ranges and q-values are skipped.
 */
double accept_quality(const char *accept, const char *media_type);

/* 1 when accept prefers text/html to application/json (a tie, * / * or no header: 0). */
int accept_prefers_html(const char *accept);

#endif
