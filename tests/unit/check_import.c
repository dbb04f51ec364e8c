/* check_import.c: unit tests of sirius-import's readers (COPY lines, values, pickles, pg_dump files) and of the import itself. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "claim_code.h"
#include "db.h"
#include "db_import.h"
#include "import_dump.h"
#include "import_pickle.h"
#include "import_run.h"
#include "import_source.h"
#include "import_values.h"
#include "link_key.h"
#include "test_db.h"
#include "test_util.h"

/* The printer of the real vectors (tests/vectors/real/11cc0f6aaeb07dad.printer). */
#define REAL_ADDRESS "11cc0f6aaeb07dad"
#define REAL_KEY "d0M4Ab2eyBNdnNl0NoSLGQ=="

/* ---- COPY lines ------------------------------------------------------------------ */

START_TEST(test_copy_fields_unescape)
{
	const char *line = "1\t\\N\ta\\tb\\\\c\\nd\t\\x41\\102\\q\t";
	char *f[5];
	struct sirius_error err = { "" };

	ck_assert_int_eq(import_copy_fields(line, strlen(line), f, 5, &err), 0);
	ck_assert_str_eq(f[0], "1");
	ck_assert_ptr_null(f[1]);
	ck_assert_str_eq(f[2], "a\tb\\c\nd");
	ck_assert_str_eq(f[3], "ABq");
	ck_assert_str_eq(f[4], "");
	for (int i = 0; i < 5; i++)
		g_free(f[i]);
}
END_TEST

START_TEST(test_copy_fields_refused)
{
	char *f[3];
	struct sirius_error err = { "" };

	ck_assert_int_eq(import_copy_fields("1\t2", 3, f, 3, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.message, "2 fields, not 3"));
	ck_assert_int_eq(import_copy_fields("1\t2\t3\t4", 7, f, 3, &err), -1);
	ck_assert_int_eq(import_copy_fields("1\t\\000\t3", 8, f, 3, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.message, "NUL"));
	ck_assert_int_eq(import_copy_fields("1\t2\t3\\", 6, f, 3, &err), -1);
	for (int i = 0; i < 3; i++)
		ck_assert_ptr_null(f[i]);
}
END_TEST

/* ---- values ------------------------------------------------------------------------ */

START_TEST(test_values)
{
	struct sirius_error err = { "" };
	int64_t v;
	uint8_t *bytes;
	size_t len;
	GPtrArray *a;

	ck_assert_int_eq(import_parse_int("-12", -100, 100, &v), 0);
	ck_assert_int_eq(v, -12);
	ck_assert_int_eq(import_parse_int("12x", 0, 100, &v), -1);
	ck_assert_int_eq(import_parse_int("101", 0, 100, &v), -1);
	ck_assert_int_eq(import_parse_int(NULL, 0, 100, &v), -1);

	ck_assert_int_eq(import_parse_timestamp("2015-01-26 10:34:21.975511", &v), 0);
	ck_assert_int_eq(v, 1422268461);
	ck_assert_int_eq(import_parse_timestamp("2015-01-26 10:34:21", &v), 0);
	ck_assert_int_eq(v, 1422268461);
	ck_assert_int_eq(import_parse_timestamp("infinity", &v), -1);
	ck_assert_int_eq(import_parse_timestamp("2015-02-30 10:34:21", &v), -1);
	ck_assert_int_eq(import_parse_timestamp("01/26/2015 10:34:21", &v), -1);

	ck_assert_int_eq(import_parse_bytea("\\x8004ff", &bytes, &len, &err), 0);
	ck_assert_uint_eq(len, 3);
	ck_assert_uint_eq(bytes[0], 0x80);
	ck_assert_uint_eq(bytes[2], 0xff);
	g_free(bytes);
	ck_assert_int_eq(import_parse_bytea("a\\\\b\\001", &bytes, &len, &err), 0);
	ck_assert_uint_eq(len, 4);
	ck_assert_int_eq(memcmp(bytes, "a\\b\001", 4), 0);
	g_free(bytes);
	ck_assert_int_eq(import_parse_bytea("\\x8", &bytes, &len, &err), -1);
	ck_assert_int_eq(import_parse_bytea("\\xzz", &bytes, &len, &err), -1);

	ck_assert_int_eq(import_parse_text_array("{Mum,NULL,\"Dad \\\"the\\\" cook\",\"NULL\", spaced out }", &a, &err), 0);
	ck_assert_uint_eq(a->len, 5);
	ck_assert_str_eq(g_ptr_array_index(a, 0), "Mum");
	ck_assert_ptr_null(g_ptr_array_index(a, 1));
	ck_assert_str_eq(g_ptr_array_index(a, 2), "Dad \"the\" cook");
	ck_assert_str_eq(g_ptr_array_index(a, 3), "NULL");
	ck_assert_str_eq(g_ptr_array_index(a, 4), "spaced out");
	g_ptr_array_free(a, TRUE);
	ck_assert_int_eq(import_parse_text_array("{}", &a, &err), 0);
	ck_assert_uint_eq(a->len, 0);
	g_ptr_array_free(a, TRUE);
	ck_assert_int_eq(import_parse_text_array("{{a},{b}}", &a, &err), -1);
	ck_assert_int_eq(import_parse_text_array("{\"open}", &a, &err), -1);
	ck_assert_int_eq(import_parse_text_array("[0:1]={a,b}", &a, &err), -1);
	ck_assert_int_eq(import_parse_text_array("{a}x", &a, &err), -1);
}
END_TEST

