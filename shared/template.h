/* template.h: a small logic-less, mustache-like template engine over cJSON data that escapes by default. */
#ifndef SIRIUS_TEMPLATE_H
#define SIRIUS_TEMPLATE_H

#include <glib.h>
#include <cjson/cJSON.h>

#include "error.h"

/*
 * The language (a subset of mustache):
 *
 *   {{name}} {{a.b}}    the value, HTML-escaped by shared/html_escape (strings
 *                       as they are, numbers in decimal, true as "true";
 *                       false, null, missing, objects and arrays as nothing)
 *   {{.}}               the current item of a section
 *   {{{name}}} {{&name}} the value unescaped: only for strings the server made
 *                       itself from trusted parts (a rendered page, say)
 *   {{#name}}...{{/name}} nothing when name is missing, null, false, "" or an
 *                       empty array; once per item for an array; once with
 *                       the value as the current item otherwise
 *   {{^name}}...{{/name}} once when the section above would show nothing
 *   {{> partial}}       another template, with the current data
 *   {{! comment }}      nothing
 *
 * Names are looked up from the innermost section's item outwards; in a.b only
 * "a" is looked up that way, then ".b" inside it. Names and partial names are
 * made of [A-Za-z0-9_-] (names also '.'); anything else is a parse error.
 *
 * How to use it: one template_set per process, made once with the directory
 * of the templates and kept; a template is read from <dir>/<name>.html and
 * parsed the first time it is used, then kept, so a FastCGI program parses
 * each template once. Sections and partials nest at most TEMPLATE_DEPTH_MAX
 * deep and the output is at most TEMPLATE_OUTPUT_MAX bytes, so a template
 * that includes itself fails instead of running away.
 */

#define TEMPLATE_DEPTH_MAX 32                 /* sections and partials inside each other */
#define TEMPLATE_OUTPUT_MAX (8 * 1024 * 1024) /* bytes one render may produce */
#define TEMPLATE_FILE_MAX (256 * 1024)        /* bytes of one template file */
#define TEMPLATE_NAME_MAX 64                  /* characters of a template name */

struct template_set;

/* A set reading its templates from dir (not read yet). Never NULL. */
struct template_set *template_set_new(const char *dir);

/* Frees a set and every template parsed into it; NULL is ignored. */
void template_set_free(struct template_set *set);

/*
 * Parses text as the template name (replacing one of that name), so tests
 * and programs can use templates that are not files. Returns 0, or -1 with
 * the reason and line in err (bad name, unclosed tag or section, a closing
 * tag that does not match, bad name in a tag, nesting too deep).
 */
int template_set_add(struct template_set *set, const char *name, const char *text,
		     struct sirius_error *err);

/*
 * Renders template name over data (may be NULL), appending to out. Returns 0,
 * or -1 with a reason in err (a template or partial missing, unreadable or
 * not parsable, nesting or output over the limits); out may then hold part
 * of the output, which the caller throws away.
 */
int template_render(struct template_set *set, const char *name, const cJSON *data, GString *out,
		    struct sirius_error *err);

/* 1 when name can name a template ([A-Za-z0-9_-], 1..TEMPLATE_NAME_MAX characters), else 0. */
int template_name_valid(const char *name);

#endif
