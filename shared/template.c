/* template.c: parsing and rendering the mustache-like templates of template.h. */
#include "template.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "html_escape.h"

/* What a parsed piece of a template does. */
enum node_kind {
	NODE_TEXT,      /* literal text */
	NODE_VAR,       /* {{name}}: escaped value */
	NODE_RAW,       /* {{{name}}} or {{&name}}: unescaped value */
	NODE_SECTION,   /* {{#name}}...{{/name}} */
	NODE_INVERTED,  /* {{^name}}...{{/name}} */
	NODE_PARTIAL    /* {{> name}} */
};

/* One piece of a parsed template. */
struct node {
	enum node_kind kind;   /* what it does */
	char *text;            /* the literal text, or the name (NUL-terminated) */
	size_t len;            /* bytes of text */
	GPtrArray *children;   /* the body of a section (struct node *); NULL for others */
};

/* A parsed template. */
struct template {
	GPtrArray *nodes;      /* its top-level pieces (struct node *) */
};

struct template_set {
	char *dir;             /* where <name>.html files are read from */
	GHashTable *parsed;    /* name (char *) -> struct template *, every template parsed so far */
};

/* The state of one parse. */
struct parser {
	const char *name;      /* the template's name, for messages */
	const char *start;     /* the whole text */
	const char *pos;       /* where parsing is */
	const char *end;       /* the end of the text */
};

/* The state of one render. */
struct render {
	struct template_set *set;                 /* where partials come from */
	GString *out;                             /* the output */
	const cJSON *stack[TEMPLATE_DEPTH_MAX + 2]; /* the data, then each section's item */
	int depth;                                /* entries used in stack */
	int nesting;                              /* sections and partials entered */
	struct sirius_error *err;                 /* where a failure is explained */
};

static void node_free(gpointer data)
{
	struct node *node = data;

	if (!node)
		return;
	if (node->children)
		g_ptr_array_free(node->children, TRUE);
	g_free(node->text);
	g_free(node);
}

static void template_free(gpointer data)
{
	struct template *t = data;

	if (!t)
		return;
	g_ptr_array_free(t->nodes, TRUE);
	g_free(t);
}

int template_name_valid(const char *name)
{
	size_t i;

	if (!name || !name[0])
		return 0;
	for (i = 0; name[i]; i++) {
		char c = name[i];

		if (i >= TEMPLATE_NAME_MAX)
			return 0;
		if (!g_ascii_isalnum(c) && c != '_' && c != '-')
			return 0;
	}
	return 1;
}

/* 1 when name (len bytes) is a valid name inside a tag: "." or [A-Za-z0-9_.-] without empty parts. */
static int tag_name_valid(const char *name, size_t len)
{
	size_t i;

	if (len == 1 && name[0] == '.')
		return 1;
	if (len == 0 || len > 128 || name[0] == '.' || name[len - 1] == '.')
		return 0;
	for (i = 0; i < len; i++) {
		char c = name[i];

		if (c == '.' && name[i + 1] == '.')
			return 0;
		if (!g_ascii_isalnum(c) && c != '_' && c != '-' && c != '.')
			return 0;
	}
	return 1;
}

/* The 1-based line of p in the parsed text. */
static int parser_line(const struct parser *p, const char *at)
{
	int line = 1;
	const char *c;

	for (c = p->start; c < at; c++)
		if (*c == '\n')
			line++;
	return line;
}

static struct node *node_new(enum node_kind kind, const char *text, size_t len)
{
	struct node *node = g_new0(struct node, 1);

	node->kind = kind;
	node->text = g_strndup(text, len);
	node->len = len;
	if (kind == NODE_SECTION || kind == NODE_INVERTED)
		node->children = g_ptr_array_new_with_free_func(node_free);
	return node;
}

/*
 * Parses pieces into nodes up to the end of the text (section NULL) or up to
 * {{/section}}. Returns 0, or -1 with a reason in err.
 */
