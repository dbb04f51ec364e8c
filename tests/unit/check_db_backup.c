/* check_db_backup.c: unit tests of db_backup: a consistent copy of a database in use, never over a file by accident. */
#include <stdint.h>
#include <string.h>

#include <glib.h>
#include <sqlite3.h>

#include "db.h"
#include "db_backup.h"
#include "password.h"
#include "test_db.h"
#include "test_util.h"

/* A temporary database holding one user, open as the running server has it. */
static void fixture_open(struct test_db *f)
{
	struct sirius_error err = { "" };

	test_db_open(f, "sirius-backup");
	ck_assert_int_eq(db_user_create(f->db, "alice", "secret password", 0, 10, NULL, &err), 1);
}

/* The number of files in a directory. */
static int files_in(const char *path)
{
	GDir *dir = g_dir_open(path, 0, NULL);
	int n = 0;

	while (dir && g_dir_read_name(dir))
		n++;
	if (dir)
		g_dir_close(dir);
	return n;
}

/* The users a database file holds, through a new connection of the library. */
static int64_t users_in(const char *path)
{
	struct sirius_error err = { "" };
	struct db *db = db_open(path, &err);
	int64_t n;

	ck_assert_msg(db != NULL, "%s", err.message);
	n = db_user_count(db, &err);
	db_close(db);
	return n;
}

/*
 * A copy taken while another connection holds an open write transaction is
 * the committed state (the transaction's row is not in it, the writer goes
 * on), one file without -wal or -shm beside it, and a sirius database.
 */
START_TEST(test_backup_is_a_consistent_copy_while_writing)
{
	struct test_db f;
	struct sirius_error err = { "" };
	char *copy, *wal, *sql;
	sqlite3 *writer;
	int before;

	fixture_open(&f);
	copy = g_build_filename(f.dir, "copy.db", NULL);
	ck_assert_int_eq(sqlite3_open(f.path, &writer), SQLITE_OK);
	sql = "BEGIN IMMEDIATE; INSERT INTO users (name, password_hash, created) VALUES ('uncommitted', 'x', 1)";
	ck_assert_int_eq(sqlite3_exec(writer, sql, NULL, NULL, NULL), SQLITE_OK);
	before = files_in(f.dir);
	ck_assert_msg(db_backup(f.path, copy, 0, &err) == 0, "%s", err.message);
	ck_assert_int_eq(files_in(f.dir), before + 1);
	ck_assert_int_eq(sqlite3_exec(writer, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(writer);
	ck_assert_int_eq(db_user_count(f.db, &err), 2);
	wal = g_strconcat(copy, "-wal", NULL);
	ck_assert(!g_file_test(wal, G_FILE_TEST_EXISTS));
	g_free(wal);
	ck_assert_int_eq(users_in(copy), 1);
	g_free(copy);
	test_db_close(&f);
}
END_TEST

/* An existing file is kept unless force; with force it is replaced by the copy. */
START_TEST(test_backup_refuses_an_existing_file_unless_forced)
{
	struct test_db f;
	struct sirius_error err = { "" };
	char *copy, *text = NULL;

	fixture_open(&f);
	copy = g_build_filename(f.dir, "copy.db", NULL);
	ck_assert(g_file_set_contents(copy, "precious", -1, NULL));
	ck_assert_int_eq(db_backup(f.path, copy, 0, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.message, "--force"));
	ck_assert(g_file_get_contents(copy, &text, NULL, NULL));
	ck_assert_str_eq(text, "precious");
	g_free(text);
	ck_assert_int_eq(files_in(f.dir), 4); /* database, -wal, -shm, the file: no temporary left */
	ck_assert_msg(db_backup(f.path, copy, 1, &err) == 0, "%s", err.message);
	ck_assert_int_eq(users_in(copy), 1);
	g_free(copy);
	test_db_close(&f);
}
END_TEST

/* No database, a directory as the target, or a directory that does not exist: refused with a reason. */
START_TEST(test_backup_refusals)
{
	struct test_db f;
	struct sirius_error err = { "" };
	char *missing, *nowhere;

	fixture_open(&f);
	missing = g_build_filename(f.dir, "missing.db", NULL);
	nowhere = g_build_filename(f.dir, "no", "such", "dir", "copy.db", NULL);
	ck_assert_int_eq(db_backup(missing, nowhere, 0, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.message, "there is no database"));
	ck_assert(!g_file_test(missing, G_FILE_TEST_EXISTS));
	ck_assert_int_eq(db_backup(f.path, f.dir, 1, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.message, "directory"));
	ck_assert_int_eq(db_backup(f.path, nowhere, 0, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.message, "cannot make"));
	g_free(missing);
	g_free(nowhere);
	test_db_close(&f);
}
END_TEST

static Suite *backup_suite(void)
{
	Suite *s = suite_create("db_backup");
	TCase *tc = tcase_create("backup");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_backup_is_a_consistent_copy_while_writing);
	tcase_add_test(tc, test_backup_refuses_an_existing_file_unless_forced);
	tcase_add_test(tc, test_backup_refusals);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	password_set_cost(PASSWORD_COST_MINIMUM);
	return run_suite(backup_suite());
}
