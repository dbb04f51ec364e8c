/* import_source.c: the tables and columns of the original sirius server that sirius-import reads, and their rows. */
#include "import_source.h"

#include <string.h>

/*
 * The original's schema after its last migration (44c4368c2db1; see
 * tests/vectors/sirius-original/schema.sql). Columns the import cannot do
 * without are required; the others read as NULL when a source lacks them
 * (a database from before print_key.number_of_uses, say).
 */
static const struct import_table_spec specs[IMPORT_TABLE_COUNT] = {
	[IMPORT_USER] = { "user", 1, USER_COLUMNS,
		{ "id", "created", "username", "api_key" }, { 1, 0, 1, 0 } },
	[IMPORT_TWITTER] = { "twitter_o_auth", 0, TWITTER_COLUMNS,
		{ "id", "user_id", "screen_name", "friends", "last_friend_refresh" }, { 1, 1, 1, 1, 0 } },
	[IMPORT_PRINTER] = { "printer", 1, PRINTER_COLUMNS,
		{ "id", "created", "device_address", "hardware_xor", "name", "owner_id", "used_claim_code" },
		{ 1, 0, 1, 0, 0, 1, 1 } },
	[IMPORT_CLAIM_CODE] = { "claim_code", 1, CLAIM_COLUMNS,
		{ "id", "created", "by_id", "hardware_xor", "claim_code", "name" }, { 1, 0, 1, 0, 1, 0 } },
	[IMPORT_PRINT_KEY] = { "print_key", 0, KEY_COLUMNS,
		{ "id", "secret", "created", "printer_id", "number_of_uses", "senders" }, { 1, 1, 0, 1, 0, 0 } },
};

const struct import_table_spec *import_table_spec(enum import_table_id id)
{
	return &specs[id];
}

int import_table_by_name(const char *name)
{
	int i;

	for (i = 0; i < IMPORT_TABLE_COUNT; i++)
		if (strcmp(specs[i].name, name) == 0)
			return i;
	return -1;
}

void import_source_init(struct import_source *src)
{
	memset(src, 0, sizeof(*src));
}

/* Frees one row of column_count values. */
static void free_row(char **row, size_t column_count)
{
	size_t i;

	for (i = 0; i < column_count; i++)
		g_free(row[i]);
	g_free(row);
}

void import_source_free(struct import_source *src)
{
	int t;
	guint r;

	for (t = 0; t < IMPORT_TABLE_COUNT; t++) {
		struct import_table *table = &src->tables[t];

		if (!table->rows)
			continue;
		for (r = 0; r < table->rows->len; r++)
			free_row(g_ptr_array_index(table->rows, r), specs[t].column_count);
		g_ptr_array_free(table->rows, TRUE);
		table->rows = NULL;
	}
}

int import_source_table_begin(struct import_source *src, enum import_table_id id, const char *const *names,
			      size_t count, int *map, struct sirius_error *err)
{
	const struct import_table_spec *spec = &specs[id];
	struct import_table *table = &src->tables[id];
	size_t i, c;

	if (table->present)
		return error_set(err, "table %s appears twice", spec->name);
	memset(table->has, 0, sizeof(table->has));
	for (i = 0; i < count; i++) {
		map[i] = -1;
		for (c = 0; c < spec->column_count; c++) {
			if (strcmp(names[i], spec->columns[c]) == 0 && !table->has[c]) {
				map[i] = (int)c;
				table->has[c] = 1;
				break;
			}
		}
	}
	for (c = 0; c < spec->column_count; c++)
		if (spec->column_required[c] && !table->has[c])
			return error_set(err, "table %s has no column %s: not a database of the sirius server",
					 spec->name, spec->columns[c]);
	table->present = 1;
	table->rows = g_ptr_array_new();
	return 0;
}

int import_source_add_row(struct import_source *src, enum import_table_id id, const int *map,
			  const char *const *values, size_t count)
{
	char **row = g_new0(char *, specs[id].column_count);
	size_t i;

	for (i = 0; i < count; i++)
		if (map[i] >= 0 && values[i])
			row[map[i]] = g_strdup(values[i]);
	g_ptr_array_add(src->tables[id].rows, row);
	return 0;
}

int import_source_check(const struct import_source *src, struct sirius_error *err)
{
	int t;

	for (t = 0; t < IMPORT_TABLE_COUNT; t++)
		if (specs[t].required && !src->tables[t].present)
			return error_set(err, "no table %s: not a database of the sirius server (or a dump without its data)",
					 specs[t].name);
	return 0;
}

size_t import_rows(const struct import_source *src, enum import_table_id id)
{
	return src->tables[id].rows ? src->tables[id].rows->len : 0;
}

const char *import_value(const struct import_source *src, enum import_table_id id, size_t row, int column)
{
	const struct import_table *table = &src->tables[id];

	if (!table->rows || row >= table->rows->len || column < 0 || (size_t)column >= specs[id].column_count)
		return NULL;
	return ((char **)g_ptr_array_index(table->rows, row))[column];
}
