/* import_dump.c: reading the original sirius server's tables from a plain-SQL pg_dump file. */
#include "import_dump.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <glib.h>

/* The most columns a COPY header may list (the original's widest table has 8). */
#define COPY_MAX_COLUMNS 64

/* A hex or octal digit's value, or -1. */
static int digit_value(char c, int base)
{
	if (c >= '0' && c <= '7')
		return c - '0';
	if (base == 16)
		return g_ascii_xdigit_value(c);
	return -1;
}

int import_copy_fields(const char *line, size_t len, char **fields, size_t count, struct sirius_error *err)
{
	size_t f = 0, i = 0, k;
	GString *value = g_string_new(NULL);

	for (k = 0; k < count; k++)
		fields[k] = NULL;
	for (;;) {
		size_t start = i;
		int nul = 0;

		g_string_truncate(value, 0);
		while (i < len && line[i] != '\t') {
			char c = line[i++];

			if (c != '\\') {
				g_string_append_c(value, c);
				continue;
			}
			if (i >= len) {
				error_set(err, "a field ends with a lone backslash");
				goto fail;
			}
			c = line[i++];
			switch (c) {
			case 'b': g_string_append_c(value, '\b'); break;
			case 'f': g_string_append_c(value, '\f'); break;
			case 'n': g_string_append_c(value, '\n'); break;
			case 'r': g_string_append_c(value, '\r'); break;
			case 't': g_string_append_c(value, '\t'); break;
			case 'v': g_string_append_c(value, '\v'); break;
			case 'x':
				if (i < len && digit_value(line[i], 16) >= 0) {
					int v = digit_value(line[i++], 16);

					if (i < len && digit_value(line[i], 16) >= 0)
						v = v * 16 + digit_value(line[i++], 16);
					nul |= v == 0;
					g_string_append_c(value, (char)v);
				} else {
					g_string_append_c(value, 'x');
				}
				break;
			default:
				if (digit_value(c, 8) >= 0) {
					int v = digit_value(c, 8), n;

					for (n = 1; n < 3 && i < len && digit_value(line[i], 8) >= 0; n++)
						v = v * 8 + digit_value(line[i++], 8);
					nul |= (v & 0xff) == 0;
					g_string_append_c(value, (char)(v & 0xff));
				} else {
					g_string_append_c(value, c);
				}
			}
		}
		if (nul) {
			error_set(err, "field %zu holds a NUL byte", f + 1);
			goto fail;
		}
		if (f >= count) {
			error_set(err, "a row has more than %zu fields", count);
			goto fail;
		}
		if (!(i - start == 2 && line[start] == '\\' && line[start + 1] == 'N'))
			fields[f] = g_strndup(value->str, value->len);
		f++;
		if (i >= len)
			break;
		i++; /* the tab */
	}
	if (f != count) {
		error_set(err, "a row has %zu fields, not %zu", f, count);
		goto fail;
	}
	g_string_free(value, TRUE);
	return 0;
fail:
	for (k = 0; k < count; k++) {
		g_free(fields[k]);
		fields[k] = NULL;
	}
	g_string_free(value, TRUE);
	return -1;
}

/*
 * Reads one SQL identifier at *p (quoted, with "" for a quote, or plain, which
 * PostgreSQL folds to lower case) into a new string and moves *p past it;
 * NULL when there is none.
 */
static char *identifier(const char **p)
{
	GString *name = g_string_new(NULL);
	const char *s = *p;

	if (*s == '"') {
		for (s++;; s++) {
			if (*s == '\0') {
				g_string_free(name, TRUE);
				return NULL;
			}
			if (*s == '"') {
				if (s[1] != '"')
					break;
				s++;
			}
			g_string_append_c(name, *s);
		}
		s++;
	} else {
		while (g_ascii_isalnum(*s) || *s == '_' || *s == '$')
			g_string_append_c(name, g_ascii_tolower(*s++));
	}
	if (name->len == 0) {
		g_string_free(name, TRUE);
		return NULL;
	}
	*p = s;
	return g_string_free(name, FALSE);
}

/* A parsed "COPY [schema.]table (col, ...) FROM stdin;" line. */
struct copy_header {
	char *schema;                      /* NULL when the name is not qualified */
	char *table;                       /* the table's name */
	char *columns[COPY_MAX_COLUMNS];   /* the columns listed */
	size_t column_count;               /* entries of columns */
};