/* ---- pickles ------------------------------------------------------------------------ */

static uint8_t *unhex(const char *hex, size_t *len)
{
	size_t n = strlen(hex) / 2, i;
	uint8_t *out = g_malloc(n + 1);

	for (i = 0; i < n; i++)
		out[i] = (uint8_t)(g_ascii_xdigit_value(hex[2 * i]) << 4 | g_ascii_xdigit_value(hex[2 * i + 1]));
	*len = n;
	return out;
}

START_TEST(test_pickles_of_the_original)
{
	cJSON *json = vector_json("sirius-original/friends.json");
	const cJSON *item, *name;
	struct sirius_error err = { "" };
	int count = 0;

	cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(json, "pickles")) {
		size_t len, i = 0;
		uint8_t *data = unhex(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(item, "hex")), &len);
		GPtrArray *names;

		ck_assert_msg(import_pickle_friends(data, len, &names, &err) == 0, "%s", err.message);
		cJSON_ArrayForEach(name, cJSON_GetObjectItemCaseSensitive(item, "names")) {
			ck_assert_uint_lt(i, names->len);
			ck_assert_str_eq(g_ptr_array_index(names, i), cJSON_GetStringValue(name));
			i++;
		}
		ck_assert_uint_eq(i, names->len);
		/* every shorter prefix is refused, never read past */
		for (size_t cut = 0; cut < len && cut < 200; cut++) {
			GPtrArray *partial;

			ck_assert_int_eq(import_pickle_friends(data, cut, &partial, &err), -1);
			ck_assert_ptr_null(partial);
		}
		g_ptr_array_free(names, TRUE);
		g_free(data);
		count++;
	}
	ck_assert_int_eq(count, 5);
	cJSON_Delete(json);
}
END_TEST

START_TEST(test_pickles_refused)
{
	/* os.system('true') by REDUCE, as a hostile pickle would: read as an object of class system, never run */
	static const char evil[] = "\x80\x02" "cos\nsystem\n" "X\x04\x00\x00\x00true" "\x85" "R" ".";
	/* a dict, protocol 0's STRING opcode, trailing bytes, a bad protocol */
	static const char dict[] = "\x80\x04}\x94.";
	static const char proto0[] = "(lp0\nS'bob'\np1\na.";
	static const char trailing[] = "\x80\x04].x";
	static const char proto9[] = "\x80\x09].";
	struct sirius_error err = { "" };
	GPtrArray *names;
	GPtrArray *one;
	static const char list_of_evil[] = "\x80\x02]" "cos\nsystem\n" "X\x04\x00\x00\x00true" "\x85" "R" "a.";

	ck_assert_int_eq(import_pickle_friends((const uint8_t *)evil, sizeof(evil) - 1, &names, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.message, "not a list"));
	ck_assert_int_eq(import_pickle_friends((const uint8_t *)list_of_evil, sizeof(list_of_evil) - 1, &one, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.message, "another class"));
	ck_assert_int_eq(import_pickle_friends((const uint8_t *)dict, sizeof(dict) - 1, &names, &err), -1);
	ck_assert_int_eq(import_pickle_friends((const uint8_t *)proto0, sizeof(proto0) - 1, &names, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.message, "opcode 0x53"));
	ck_assert_int_eq(import_pickle_friends((const uint8_t *)trailing, sizeof(trailing) - 1, &names, &err), -1);
	ck_assert_int_eq(import_pickle_friends((const uint8_t *)proto9, sizeof(proto9) - 1, &names, &err), -1);
}
END_TEST

