/* import_pickle.c: the screen names in the original sirius server's pickled Twitter friend lists. */
#include "import_pickle.h"

#include <string.h>

/* The deepest the value stack may grow, and the most values one pickle may make (a friend list has a few per friend). */
#define PICKLE_STACK_MAX 1000000u
#define PICKLE_VALUES_MAX 2000000u

enum pv_kind {
	PV_MARK,    /* the MARK opcode's place on the stack */
	PV_NONE,    /* None */
	PV_BOOL,    /* True or False */
	PV_INT,     /* an integer (its value is not needed) */
	PV_STRING,  /* str, or bytes / a Python 2 str */
	PV_TUPLE,   /* a tuple: items */
	PV_LIST,    /* a list: items */
	PV_DICT,    /* a dict (its contents are not kept) */
	PV_GLOBAL,  /* a class or function reference: text is the module, name the attribute */
	PV_OBJECT   /* an object made by NEWOBJ or REDUCE: items[0] the class, items[1] its arguments */
};

/* One value, owned by the parser's arena. */
struct pv {
	enum pv_kind kind;   /* what it is */
	char *text;          /* PV_STRING: the bytes (NUL-terminated copy); PV_GLOBAL: the module */
	char *name;          /* PV_GLOBAL: the attribute */
	GPtrArray *items;    /* PV_TUPLE, PV_LIST, PV_OBJECT: struct pv * (not owned) */
};

struct parser {
	const uint8_t *data;   /* the pickle */
	size_t len;            /* its bytes */
	size_t pos;            /* the next byte to read */
	GPtrArray *arena;      /* every struct pv made, freed together */
	GPtrArray *stack;      /* struct pv *: the pickle machine's stack (marks included) */
	GHashTable *memo;      /* memo index (GUINT_TO_POINTER) -> struct pv * */
	struct sirius_error *err; /* where a refusal's reason goes */
};

static void pv_free(gpointer p)
{
	struct pv *v = p;

	g_free(v->text);
	g_free(v->name);
	if (v->items)
		g_ptr_array_free(v->items, TRUE);
	g_free(v);
}

static struct pv *pv_new(struct parser *ps, enum pv_kind kind)
{
	struct pv *v = g_new0(struct pv, 1);

	v->kind = kind;
	if (kind == PV_TUPLE || kind == PV_LIST || kind == PV_OBJECT)
		v->items = g_ptr_array_new();
	g_ptr_array_add(ps->arena, v);
	return v;
}

static int push(struct parser *ps, struct pv *v)
{
	if (ps->arena->len > PICKLE_VALUES_MAX)
		return error_set(ps->err, "the pickle makes more than %u values", PICKLE_VALUES_MAX);
	if (ps->stack->len >= PICKLE_STACK_MAX)
		return error_set(ps->err, "the pickle's stack grows past %u entries", PICKLE_STACK_MAX);
	g_ptr_array_add(ps->stack, v);
	return 0;
}

/* Pops a value that is not a mark; NULL (reason in err) on an empty stack or a mark. */
static struct pv *pop(struct parser *ps)
{
	struct pv *v;

	if (ps->stack->len == 0) {
		error_set(ps->err, "the pickle pops from an empty stack at byte %zu", ps->pos);
		return NULL;
	}
	v = g_ptr_array_index(ps->stack, ps->stack->len - 1);
	if (v->kind == PV_MARK) {
		error_set(ps->err, "the pickle pops a mark at byte %zu", ps->pos);
		return NULL;
	}
	g_ptr_array_set_size(ps->stack, ps->stack->len - 1);
	return v;
}

static struct pv *top(struct parser *ps)
{
	struct pv *v = ps->stack->len ? g_ptr_array_index(ps->stack, ps->stack->len - 1) : NULL;

	if (!v || v->kind == PV_MARK) {
		error_set(ps->err, "the pickle has no value on its stack at byte %zu", ps->pos);
		return NULL;
	}
	return v;
}

/* The stack index just above the topmost mark, which is removed; -1 (reason in err) when there is none. */
static int pop_mark(struct parser *ps, guint *first)
{
	guint i;

	for (i = ps->stack->len; i > 0; i--) {
		struct pv *v = g_ptr_array_index(ps->stack, i - 1);

		if (v->kind == PV_MARK) {
			g_ptr_array_remove_index(ps->stack, i - 1);
			*first = i - 1;
			return 0;
		}
	}
	return error_set(ps->err, "the pickle has no mark at byte %zu", ps->pos);
}