static int parse_nodes(struct parser *p, GPtrArray *nodes, const char *section, int depth,
		       struct sirius_error *err)
{
	if (depth > TEMPLATE_DEPTH_MAX)
		return error_set(err, "template %s: sections nest deeper than %d at line %d", p->name,
				 TEMPLATE_DEPTH_MAX, parser_line(p, p->pos));
	while (p->pos < p->end) {
		const char *open = g_strstr_len(p->pos, p->end - p->pos, "{{");
		const char *tag, *close, *name, *name_end;
		enum node_kind kind = NODE_VAR;
		char sigil;

		if (!open) {
			g_ptr_array_add(nodes, node_new(NODE_TEXT, p->pos, (size_t)(p->end - p->pos)));
			p->pos = p->end;
			break;
		}
		if (open > p->pos)
			g_ptr_array_add(nodes, node_new(NODE_TEXT, p->pos, (size_t)(open - p->pos)));
		tag = open + 2;
		if (tag < p->end && *tag == '{') {
			close = g_strstr_len(tag, p->end - tag, "}}}");
			if (!close)
				return error_set(err, "template %s: {{{ at line %d is never closed by }}}",
						 p->name, parser_line(p, open));
			name = tag + 1;
			name_end = close;
			p->pos = close + 3;
			kind = NODE_RAW;
			sigil = '{';
		} else {
			close = g_strstr_len(tag, p->end - tag, "}}");
			if (!close)
				return error_set(err, "template %s: {{ at line %d is never closed by }}",
						 p->name, parser_line(p, open));
			p->pos = close + 2;
			name = tag;
			name_end = close;
			while (name < name_end && g_ascii_isspace(*name))
				name++;
			sigil = name < name_end ? *name : '\0';
			switch (sigil) {
			case '!':
				continue;
			case '#': kind = NODE_SECTION; name++; break;
			case '^': kind = NODE_INVERTED; name++; break;
			case '>': kind = NODE_PARTIAL; name++; break;
			case '&': kind = NODE_RAW; name++; break;
			case '/': name++; break;
			default: sigil = '\0'; break;
			}
		}
		while (name < name_end && g_ascii_isspace(*name))
			name++;
		while (name_end > name && g_ascii_isspace(name_end[-1]))
			name_end--;
		if (!tag_name_valid(name, (size_t)(name_end - name)) ||
		    (kind == NODE_PARTIAL && (memchr(name, '.', (size_t)(name_end - name)) ||
					      name_end - name > TEMPLATE_NAME_MAX)))
			return error_set(err, "template %s: bad name \"%.*s\" in the tag at line %d", p->name,
					 (int)MIN(name_end - name, 64), name, parser_line(p, open));
		if (sigil == '/') {
			if (!section || strlen(section) != (size_t)(name_end - name) ||
			    memcmp(section, name, (size_t)(name_end - name)) != 0)
				return error_set(err, "template %s: {{/%.*s}} at line %d closes no open section%s%s",
						 p->name, (int)(name_end - name), name, parser_line(p, open),
						 section ? "; open is " : "", section ? section : "");
			return 0;
		}
		struct node *node = node_new(kind, name, (size_t)(name_end - name));

		g_ptr_array_add(nodes, node);
		if (node->children && parse_nodes(p, node->children, node->text, depth + 1, err) < 0)
			return -1;
	}
	if (section)
		return error_set(err, "template %s: section {{#%s}} is never closed", p->name, section);
	return 0;
}

/* Parses text into a new template; NULL with a reason in err. */
static struct template *template_parse(const char *name, const char *text, size_t len,
				       struct sirius_error *err)
{
	struct parser p = { name, text, text, text + len };
	struct template *t = g_new0(struct template, 1);

	t->nodes = g_ptr_array_new_with_free_func(node_free);
	if (memchr(text, '\0', len)) {
		error_set(err, "template %s holds a NUL byte", name);
		template_free(t);
		return NULL;
	}
	if (parse_nodes(&p, t->nodes, NULL, 0, err) < 0) {
		template_free(t);
		return NULL;
	}
	return t;
}

struct template_set *template_set_new(const char *dir)
{
	struct template_set *set = g_new0(struct template_set, 1);

	set->dir = g_strdup(dir ? dir : ".");
	set->parsed = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, template_free);
	return set;
}

void template_set_free(struct template_set *set)
{
	if (!set)
		return;
	g_hash_table_destroy(set->parsed);
	g_free(set->dir);
	g_free(set);
}

int template_set_add(struct template_set *set, const char *name, const char *text,
		     struct sirius_error *err)
{
	struct template *t;

	if (!template_name_valid(name))
		return error_set(err, "bad template name \"%.64s\"", name ? name : "(null)");
	t = template_parse(name, text, strlen(text), err);
	if (!t)
		return -1;
	g_hash_table_replace(set->parsed, g_strdup(name), t);
	return 0;
}

/* The parsed template name, reading and parsing its file the first time; NULL with a reason in err. */
static struct template *template_get(struct template_set *set, const char *name, struct sirius_error *err)
{
	struct template *t;
	char *path, *text = NULL;
	gsize len = 0;
	GError *gerr = NULL;

	if (!template_name_valid(name)) {
		error_set(err, "bad template name \"%.64s\"", name ? name : "(null)");
		return NULL;
	}
	t = g_hash_table_lookup(set->parsed, name);
	if (t)
		return t;
	path = g_strdup_printf("%s/%s.html", set->dir, name);
	if (!g_file_get_contents(path, &text, &len, &gerr)) {
		error_set(err, "template %s: %s", name, gerr->message);
		g_error_free(gerr);
		g_free(path);
		return NULL;
	}
	if (len > TEMPLATE_FILE_MAX) {
		error_set(err, "template %s is longer than %d bytes", path, TEMPLATE_FILE_MAX);
		g_free(text);
		g_free(path);
		return NULL;
	}
	t = template_parse(name, text, len, err);
	g_free(text);
	g_free(path);
	if (t)
		g_hash_table_replace(set->parsed, g_strdup(name), t);
	return t;
}