START_TEST(test_pickle_random_bytes)
{
	uint32_t state = 12345;
	uint8_t buf[64];
	struct sirius_error err = { "" };
	GPtrArray *names;

	/* garbage after a valid header: every result is a clean refusal or a list */
	for (int round = 0; round < 20000; round++) {
		size_t len = 2 + test_random(&state) % (sizeof(buf) - 2);

		buf[0] = 0x80;
		buf[1] = 4;
		for (size_t i = 2; i < len; i++)
			buf[i] = (uint8_t)test_random(&state);
		if (import_pickle_friends(buf, len, &names, &err) == 0)
			g_ptr_array_free(names, TRUE);
	}
}
END_TEST

/* ---- pg_dump files and the import ------------------------------------------------ */

/* Writes text to a file in the database's directory; the path (g_free it). */
static char *write_file(struct test_db *f, const char *name, const char *text, size_t len)
{
	char *path = g_build_filename(f->dir, name, NULL);

	ck_assert(g_file_set_contents(path, text, (gssize)len, NULL));
	return path;
}

START_TEST(test_dump_read)
{
	struct import_source src;
	struct sirius_error err = { "" };

	import_source_init(&src);
	ck_assert_msg(import_dump_read(vector_path("sirius-original/dump.sql"), &src, &err) == 0, "%s", err.message);
	ck_assert_uint_eq(import_rows(&src, IMPORT_USER), 6);
	ck_assert_uint_eq(import_rows(&src, IMPORT_TWITTER), 6);
	ck_assert_uint_eq(import_rows(&src, IMPORT_PRINTER), 5);
	ck_assert_uint_eq(import_rows(&src, IMPORT_CLAIM_CODE), 6);
	ck_assert_uint_eq(import_rows(&src, IMPORT_PRINT_KEY), 4);
	ck_assert_ptr_nonnull(strstr(src.description, "dump.sql"));
	import_source_free(&src);
}
END_TEST

START_TEST(test_dump_refusals)
{
	static const struct {
		const char *text;     /* the file */
		const char *reason;   /* a part of the error */
		size_t len;           /* bytes of text, or 0 for strlen */
	} cases[] = {
		{ "PGDMP\x01\x0e\x00", "custom format", 8 },
		{ "\x1f\x8b\x08\x00", "gzip", 4 },
		{ "SET client_encoding = 'LATIN1';\n", "LATIN1", 0 },
		{ "INSERT INTO public.\"user\" VALUES (1, NULL, 'a', NULL);\n", "--inserts", 0 },
		{ "COPY public.\"user\" (id, created, username, api_key) FROM stdin;\n1\t\\N\ta\t\\N\n", "cut short", 0 },
		{ "COPY public.\"user\" (id, created, username, api_key) FROM stdin;\n1\t\\N\ta\n\\.\n", "3 fields, not 4", 0 },
		{ "COPY public.\"user\" (id, created) FROM stdin;\n\\.\n", "no column username", 0 },
		{ "COPY public.\"user\" FROM stdin;\n\\.\n", "list of columns", 0 },
		{ "-- a schema-only dump\nCREATE TABLE public.\"user\" (id integer);\n", "no table user", 0 },
	};
	struct test_db f;

	test_db_open(&f, "sirius-import");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct import_source src;
		struct sirius_error err = { "" };
		size_t len = cases[i].len ? cases[i].len : strlen(cases[i].text);
		char *path = write_file(&f, "dump.sql", cases[i].text, len);

		import_source_init(&src);
		ck_assert_int_eq(import_dump_read(path, &src, &err), -1);
		ck_assert_msg(strstr(err.message, cases[i].reason) != NULL, "case %zu: %s", i, err.message);
		import_source_free(&src);
		g_unlink(path);
		g_free(path);
	}
	{
		struct import_source src;
		struct sirius_error err = { "" };

		import_source_init(&src);
		ck_assert_int_eq(import_dump_read(f.dir, &src, &err), -1);
		ck_assert_ptr_nonnull(strstr(err.message, "directory"));
	}
	test_db_close(&f);
}
END_TEST