/* Reads n bytes; NULL (reason in err) past the end. */
static const uint8_t *take(struct parser *ps, size_t n)
{
	const uint8_t *p;

	if (n > ps->len - ps->pos) {
		error_set(ps->err, "the pickle is cut short at byte %zu", ps->pos);
		return NULL;
	}
	p = ps->data + ps->pos;
	ps->pos += n;
	return p;
}

/* Reads an n-byte little-endian unsigned number; 0, or -1. */
static int take_uint(struct parser *ps, size_t n, uint64_t *out)
{
	const uint8_t *p = take(ps, n);
	size_t i;

	if (!p)
		return -1;
	*out = 0;
	for (i = n; i > 0; i--)
		*out = *out << 8 | p[i - 1];
	return 0;
}

/* Reads a line ending in \n (GLOBAL, PUT, GET) into a new string; NULL on error. */
static char *take_line(struct parser *ps)
{
	const uint8_t *start = ps->data + ps->pos;
	const uint8_t *nl = memchr(start, '\n', ps->len - ps->pos);

	if (!nl) {
		error_set(ps->err, "the pickle is cut short at byte %zu", ps->pos);
		return NULL;
	}
	ps->pos += (size_t)(nl - start) + 1;
	return g_strndup((const char *)start, (gsize)(nl - start));
}

/* A string of n bytes read from the pickle, pushed; 0, or -1. */
static int push_string(struct parser *ps, uint64_t n)
{
	const uint8_t *p;
	struct pv *v;

	if (n > ps->len - ps->pos)
		return error_set(ps->err, "the pickle is cut short at byte %zu", ps->pos);
	p = take(ps, (size_t)n);
	v = pv_new(ps, PV_STRING);
	v->text = g_strndup((const char *)p, (gsize)n);
	if (strlen(v->text) != n)
		return error_set(ps->err, "a string of the pickle holds a NUL byte");
	return push(ps, v);
}

/* Stores the top of the stack in the memo at index; 0, or -1. */
static int memo_put(struct parser *ps, uint64_t index)
{
	struct pv *v = top(ps);

	if (!v)
		return -1;
	if (index > ps->len)
		return error_set(ps->err, "the pickle uses memo index %llu", (unsigned long long)index);
	g_hash_table_insert(ps->memo, GUINT_TO_POINTER((guint)index), v);
	return 0;
}

static int memo_get(struct parser *ps, uint64_t index)
{
	struct pv *v = index <= ps->len ? g_hash_table_lookup(ps->memo, GUINT_TO_POINTER((guint)index)) : NULL;

	if (!v)
		return error_set(ps->err, "the pickle reads memo entry %llu, which it never stored",
				 (unsigned long long)index);
	return push(ps, v);
}

/* A decimal memo index from a PUT or GET line; 0, or -1. */
static int line_index(struct parser *ps, uint64_t *index)
{
	char *line = take_line(ps), *end;
	int rc = 0;

	if (!line)
		return -1;
	*index = g_ascii_strtoull(line, &end, 10);
	if (line[0] == '\0' || *end != '\0')
		rc = error_set(ps->err, "the pickle has a malformed memo index");
	g_free(line);
	return rc;
}

/* A tuple of the top n values. */
static int make_tuple(struct parser *ps, guint n)
{
	struct pv *t = pv_new(ps, PV_TUPLE);
	guint i;

	if (ps->stack->len < n)
		return error_set(ps->err, "the pickle makes a tuple of more values than it has");
	for (i = ps->stack->len - n; i < ps->stack->len; i++) {
		struct pv *v = g_ptr_array_index(ps->stack, i);

		if (v->kind == PV_MARK)
			return error_set(ps->err, "the pickle puts a mark in a tuple");
		g_ptr_array_add(t->items, v);
	}
	g_ptr_array_set_size(ps->stack, ps->stack->len - n);
	return push(ps, t);
}

/* The values above the topmost mark, moved into a new list or tuple (LIST, TUPLE) or an existing list (APPENDS). */
static int collect(struct parser *ps, struct pv *into)
{
	guint first, i;

	if (pop_mark(ps, &first) < 0)
		return -1;
	for (i = first; i < ps->stack->len; i++)
		g_ptr_array_add(into->items, g_ptr_array_index(ps->stack, i));
	g_ptr_array_set_size(ps->stack, first);
	return 0;
}

/* An object from a class and its arguments (NEWOBJ, NEWOBJ_EX, REDUCE). */
static int make_object(struct parser *ps, int with_kwargs)
{
	struct pv *kwargs = with_kwargs ? pop(ps) : NULL, *args, *cls, *obj;

	if (with_kwargs && !kwargs)
		return -1;
	args = pop(ps);
	cls = args ? pop(ps) : NULL;
	if (!cls)
		return -1;
	if (args->kind != PV_TUPLE)
		return error_set(ps->err, "the pickle makes an object with arguments that are not a tuple");
	obj = pv_new(ps, PV_OBJECT);
	g_ptr_array_add(obj->items, cls);
	g_ptr_array_add(obj->items, args);
	return push(ps, obj);
}