static void copy_header_free(struct copy_header *h)
{
	size_t i;

	g_free(h->schema);
	g_free(h->table);
	for (i = 0; i < h->column_count; i++)
		g_free(h->columns[i]);
	memset(h, 0, sizeof(*h));
}

/* Parses a COPY line; 0, or -1 with a reason in err. */
static int parse_copy_header(const char *line, struct copy_header *h, struct sirius_error *err)
{
	const char *p = line + strlen("COPY ");
	char *name;

	memset(h, 0, sizeof(*h));
	name = identifier(&p);
	if (!name)
		return error_set(err, "a COPY statement without a table name");
	if (*p == '.') {
		p++;
		h->schema = name;
		name = identifier(&p);
		if (!name) {
			copy_header_free(h);
			return error_set(err, "a COPY statement without a table name");
		}
	}
	h->table = name;
	if (strncmp(p, " (", 2) != 0) {
		copy_header_free(h);
		return error_set(err, "a COPY statement without a list of columns (not written by pg_dump)");
	}
	p += 2;
	for (;;) {
		char *column = identifier(&p);

		if (!column || h->column_count >= COPY_MAX_COLUMNS) {
			g_free(column);
			copy_header_free(h);
			return error_set(err, "a COPY statement with a malformed list of columns");
		}
		h->columns[h->column_count++] = column;
		if (strncmp(p, ", ", 2) == 0) {
			p += 2;
			continue;
		}
		if (*p == ')')
			break;
		copy_header_free(h);
		return error_set(err, "a COPY statement with a malformed list of columns");
	}
	p++;
	if (strcmp(p, " FROM stdin;") != 0) {
		copy_header_free(h);
		return error_set(err, "a COPY statement that does not read FROM stdin");
	}
	return 0;
}

/* Refuses files that are not plain SQL, by their first bytes; 0, or -1 with a reason in err. */
static int check_format(const char *path, FILE *f, struct sirius_error *err)
{
	unsigned char head[512];
	size_t n = fread(head, 1, sizeof(head), f);

	if (ferror(f))
		return error_set(err, "cannot read %s: %s", path, g_strerror(errno));
	rewind(f);
	if (n >= 5 && memcmp(head, "PGDMP", 5) == 0)
		return error_set(err, "%s is a pg_dump archive in the custom format: make a plain SQL file of it "
				 "with pg_restore -f FILE.sql %s (or dump again with pg_dump --format=plain)", path, path);
	if (n >= 2 && head[0] == 0x1f && head[1] == 0x8b)
		return error_set(err, "%s is compressed (gzip): uncompress it first (gunzip)", path);
	if (n >= 262 && memcmp(head + 257, "ustar", 5) == 0)
		return error_set(err, "%s is a tar archive (pg_dump --format=tar?): make a plain SQL file of it "
				 "with pg_restore -f FILE.sql %s", path, path);
	if (memchr(head, '\0', n))
		return error_set(err, "%s is not a plain SQL file (it holds NUL bytes)", path);
	return 0;
}

/* "SET client_encoding = 'X';": 0 when X is one the import reads, else -1 with a reason in err. */
static int check_encoding(const char *line, const char *path, long lineno, struct sirius_error *err)
{
	const char *q = strchr(line, '\'');
	const char *e = q ? strchr(q + 1, '\'') : NULL;
	char *encoding;
	int ok;

	if (!q || !e)
		return 0;
	encoding = g_strndup(q + 1, (gsize)(e - q - 1));
	ok = g_ascii_strcasecmp(encoding, "UTF8") == 0 || g_ascii_strcasecmp(encoding, "UTF-8") == 0 ||
	     g_ascii_strcasecmp(encoding, "SQL_ASCII") == 0;
	if (!ok)
		error_set(err, "%s:%ld: the dump is in the encoding %s: dump again with pg_dump --encoding=UTF8",
			  path, lineno, encoding);
	g_free(encoding);
	return ok ? 0 : -1;
}

/* The table a COPY or INSERT names, when it is one the import reads (schema public or none); else -1. */
static int wanted_table(const char *schema, const char *table)
{
	if (schema && strcmp(schema, "public") != 0)
		return -1;
	return import_table_by_name(table);
}