/* Imports the vector dump into f; the report (to free). */
static void import_vector(struct test_db *f, int dry_run, struct import_report *report)
{
	struct import_source src;
	struct import_options opt = { dry_run, 0, 1700000000 };
	struct sirius_error err = { "" };

	import_source_init(&src);
	ck_assert_msg(import_dump_read(vector_path("sirius-original/dump.sql"), &src, &err) == 0, "%s", err.message);
	ck_assert_msg(import_run(f->db, &src, &opt, report, &err) == 0, "%s", err.message);
	import_source_free(&src);
}

START_TEST(test_import_gives_printers_their_keys)
{
	struct test_db f;
	struct import_report report;
	struct sirius_error err = { "" };
	struct db_device_key key;
	struct db_user alice;
	struct db_printer printer;
	uint8_t link[16];
	char b64[LINK_KEY_BASE64_SIZE];
	struct claim_code code;
	int claimed = 0;

	test_db_open(&f, "sirius-import");
	import_vector(&f, 0, &report);
	ck_assert_int_eq(report.counts[IMPORT_USERS].added, 6);
	ck_assert_int_eq(report.counts[IMPORT_PRINTERS].added, 5);
	ck_assert_int_eq(report.counts[IMPORT_DEVICE_KEYS].added, 4);
	ck_assert_int_eq(report.counts[IMPORT_FRIENDSHIPS].added, 6);
	ck_assert_int_eq(report.counts[IMPORT_CLAIM_CODES].skipped, 1);
	import_report_free(&report);

	/* the real printer has the key its claim code gives, byte for byte the real vector's */
	ck_assert_int_eq(db_printer_key(f.db, REAL_ADDRESS, link, &claimed, &err), 0);
	ck_assert_int_eq(claimed, 1);
	ck_assert_int_eq(claim_code_decode("jwm0-6xd9-jeqd-p7x2", &code), CLAIM_CODE_OK);
	ck_assert_int_eq(link_key_base64(code.secret, b64), 0);
	ck_assert_str_eq(b64, REAL_KEY);
	{
		uint8_t expect[16];

		ck_assert_int_eq(link_key_from_secret(code.secret, expect), 0);
		ck_assert_int_eq(memcmp(link, expect, 16), 0);
	}
	ck_assert_int_eq(db_printer_by_address(f.db, REAL_ADDRESS, &printer, &err), 1);
	ck_assert_int_eq(printer.id, 11);
	ck_assert_str_eq(printer.name, "Kitchen");
	ck_assert_int_eq(db_user_by_name(f.db, "alice", &alice, &err), 1);
	ck_assert_int_eq(printer.owner_id, alice.id);
	ck_assert_str_eq(alice.password_hash, DB_NO_PASSWORD);
	ck_assert_int_eq(db_user_login(f.db, "alice", "!", NULL, &err), 0);
	ck_assert_int_eq(db_user_login(f.db, "alice", "", NULL, &err), 0);

	ck_assert_int_eq(db_device_key_find(f.db, "k7tchen0key0abcdefgh", &key, &err), 1);
	ck_assert_int_eq(key.printer_id, 11);
	ck_assert_int_eq(key.uses, 3);
	ck_assert_int_eq(key.created, 1536487200);

	/* a second import changes nothing */
	import_vector(&f, 0, &report);
	for (int k = 0; k < IMPORT_KINDS; k++)
		ck_assert_int_eq(report.counts[k].added, 0);
	ck_assert_int_eq(report.counts[IMPORT_PRINTERS].present, 5);
	import_report_free(&report);
	test_db_close(&f);
}
END_TEST

START_TEST(test_dry_run_writes_nothing)
{
	struct test_db f;
	struct import_report report;
	struct sirius_error err = { "" };

	test_db_open(&f, "sirius-import");
	import_vector(&f, 1, &report);
	ck_assert_int_eq(report.counts[IMPORT_USERS].added, 6);
	ck_assert_int_eq(report.counts[IMPORT_DEVICE_KEYS].added, 4);
	import_report_free(&report);
	ck_assert_int_eq(db_user_count(f.db, &err), 0);
	test_db_close(&f);
}
END_TEST