/* Runs one opcode; 1 at STOP (*result set), 0 to go on, -1 on error. */
static int step(struct parser *ps, struct pv **result)
{
	const uint8_t *p = take(ps, 1);
	uint64_t n;
	struct pv *v, *list;
	guint first;
	char *module, *name;

	if (!p)
		return -1;
	switch (*p) {
	case 0x80: /* PROTO */
		if (take_uint(ps, 1, &n) < 0)
			return -1;
		if (n < 2 || n > 5)
			return error_set(ps->err, "the pickle is of protocol %llu (2 to 5 are read)", (unsigned long long)n);
		return 0;
	case 0x95: /* FRAME: a length that only matters for buffering */
		return take_uint(ps, 8, &n);
	case '.': /* STOP */
		*result = pop(ps);
		return *result ? 1 : -1;
	case '(': /* MARK */
		return push(ps, pv_new(ps, PV_MARK));
	case ']': return push(ps, pv_new(ps, PV_LIST));
	case ')': return push(ps, pv_new(ps, PV_TUPLE));
	case '}': return push(ps, pv_new(ps, PV_DICT));
	case 'N': return push(ps, pv_new(ps, PV_NONE));
	case 0x88: case 0x89: return push(ps, pv_new(ps, PV_BOOL));
	case 'K': return take_uint(ps, 1, &n) < 0 ? -1 : push(ps, pv_new(ps, PV_INT));
	case 'M': return take_uint(ps, 2, &n) < 0 ? -1 : push(ps, pv_new(ps, PV_INT));
	case 'J': return take_uint(ps, 4, &n) < 0 ? -1 : push(ps, pv_new(ps, PV_INT));
	case 0x8a: /* LONG1 */
		if (take_uint(ps, 1, &n) < 0 || !take(ps, (size_t)n))
			return -1;
		return push(ps, pv_new(ps, PV_INT));
	case 0x8c: case 'U': case 'C': /* SHORT_BINUNICODE, SHORT_BINSTRING, SHORT_BINBYTES */
		return take_uint(ps, 1, &n) < 0 ? -1 : push_string(ps, n);
	case 'X': case 'T': case 'B': /* BINUNICODE, BINSTRING, BINBYTES */
		return take_uint(ps, 4, &n) < 0 ? -1 : push_string(ps, n);
	case 0x8d: case 0x8e: /* BINUNICODE8, BINBYTES8 */
		return take_uint(ps, 8, &n) < 0 ? -1 : push_string(ps, n);
	case 'a': /* APPEND */
		v = pop(ps);
		list = v ? top(ps) : NULL;
		if (!list)
			return -1;
		if (list->kind != PV_LIST)
			return error_set(ps->err, "the pickle appends to something that is not a list");
		g_ptr_array_add(list->items, v);
		return 0;
	case 'e': /* APPENDS */
		if (pop_mark(ps, &first) < 0)
			return -1;
		if (first == 0 || ((struct pv *)g_ptr_array_index(ps->stack, first - 1))->kind != PV_LIST)
			return error_set(ps->err, "the pickle appends to something that is not a list");
		list = g_ptr_array_index(ps->stack, first - 1);
		for (guint i = first; i < ps->stack->len; i++)
			g_ptr_array_add(list->items, g_ptr_array_index(ps->stack, i));
		g_ptr_array_set_size(ps->stack, first);
		return 0;
	case 'l': /* LIST */
		v = pv_new(ps, PV_LIST);
		return collect(ps, v) < 0 ? -1 : push(ps, v);
	case 't': /* TUPLE */
		v = pv_new(ps, PV_TUPLE);
		return collect(ps, v) < 0 ? -1 : push(ps, v);
	case 0x85: return make_tuple(ps, 1);
	case 0x86: return make_tuple(ps, 2);
	case 0x87: return make_tuple(ps, 3);
	case 's': /* SETITEM: the contents of dicts are not needed */
		if (!pop(ps) || !pop(ps) || !(v = top(ps)))
			return -1;
		return v->kind == PV_DICT ? 0 : error_set(ps->err, "the pickle sets an item of something not a dict");
	case 'u': /* SETITEMS */
		if (pop_mark(ps, &first) < 0)
			return -1;
		g_ptr_array_set_size(ps->stack, first);
		if (!(v = top(ps)))
			return -1;
		return v->kind == PV_DICT ? 0 : error_set(ps->err, "the pickle sets items of something not a dict");
	case 'c': /* GLOBAL */
		module = take_line(ps);
		name = module ? take_line(ps) : NULL;
		if (!name) {
			g_free(module);
			return -1;
		}
		v = pv_new(ps, PV_GLOBAL);
		v->text = module;
		v->name = name;
		return push(ps, v);
	case 0x93: /* STACK_GLOBAL */
		list = pop(ps); /* the attribute */
		v = list ? pop(ps) : NULL;
		if (!v)
			return -1;
		if (v->kind != PV_STRING || list->kind != PV_STRING)
			return error_set(ps->err, "the pickle names a class with something that is not a string");
		{
			struct pv *g = pv_new(ps, PV_GLOBAL);

			g->text = g_strdup(v->text);
			g->name = g_strdup(list->text);
			return push(ps, g);
		}
	case 0x81: return make_object(ps, 0); /* NEWOBJ */
	case 0x92: return make_object(ps, 1); /* NEWOBJ_EX */
	case 'R': return make_object(ps, 0);  /* REDUCE */
	case 'b': /* BUILD: the state is dropped; the object stays */
		return pop(ps) && top(ps) ? 0 : -1;
	case 0x94: /* MEMOIZE */
		return memo_put(ps, g_hash_table_size(ps->memo));
	case 'q': return take_uint(ps, 1, &n) < 0 ? -1 : memo_put(ps, n);
	case 'r': return take_uint(ps, 4, &n) < 0 ? -1 : memo_put(ps, n);
	case 'p': return line_index(ps, &n) < 0 ? -1 : memo_put(ps, n);
	case 'h': return take_uint(ps, 1, &n) < 0 ? -1 : memo_get(ps, n);
	case 'j': return take_uint(ps, 4, &n) < 0 ? -1 : memo_get(ps, n);
	case 'g': return line_index(ps, &n) < 0 ? -1 : memo_get(ps, n);
	default:
		return error_set(ps->err, "the pickle has opcode 0x%02x at byte %zu, which is not read", *p, ps->pos - 1);
	}
}