/* Reads a line into *line (NUL-terminated, newline and a CR before it cut); its length, or -1 at the end. */
static ssize_t read_line(FILE *f, char **line, size_t *size)
{
	ssize_t n = getline(line, size, f);

	if (n <= 0)
		return -1;
	if ((*line)[n - 1] == '\n')
		(*line)[--n] = '\0';
	if (n > 0 && (*line)[n - 1] == '\r')
		(*line)[--n] = '\0';
	return n;
}

int import_dump_read(const char *path, struct import_source *src, struct sirius_error *err)
{
	FILE *f;
	struct stat st;
	char *line = NULL;
	size_t size = 0;
	ssize_t n;
	long lineno = 0;
	int inserts[IMPORT_TABLE_COUNT] = { 0 };
	int rc = -1, t;
	struct sirius_error why = { "" };

	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return error_set(err, "%s is a directory (pg_dump --format=directory?): make a plain SQL file of it "
				 "with pg_restore -f FILE.sql %s", path, path);
	f = fopen(path, "r");
	if (!f)
		return error_set(err, "cannot open %s: %s", path, g_strerror(errno));
	if (check_format(path, f, err) < 0)
		goto out;
	while ((n = read_line(f, &line, &size)) >= 0) {
		struct copy_header h;
		int map[COPY_MAX_COLUMNS];
		int id;

		lineno++;
		if ((size_t)n > IMPORT_DUMP_LINE_MAX) {
			error_set(err, "%s:%ld: a line longer than %u bytes", path, lineno, IMPORT_DUMP_LINE_MAX);
			goto out;
		}
		if (strncmp(line, "SET client_encoding", 19) == 0 && check_encoding(line, path, lineno, err) < 0)
			goto out;
		if (strncmp(line, "INSERT INTO ", 12) == 0) {
			const char *p = line + 12;
			char *first = identifier(&p), *second = NULL;

			if (first && *p == '.') {
				p++;
				second = identifier(&p);
			}
			id = first ? (second ? wanted_table(first, second) : wanted_table(NULL, first)) : -1;
			if (id >= 0)
				inserts[id] = 1;
			g_free(first);
			g_free(second);
			continue;
		}
		if (strncmp(line, "COPY ", 5) != 0)
			continue;
		if (parse_copy_header(line, &h, &why) < 0) {
			error_set(err, "%s:%ld: %s", path, lineno, why.message);
			goto out;
		}
		id = wanted_table(h.schema, h.table);
		if (id >= 0 && import_source_table_begin(src, id, (const char *const *)h.columns, h.column_count, map,
							 &why) < 0) {
			error_set(err, "%s:%ld: %s", path, lineno, why.message);
			copy_header_free(&h);
			goto out;
		}
		for (;;) {
			char *fields[COPY_MAX_COLUMNS];

			n = read_line(f, &line, &size);
			lineno++;
			if (n < 0) {
				error_set(err, "%s: the data of table %s ends without its \\. line: the file is cut short",
					  path, h.table);
				copy_header_free(&h);
				goto out;
			}
			if (strcmp(line, "\\.") == 0)
				break;
			if (id < 0)
				continue;
			if ((size_t)n > IMPORT_DUMP_LINE_MAX) {
				error_set(err, "%s:%ld: a line longer than %u bytes", path, lineno, IMPORT_DUMP_LINE_MAX);
				copy_header_free(&h);
				goto out;
			}
			if (import_copy_fields(line, (size_t)n, fields, h.column_count, &why) < 0) {
				error_set(err, "%s:%ld: table %s: %s", path, lineno, h.table, why.message);
				copy_header_free(&h);
				goto out;
			}
			import_source_add_row(src, id, map, (const char *const *)fields, h.column_count);
			for (size_t k = 0; k < h.column_count; k++)
				g_free(fields[k]);
		}
		copy_header_free(&h);
	}
	if (ferror(f)) {
		error_set(err, "cannot read %s: %s", path, g_strerror(errno));
		goto out;
	}
	for (t = 0; t < IMPORT_TABLE_COUNT; t++) {
		if (inserts[t] && !src->tables[t].present) {
			error_set(err, "%s holds INSERT statements (pg_dump --inserts or --column-inserts), which are not "
				  "read: dump again without those options", path);
			goto out;
		}
	}
	if (import_source_check(src, &why) < 0) {
		error_set(err, "%s: %s", path, why.message);
		goto out;
	}
	snprintf(src->description, sizeof(src->description), "the pg_dump file %s", path);
	rc = 0;
out:
	free(line);
	fclose(f);
	return rc;
}
