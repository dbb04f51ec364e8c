/* import_pg.c: reading the original sirius server's tables from its PostgreSQL database (libpq). */
#include "import_pg.h"

#include <stdio.h>
#include <string.h>

#include <libpq-fe.h>

int import_pg_url_valid(const char *url)
{
	return url && (strncmp(url, "postgresql://", 13) == 0 || strncmp(url, "postgres://", 11) == 0);
}

/* The first line of a libpq message, without its trailing newline, into buf. */
static const char *first_line(const char *message, char *buf, size_t size)
{
	size_t n = strcspn(message ? message : "", "\n");

	snprintf(buf, size, "%.*s", (int)n, message ? message : "");
	return buf;
}

/* Runs a statement that returns no rows; 0, or -1 with a reason in err. */
static int command(PGconn *conn, const char *sql, struct sirius_error *err)
{
	PGresult *res = PQexec(conn, sql);
	char line[200];
	int rc = 0;

	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		rc = error_set(err, "PostgreSQL: %s: %s", sql, first_line(PQerrorMessage(conn), line, sizeof(line)));
	PQclear(res);
	return rc;
}

/*
 * The columns of public.<table>, in order, into a new array (empty when the
 * table does not exist). NULL with a reason in err when the query fails.
 */
static GPtrArray *table_columns(PGconn *conn, const char *table, struct sirius_error *err)
{
	const char *sql = "SELECT a.attname FROM pg_catalog.pg_attribute AS a"
			  " WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped"
			  " ORDER BY a.attnum";
	char *quoted = PQescapeIdentifier(conn, table, strlen(table));
	char *qualified = quoted ? g_strdup_printf("public.%s", quoted) : NULL;
	const char *params[1] = { qualified };
	PGresult *res;
	GPtrArray *columns = NULL;
	char line[200];
	int i;

	PQfreemem(quoted);
	if (!qualified) {
		error_set(err, "PostgreSQL: %s", first_line(PQerrorMessage(conn), line, sizeof(line)));
		return NULL;
	}
	res = PQexecParams(conn, sql, 1, NULL, params, NULL, NULL, 0);
	g_free(qualified);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		error_set(err, "PostgreSQL: listing the columns of %s: %s", table,
			  first_line(PQerrorMessage(conn), line, sizeof(line)));
	} else {
		columns = g_ptr_array_new_with_free_func(g_free);
		for (i = 0; i < PQntuples(res); i++)
			g_ptr_array_add(columns, g_strdup(PQgetvalue(res, i, 0)));
	}
	PQclear(res);
	return columns;
}

/* Reads one table into src (nothing when the database lacks it); 0, or -1 with a reason in err. */
static int read_table(PGconn *conn, struct import_source *src, enum import_table_id id, struct sirius_error *err)
{
	const struct import_table_spec *spec = import_table_spec(id);
	GPtrArray *have = table_columns(conn, spec->name, err), *names;
	GString *sql;
	PGresult *res;
	int map[IMPORT_MAX_COLUMNS], rc = -1, r;
	size_t c, k;
	char line[200];

	if (!have)
		return -1;
	if (have->len == 0) {
		g_ptr_array_free(have, TRUE);
		return 0;
	}
	/* select the spec's columns the table has, in the spec's order */
	names = g_ptr_array_new();
	sql = g_string_new("SELECT ");
	for (c = 0; c < spec->column_count; c++) {
		for (k = 0; k < have->len; k++) {
			if (strcmp(g_ptr_array_index(have, k), spec->columns[c]) == 0) {
				char *quoted = PQescapeIdentifier(conn, spec->columns[c], strlen(spec->columns[c]));

				g_string_append_printf(sql, "%s%s", names->len ? ", " : "", quoted ? quoted : "");
				PQfreemem(quoted);
				g_ptr_array_add(names, (gpointer)spec->columns[c]);
				break;
			}
		}
	}
	if (import_source_table_begin(src, id, (const char *const *)names->pdata, names->len, map, err) < 0)
		goto out;
	{
		char *quoted = PQescapeIdentifier(conn, spec->name, strlen(spec->name));

		g_string_append_printf(sql, " FROM public.%s ORDER BY 1", quoted ? quoted : "");
		PQfreemem(quoted);
	}
	res = PQexec(conn, sql->str);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		error_set(err, "PostgreSQL: reading table %s: %s", spec->name,
			  first_line(PQerrorMessage(conn), line, sizeof(line)));
		PQclear(res);
		goto out;
	}
	for (r = 0; r < PQntuples(res); r++) {
		const char *values[IMPORT_MAX_COLUMNS];

		for (c = 0; c < names->len; c++)
			values[c] = PQgetisnull(res, r, (int)c) ? NULL : PQgetvalue(res, r, (int)c);
		import_source_add_row(src, id, map, values, names->len);
	}
	PQclear(res);
	rc = 0;
out:
	g_string_free(sql, TRUE);
	g_ptr_array_free(names, TRUE);
	g_ptr_array_free(have, TRUE);
	return rc;
}

int import_pg_read(const char *url, struct import_source *src, struct sirius_error *err)
{
	PGconn *conn;
	char line[200];
	int rc = -1, t;

	if (!import_pg_url_valid(url))
		return error_set(err, "the database URL must start with postgresql:// or postgres://");
	conn = PQconnectdb(url);
	if (!conn)
		return error_set(err, "PostgreSQL: out of memory");
	if (PQstatus(conn) != CONNECTION_OK) {
		error_set(err, "cannot connect to PostgreSQL: %s", first_line(PQerrorMessage(conn), line, sizeof(line)));
		goto out;
	}
	/* text as UTF-8, times and bytea in the forms import_values.h reads, one snapshot of everything */
	if (PQsetClientEncoding(conn, "UTF8") != 0) {
		error_set(err, "PostgreSQL: cannot read in UTF8: %s", first_line(PQerrorMessage(conn), line, sizeof(line)));
		goto out;
	}
	if (command(conn, "SET DateStyle = 'ISO, YMD'", err) < 0 || command(conn, "SET bytea_output = 'hex'", err) < 0 ||
	    command(conn, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", err) < 0)
		goto out;
	for (t = 0; t < IMPORT_TABLE_COUNT; t++)
		if (read_table(conn, src, t, err) < 0)
			goto out;
	if (command(conn, "COMMIT", err) < 0)
		goto out;
	if (import_source_check(src, err) < 0)
		goto out;
	snprintf(src->description, sizeof(src->description), "the PostgreSQL database %s on %s", PQdb(conn),
		 PQhost(conn) && PQhost(conn)[0] == '/' ? "the local socket" : PQhost(conn));
	rc = 0;
out:
	PQfinish(conn);
	return rc;
}