/* The screen name of one element of the friend list, or NULL (reason in err). */
static const char *screen_name(struct pv *v, guint index, struct sirius_error *err)
{
	struct pv *fields = NULL;

	if (v->kind == PV_OBJECT) {
		struct pv *cls = g_ptr_array_index(v->items, 0);

		if (cls->kind != PV_GLOBAL || strcmp(cls->name, "Friend") != 0) {
			error_set(err, "element %u of the friend list is an object of another class", index + 1);
			return NULL;
		}
		fields = g_ptr_array_index(v->items, 1);
	} else if (v->kind == PV_TUPLE) {
		fields = v;
	}
	if (!fields || fields->items->len == 0 ||
	    ((struct pv *)g_ptr_array_index(fields->items, 0))->kind != PV_STRING) {
		error_set(err, "element %u of the friend list is not a Friend with a screen name", index + 1);
		return NULL;
	}
	return ((struct pv *)g_ptr_array_index(fields->items, 0))->text;
}

int import_pickle_friends(const uint8_t *data, size_t len, GPtrArray **names, struct sirius_error *err)
{
	struct parser ps = { data, len, 0, NULL, NULL, NULL, err };
	struct pv *result = NULL;
	int rc;
	guint i;

	*names = NULL;
	ps.arena = g_ptr_array_new_with_free_func(pv_free);
	ps.stack = g_ptr_array_new();
	ps.memo = g_hash_table_new(g_direct_hash, g_direct_equal);
	while ((rc = step(&ps, &result)) == 0)
		;
	if (rc > 0 && ps.pos != len)
		rc = error_set(err, "the pickle has %zu bytes after its end", len - ps.pos);
	if (rc > 0 && result->kind != PV_LIST && result->kind != PV_NONE)
		rc = error_set(err, "the pickle is not a list of friends");
	if (rc > 0) {
		*names = g_ptr_array_new_with_free_func(g_free);
		for (i = 0; result->kind == PV_LIST && i < result->items->len; i++) {
			const char *name = screen_name(g_ptr_array_index(result->items, i), i, err);

			if (!name) {
				g_ptr_array_free(*names, TRUE);
				*names = NULL;
				rc = -1;
				break;
			}
			g_ptr_array_add(*names, g_strdup(name));
		}
	}
	g_hash_table_destroy(ps.memo);
	g_ptr_array_free(ps.stack, TRUE);
	g_ptr_array_free(ps.arena, TRUE);
	return rc > 0 ? 0 : -1;
}