/* The value of a name in the render's data, or NULL when it is missing. */
static const cJSON *lookup(const struct render *r, const char *name)
{
	const char *dot = strchr(name, '.');
	size_t first_len = dot ? (size_t)(dot - name) : strlen(name);
	char first[130];
	const cJSON *value = NULL;
	int i;

	if (strcmp(name, ".") == 0)
		return r->depth > 0 ? r->stack[r->depth - 1] : NULL;
	if (first_len >= sizeof(first))
		return NULL;
	memcpy(first, name, first_len);
	first[first_len] = '\0';
	for (i = r->depth - 1; i >= 0 && !value; i--)
		if (cJSON_IsObject(r->stack[i]))
			value = cJSON_GetObjectItemCaseSensitive(r->stack[i], first);
	while (value && dot) {
		const char *part = dot + 1;
		size_t len;

		dot = strchr(part, '.');
		len = dot ? (size_t)(dot - part) : strlen(part);
		if (len >= sizeof(first) || !cJSON_IsObject(value))
			return NULL;
		memcpy(first, part, len);
		first[len] = '\0';
		value = cJSON_GetObjectItemCaseSensitive(value, first);
	}
	return value;
}

/* 1 when a section over value shows its body, else 0. */
static int truthy(const cJSON *value)
{
	if (!value || cJSON_IsNull(value) || cJSON_IsFalse(value) || cJSON_IsInvalid(value))
		return 0;
	if (cJSON_IsArray(value))
		return cJSON_GetArraySize(value) > 0;
	if (cJSON_IsString(value))
		return value->valuestring && value->valuestring[0];
	return 1;
}

/* Appends the text of a value, escaped or not. */
static void put_value(GString *out, const cJSON *value, int escape)
{
	char number[64];
	const char *text = NULL;

	if (cJSON_IsString(value)) {
		text = value->valuestring;
	} else if (cJSON_IsNumber(value)) {
		double d = value->valuedouble;

		if (isfinite(d) && d == floor(d) && fabs(d) < 9007199254740992.0)
			snprintf(number, sizeof(number), "%.0f", d);
		else
			snprintf(number, sizeof(number), "%.17g", d);
		text = number;
	} else if (cJSON_IsTrue(value)) {
		text = "true";
	}
	if (!text)
		return;
	if (escape)
		html_escape_append(out, text, -1);
	else
		g_string_append(out, text);
}

static int render_nodes(struct render *r, const GPtrArray *nodes);

/* Renders a section's body with item pushed as the current item. Returns 0 or -1. */
static int render_with(struct render *r, const cJSON *item, const GPtrArray *nodes)
{
	int rc;

	r->stack[r->depth++] = item;
	rc = render_nodes(r, nodes);
	r->depth--;
	return rc;
}

/* Renders nodes into r->out. Returns 0, or -1 with a reason in r->err. */
static int render_nodes(struct render *r, const GPtrArray *nodes)
{
	guint i;

	if (r->nesting > TEMPLATE_DEPTH_MAX)
		return error_set(r->err, "templates nest deeper than %d levels (a partial including itself?)",
				 TEMPLATE_DEPTH_MAX);
	for (i = 0; i < nodes->len; i++) {
		const struct node *node = g_ptr_array_index(nodes, i);
		const cJSON *value;
		struct template *partial;
		int rc = 0;

		if (r->out->len > TEMPLATE_OUTPUT_MAX)
			return error_set(r->err, "a template's output grew over %d bytes", TEMPLATE_OUTPUT_MAX);
		switch (node->kind) {
		case NODE_TEXT:
			g_string_append_len(r->out, node->text, (gssize)node->len);
			break;
		case NODE_VAR:
		case NODE_RAW:
			put_value(r->out, lookup(r, node->text), node->kind == NODE_VAR);
			break;
		case NODE_SECTION:
			value = lookup(r, node->text);
			if (!truthy(value))
				break;
			r->nesting++;
			if (cJSON_IsArray(value)) {
				const cJSON *item;

				cJSON_ArrayForEach(item, value) {
					rc = render_with(r, item, node->children);
					if (rc < 0)
						break;
				}
			} else {
				rc = render_with(r, value, node->children);
			}
			r->nesting--;
			break;
		case NODE_INVERTED:
			if (truthy(lookup(r, node->text)))
				break;
			r->nesting++;
			rc = render_nodes(r, node->children);
			r->nesting--;
			break;
		case NODE_PARTIAL:
			partial = template_get(r->set, node->text, r->err);
			if (!partial)
				return -1;
			r->nesting++;
			rc = render_nodes(r, partial->nodes);
			r->nesting--;
			break;
		}
		if (rc < 0)
			return -1;
	}
	return 0;
}

int template_render(struct template_set *set, const char *name, const cJSON *data, GString *out,
		    struct sirius_error *err)
{
	struct render r;
	struct template *t = template_get(set, name, err);

	if (!t)
		return -1;
	memset(&r, 0, sizeof(r));
	r.set = set;
	r.out = out;
	r.err = err;
	r.stack[r.depth++] = data;
	return render_nodes(&r, t->nodes);
}