START_TEST(test_local_namesake_is_a_conflict)
{
	struct test_db f;
	struct import_report report;
	struct sirius_error err = { "" };
	struct db_printer printer;
	int64_t id;

	password_set_cost(PASSWORD_COST_MINIMUM);
	test_db_open(&f, "sirius-import");
	ck_assert_int_eq(db_user_create(f.db, "BOB", "a local passphrase", 0, 1, &id, &err), 1);
	import_vector(&f, 0, &report);
	ck_assert_int_eq(report.counts[IMPORT_USERS].conflicts, 1);
	ck_assert_int_eq(report.counts[IMPORT_USERS].added, 5);
	/* bob's printers (the one from before the reset too) and keys wait for the conflict to be resolved */
	ck_assert_int_eq(report.counts[IMPORT_PRINTERS].skipped, 2);
	ck_assert_int_eq(report.counts[IMPORT_DEVICE_KEYS].skipped, 2);
	ck_assert_int_eq(import_report_left_out(&report) > 0, 1);
	ck_assert_int_eq(db_printer_by_address(f.db, REAL_ADDRESS, &printer, &err), 1);
	import_report_free(&report);
	ck_assert_int_eq(db_user_login(f.db, "bob", "a local passphrase", NULL, &err), 1);
	test_db_close(&f);
}
END_TEST

START_TEST(test_printer_seen_before_the_import)
{
	struct test_db f;
	struct import_report report;
	struct sirius_error err = { "" };
	uint8_t link[16];
	int claimed = 1;

	test_db_open(&f, "sirius-import");
	ck_assert_int_eq(db_printer_seen(f.db, REAL_ADDRESS, 100, NULL, &err), 0);
	ck_assert_int_eq(db_printer_key(f.db, REAL_ADDRESS, link, &claimed, &err), 0);
	ck_assert_int_eq(claimed, 0);
	import_vector(&f, 0, &report);
	ck_assert_int_eq(report.counts[IMPORT_PRINTERS].added, 5);
	ck_assert_uint_eq(report.claimed->len, 3);
	import_report_free(&report);
	ck_assert_int_eq(db_printer_key(f.db, REAL_ADDRESS, link, &claimed, &err), 0);
	ck_assert_int_eq(claimed, 1);
	import_vector(&f, 0, &report);
	ck_assert_int_eq(report.counts[IMPORT_PRINTERS].present, 5);
	ck_assert_uint_eq(report.claimed->len, 0);
	import_report_free(&report);
	test_db_close(&f);
}
END_TEST

START_TEST(test_printer_claimed_here_is_a_conflict)
{
	struct test_db f;
	struct import_report report;
	struct sirius_error err = { "" };
	struct db_printer printer;
	struct db_device_key key;
	int64_t zoe;

	password_set_cost(PASSWORD_COST_MINIMUM);
	test_db_open(&f, "sirius-import");
	ck_assert_int_eq(db_user_create(f.db, "zoe", "zoe's passphrase", 0, 1, &zoe, &err), 1);
	ck_assert_int_eq(db_printer_seen(f.db, REAL_ADDRESS, 100, NULL, &err), 0);
	ck_assert_int_eq(db_claim(f.db, zoe, "jwm0-6xd9-jeqd-p7x2", "Mine", 200, NULL, &err), DB_CLAIM_OK);
	import_vector(&f, 0, &report);
	ck_assert_int_eq(report.counts[IMPORT_CLAIM_CODES].conflicts, 1);
	ck_assert_int_eq(report.counts[IMPORT_PRINTERS].conflicts, 1);
	/* the original's key of that printer must not print to zoe's */
	ck_assert_int_eq(report.counts[IMPORT_DEVICE_KEYS].skipped, 1);
	import_report_free(&report);
	ck_assert_int_eq(db_device_key_find(f.db, "k7tchen0key0abcdefgh", &key, &err), 0);
	ck_assert_int_eq(db_printer_by_address(f.db, REAL_ADDRESS, &printer, &err), 1);
	ck_assert_int_eq(printer.owner_id, zoe);
	ck_assert_str_eq(printer.name, "Mine");
	test_db_close(&f);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("import");
	TCase *t = tcase_create("import");

	tcase_set_timeout(t, 120);
	tcase_add_test(t, test_copy_fields_unescape);
	tcase_add_test(t, test_copy_fields_refused);
	tcase_add_test(t, test_values);
	tcase_add_test(t, test_pickles_of_the_original);
	tcase_add_test(t, test_pickles_refused);
	tcase_add_test(t, test_pickle_random_bytes);
	tcase_add_test(t, test_dump_read);
	tcase_add_test(t, test_dump_refusals);
	tcase_add_test(t, test_import_gives_printers_their_keys);
	tcase_add_test(t, test_dry_run_writes_nothing);
	tcase_add_test(t, test_local_namesake_is_a_conflict);
	tcase_add_test(t, test_printer_seen_before_the_import);
	tcase_add_test(t, test_printer_claimed_here_is_a_conflict);
	suite_add_tcase(s, t);
	return run_suite(s);
}
