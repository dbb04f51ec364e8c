/* test_db.c: a sirius database in a temporary directory of its own, for the unit tests. */
#include "test_db.h"

#include <errno.h>
#include <string.h>

#include <check.h>
#include <glib.h>
#include <glib/gstdio.h>

#include "db.h"

void test_db_open(struct test_db *t, const char *prefix)
{
	struct sirius_error err = { "" };
	GError *gerr = NULL;
	char *template = g_strdup_printf("%s-XXXXXX", prefix);

	t->dir = g_dir_make_tmp(template, &gerr);
	g_free(template);
	ck_assert_msg(t->dir != NULL, "cannot make a temporary directory: %s", gerr ? gerr->message : "?");
	t->path = g_build_filename(t->dir, "sirius.db", NULL);
	t->db = db_open(t->path, &err);
	ck_assert_msg(t->db != NULL, "db_open %s: %s", t->path, err.message);
}

void test_db_close(struct test_db *t)
{
	GDir *dir;
	const char *name;
	int removed;

	db_close(t->db);
	t->db = NULL;
	/* g_remove also takes an empty directory, such as one a test made and emptied */
	dir = g_dir_open(t->dir, 0, NULL);
	while (dir && (name = g_dir_read_name(dir))) {
		char *path = g_build_filename(t->dir, name, NULL);

		g_remove(path);
		g_free(path);
	}
	if (dir)
		g_dir_close(dir);
	removed = g_rmdir(t->dir) == 0;
	ck_assert_msg(removed, "cannot remove %s: %s", t->dir, g_strerror(errno));
	g_free(t->path);
	g_free(t->dir);
	t->path = NULL;
	t->dir = NULL;
}

void test_db_message(struct db *db, uint32_t id, int64_t printer_id, int command, int64_t now, int64_t key_id,
		     const char *digest)
{
	static const uint8_t payload[] = { 1, 0, 1, 0, 9, 9 };
	struct sirius_error err = { "" };
	struct db_message_new m;

	memset(&m, 0, sizeof(m));
	m.id = id;
	m.printer_id = printer_id;
	m.sender = "alice";
	m.command = command;
	m.payload = payload;
	m.payload_len = sizeof(payload);
	m.key_id = key_id;
	m.dedupe = digest;
	ck_assert_msg(db_message_create(db, &m, now, &err) == 0, "%s", err.message);
}

uint32_t test_db_queue(struct db *db, int64_t printer_id, int command, int64_t now, int64_t key_id,
		       const char *digest)
{
	struct sirius_error err = { "" };
	uint32_t id = 0;

	ck_assert_int_eq(db_next_command_id(db, &id, &err), 0);
	test_db_message(db, id, printer_id, command, now, key_id, digest);
	return id;
}
