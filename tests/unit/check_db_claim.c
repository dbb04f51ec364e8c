/* check_db_claim.c: unit tests of printers and claiming in the database (PROTOCOL.md section 5). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "claim_code.h"
#include "db.h"
#include "device_address.h"
#include "link_key.h"
#include "password.h"
#include "test_util.h"

/* Two addresses of the same printer (before and after a reset): equal hardware xor. */
#define ADDRESS_A "000d6f0001020304"
#define ADDRESS_A_RESET "000d04000102036f"
/* Another printer. */
#define ADDRESS_B "000d6f00aabbccdd"

/* State of one test: a temporary directory and a database in it. */
struct fixture {
	char *dir;       /* the temporary directory */
	struct db *db;   /* open on dir/sirius.db */
	int64_t alice;   /* a user */
	int64_t bob;     /* another user */
};

static void fixture_open(struct fixture *f)
{
	struct sirius_error err = { "" };
	char *path;

	f->dir = g_dir_make_tmp(NULL, NULL);
	ck_assert_ptr_nonnull(f->dir);
	path = g_build_filename(f->dir, "sirius.db", NULL);
	f->db = db_open(path, &err);
	ck_assert_msg(f->db != NULL, "%s", err.message);
	g_free(path);
	ck_assert_int_eq(db_user_create(f->db, "alice", "pw-alice", 0, 1, &f->alice, &err), 1);
	ck_assert_int_eq(db_user_create(f->db, "bob", "pw-bob", 0, 1, &f->bob, &err), 1);
}

static void fixture_close(struct fixture *f)
{
	static const char *const files[] = { "sirius.db", "sirius.db-wal", "sirius.db-shm" };
	size_t i;

	db_close(f->db);
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char *path = g_build_filename(f->dir, files[i], NULL);

		g_remove(path);
		g_free(path);
	}
	g_rmdir(f->dir);
	g_free(f->dir);
}

/* The claim code text of the printer at address with a secret, shown with dashes. */
static void code_for(const char *address, uint64_t secret, char text[CLAIM_CODE_FORMATTED_SIZE])
{
	struct claim_code code;
	uint32_t xor_value;

	ck_assert_int_eq(device_address_hardware_xor(address, &xor_value), 0);
	ck_assert_int_eq(claim_code_encode(xor_value, secret, &code), 0);
	claim_code_format(&code, text);
}

/* The printer at an address, which must exist. */
static struct db_printer printer_at(struct db *db, const char *address)
{
	struct sirius_error err = { "" };
	struct db_printer p;

	ck_assert_msg(db_printer_by_address(db, address, &p, &err) == 1, "no printer %s %s", address, err.message);
	return p;
}

/* Checks that the key of the printer at address comes from secret. */
static void assert_key(struct db *db, const char *address, uint64_t secret)
{
	struct sirius_error err = { "" };
	uint8_t key[16], expect[16];
	int claimed = -1;

	ck_assert_msg(db_printer_key(db, address, key, &claimed, &err) == 0, "%s", err.message);
	ck_assert_int_eq(claimed, 1);
	ck_assert_int_eq(link_key_from_secret(secret, expect), 0);
	ck_assert(memcmp(key, expect, 16) == 0);
}

START_TEST(test_addresses_share_xor)
{
	uint32_t a, b, c;

	ck_assert_int_eq(device_address_hardware_xor(ADDRESS_A, &a), 0);
	ck_assert_int_eq(device_address_hardware_xor(ADDRESS_A_RESET, &b), 0);
	ck_assert_int_eq(device_address_hardware_xor(ADDRESS_B, &c), 0);
	ck_assert_uint_eq(a, b);
	ck_assert_uint_ne(a, c);
}
END_TEST

START_TEST(test_printer_seen)
{
	struct fixture f;
	struct sirius_error err = { "" };
	struct db_printer p, again;
	uint8_t key[16];
	int claimed = -1;
	uint32_t xor_value;

	fixture_open(&f);
	ck_assert_int_eq(db_printer_seen(f.db, ADDRESS_A, 100, &p, &err), 0);
	ck_assert_int_gt(p.id, 0);
	ck_assert_str_eq(p.address, ADDRESS_A);
	ck_assert_int_eq(device_address_hardware_xor(ADDRESS_A, &xor_value), 0);
	ck_assert_uint_eq(p.hardware_xor, xor_value);
	ck_assert_int_eq(p.owner_id, 0);
	ck_assert_str_eq(p.name, "");
	ck_assert_int_eq(p.created, 100);
	ck_assert_int_eq(p.last_seen, 100);
	ck_assert_int_eq(db_printer_seen(f.db, ADDRESS_A, 160, &again, &err), 0);
	ck_assert_int_eq(again.id, p.id);
	ck_assert_int_eq(again.created, 100);
	ck_assert_int_eq(again.last_seen, 160);
	ck_assert_int_eq(db_printer_by_id(f.db, p.id, &again, &err), 1);
	ck_assert_str_eq(again.address, ADDRESS_A);
	ck_assert_int_eq(db_printer_key(f.db, ADDRESS_A, key, &claimed, &err), 0);
	ck_assert_int_eq(claimed, 0);
	ck_assert_int_eq(db_printer_key(f.db, ADDRESS_B, key, &claimed, &err), 0);
	ck_assert_int_eq(claimed, 0);

	ck_assert_int_eq(db_printer_seen(f.db, "000D6F0001020304", 100, NULL, &err), -1);
	ck_assert_int_eq(db_printer_seen(f.db, "000d6f000102030", 100, NULL, &err), -1);
	ck_assert_int_eq(db_printer_by_address(f.db, "nonsense", &again, &err), 0);
	fixture_close(&f);
}
END_TEST

START_TEST(test_claim_before_first_contact)
{
	struct fixture f;
	struct sirius_error err = { "" };
	char code[CLAIM_CODE_FORMATTED_SIZE];
	struct db_printer p;
	int64_t printer_id = -1;

	fixture_open(&f);
	code_for(ADDRESS_A, 0x123456789aull, code);
	ck_assert_int_eq(db_claim(f.db, f.alice, code, "Kitchen", 100, &printer_id, &err), DB_CLAIM_OK);
	ck_assert_int_eq(printer_id, 0);
	ck_assert_int_eq(db_printer_seen(f.db, ADDRESS_A, 200, &p, &err), 0);
	ck_assert_int_eq(p.owner_id, f.alice);
	ck_assert_str_eq(p.name, "Kitchen");
	ck_assert_int_gt(p.claim_code_id, 0);
	assert_key(f.db, ADDRESS_A, 0x123456789aull);
	fixture_close(&f);
}
END_TEST

START_TEST(test_claim_after_first_contact)
{
	struct fixture f;
	struct sirius_error err = { "" };
	char code[CLAIM_CODE_FORMATTED_SIZE], upper[CLAIM_CODE_FORMATTED_SIZE];
	struct db_printer p, *list;
	int64_t printer_id = -1;
	size_t n, i;

	fixture_open(&f);
	ck_assert_int_eq(db_printer_seen(f.db, ADDRESS_A, 100, &p, &err), 0);
	code_for(ADDRESS_A, 0xabcdef0123ull, code);
	/* The code as a person may type it. */
	for (i = 0; code[i]; i++)
		upper[i] = (char)g_ascii_toupper(code[i]);
	upper[i] = '\0';
	ck_assert_int_eq(db_claim(f.db, f.alice, upper, "Desk", 150, &printer_id, &err), DB_CLAIM_OK);
	ck_assert_int_eq(printer_id, p.id);
	p = printer_at(f.db, ADDRESS_A);
	ck_assert_int_eq(p.owner_id, f.alice);
	ck_assert_str_eq(p.name, "Desk");
	assert_key(f.db, ADDRESS_A, 0xabcdef0123ull);

	/* Claiming again with the same code renames. */
	ck_assert_int_eq(db_claim(f.db, f.alice, code, "Hall", 160, &printer_id, &err), DB_CLAIM_OK);
	ck_assert_str_eq(printer_at(f.db, ADDRESS_A).name, "Hall");

	ck_assert_int_eq(db_printers_of_owner(f.db, f.alice, &list, &n, &err), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(list[0].id, p.id);
	db_free(list);
	ck_assert_int_eq(db_printers_of_owner(f.db, f.bob, &list, &n, &err), 0);
	ck_assert_uint_eq(n, 0);

	ck_assert_int_eq(db_printer_rename(f.db, p.id, f.bob, "Mine", &err), 0);
	ck_assert_int_eq(db_printer_rename(f.db, p.id, f.alice, "Study", &err), 1);
	ck_assert_str_eq(printer_at(f.db, ADDRESS_A).name, "Study");
	ck_assert_int_eq(db_printer_rename(f.db, p.id, f.alice, "", &err), -1);
	ck_assert_int_eq(db_printer_rename(f.db, p.id, f.alice, "bad\nname", &err), -1);
	ck_assert_int_eq(db_printer_rename(f.db, p.id, f.alice, "\xff\xfe", &err), -1);
	ck_assert_int_eq(db_printer_rename(f.db, p.id, f.alice, "Küche", &err), 1);
	fixture_close(&f);
}
END_TEST

START_TEST(test_bad_codes_and_names)
{
	struct fixture f;
	struct sirius_error err = { "" };
	char code[CLAIM_CODE_FORMATTED_SIZE];
	char name[DB_PRINTER_NAME_MAX + 2];

	fixture_open(&f);
	code_for(ADDRESS_A, 77, code);
	ck_assert_int_eq(db_claim(f.db, f.alice, "abc", "P", 1, NULL, &err), DB_CLAIM_BAD_LENGTH);
	ck_assert_int_eq(db_claim(f.db, f.alice, "aaaa-aaaa-aaaa-aaaa", "P", 1, NULL, &err),
			 DB_CLAIM_BAD_CHARACTER);
	code[0] = code[0] == '0' ? '1' : '0';
	ck_assert_int_eq(db_claim(f.db, f.alice, code, "P", 1, NULL, &err), DB_CLAIM_BAD_CRC);
	code_for(ADDRESS_A, 77, code);
	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	ck_assert_int_eq(db_claim(f.db, f.alice, code, name, 1, NULL, &err), DB_CLAIM_BAD_NAME);
	ck_assert_int_eq(db_claim(f.db, f.alice, code, "", 1, NULL, &err), DB_CLAIM_BAD_NAME);
	name[DB_PRINTER_NAME_MAX] = '\0';
	ck_assert_int_eq(db_claim(f.db, f.alice, code, name, 1, NULL, &err), DB_CLAIM_OK);
	ck_assert_ptr_nonnull(db_claim_result_message(DB_CLAIM_IN_USE));
	ck_assert_ptr_nonnull(db_claim_result_message((enum db_claim_result)99));
	fixture_close(&f);
}
END_TEST

START_TEST(test_code_in_use)
{
	struct fixture f;
	struct sirius_error err = { "" };
	char code[CLAIM_CODE_FORMATTED_SIZE];

	fixture_open(&f);
	code_for(ADDRESS_A, 5555, code);
	ck_assert_int_eq(db_claim(f.db, f.alice, code, "Alice's", 100, NULL, &err), DB_CLAIM_OK);
	/* Before and after the printer calls home, the code stays alice's. */
	ck_assert_int_eq(db_claim(f.db, f.bob, code, "Bob's", 110, NULL, &err), DB_CLAIM_IN_USE);
	ck_assert_int_eq(db_printer_seen(f.db, ADDRESS_A, 120, NULL, &err), 0);
	ck_assert_int_eq(db_claim(f.db, f.bob, code, "Bob's", 130, NULL, &err), DB_CLAIM_IN_USE);
	ck_assert_int_eq(printer_at(f.db, ADDRESS_A).owner_id, f.alice);
	ck_assert_str_eq(printer_at(f.db, ADDRESS_A).name, "Alice's");
	fixture_close(&f);
}
END_TEST

START_TEST(test_cannot_change_owner)
{
	struct fixture f;
	struct sirius_error err = { "" };
	char old_code[CLAIM_CODE_FORMATTED_SIZE], other_code[CLAIM_CODE_FORMATTED_SIZE];
	int64_t printer_id = -1;

	fixture_open(&f);
	code_for(ADDRESS_A, 1111, old_code);
	code_for(ADDRESS_A, 2222, other_code);
	ck_assert_int_eq(db_claim(f.db, f.alice, old_code, "Alice's", 100, NULL, &err), DB_CLAIM_OK);
	ck_assert_int_eq(db_printer_seen(f.db, ADDRESS_A, 110, NULL, &err), 0);
	ck_assert_int_eq(db_claim(f.db, f.bob, other_code, "Bob's", 120, &printer_id, &err),
			 DB_CLAIM_CANNOT_CHANGE_OWNER);
	ck_assert_int_eq(printer_id, 0);
	ck_assert_int_eq(printer_at(f.db, ADDRESS_A).owner_id, f.alice);
	ck_assert_str_eq(printer_at(f.db, ADDRESS_A).name, "Alice's");
	/* Seen again at the same address: nothing moves. */
	ck_assert_int_eq(db_printer_seen(f.db, ADDRESS_A, 130, NULL, &err), 0);
	ck_assert_int_eq(printer_at(f.db, ADDRESS_A).owner_id, f.alice);
	assert_key(f.db, ADDRESS_A, 1111);
	fixture_close(&f);
}
END_TEST

START_TEST(test_newest_code_wins_after_reset)
{
	struct fixture f;
	struct sirius_error err = { "" };
	char first[CLAIM_CODE_FORMATTED_SIZE], second[CLAIM_CODE_FORMATTED_SIZE];
	struct db_printer old_row, new_row, *list;
	size_t n;

	fixture_open(&f);
	code_for(ADDRESS_A, 1111, first);
	code_for(ADDRESS_A_RESET, 2222, second);
	ck_assert_int_eq(db_claim(f.db, f.alice, first, "Alice's", 100, NULL, &err), DB_CLAIM_OK);
	ck_assert_int_eq(db_printer_seen(f.db, ADDRESS_A, 110, NULL, &err), 0);
	/* The printer is reset and given away: bob claims the new code it prints. */
	ck_assert_int_eq(db_claim(f.db, f.bob, second, "Bob's", 200, NULL, &err),
			 DB_CLAIM_CANNOT_CHANGE_OWNER);
	/* It calls home with its new address: bob's code is the newest of its xor. */
	ck_assert_int_eq(db_printer_seen(f.db, ADDRESS_A_RESET, 210, &new_row, &err), 0);
	ck_assert_int_eq(new_row.owner_id, f.bob);
	ck_assert_str_eq(new_row.name, "Bob's");
	assert_key(f.db, ADDRESS_A_RESET, 2222);
	/* The row of the old address is no longer anyone's printer. */
	old_row = printer_at(f.db, ADDRESS_A);
	ck_assert_int_eq(old_row.owner_id, 0);
	ck_assert_int_ne(old_row.id, new_row.id);
	ck_assert_int_eq(db_printers_of_owner(f.db, f.alice, &list, &n, &err), 0);
	ck_assert_uint_eq(n, 0);
	/* Alice's old code cannot take it back. */
	ck_assert_int_eq(db_claim(f.db, f.alice, first, "Mine again", 300, NULL, &err),
			 DB_CLAIM_CANNOT_CHANGE_OWNER);
	ck_assert_int_eq(printer_at(f.db, ADDRESS_A_RESET).owner_id, f.bob);
	fixture_close(&f);
}
END_TEST

START_TEST(test_newest_of_several_codes)
{
	struct fixture f;
	struct sirius_error err = { "" };
	char one[CLAIM_CODE_FORMATTED_SIZE], two[CLAIM_CODE_FORMATTED_SIZE];
	struct db_printer p;

	fixture_open(&f);
	code_for(ADDRESS_A, 10, one);
	code_for(ADDRESS_A, 20, two);
	/* Same second: the later row counts as newer. */
	ck_assert_int_eq(db_claim(f.db, f.alice, one, "One", 100, NULL, &err), DB_CLAIM_OK);
	ck_assert_int_eq(db_claim(f.db, f.bob, two, "Two", 100, NULL, &err), DB_CLAIM_OK);
	ck_assert_int_eq(db_printer_seen(f.db, ADDRESS_A, 110, &p, &err), 0);
	ck_assert_int_eq(p.owner_id, f.bob);
	assert_key(f.db, ADDRESS_A, 20);
	fixture_close(&f);
}
END_TEST

START_TEST(test_forget_printer)
{
	struct fixture f;
	struct sirius_error err = { "" };
	char code[CLAIM_CODE_FORMATTED_SIZE];
	struct db_device_key key;
	struct db_printer p;
	uint8_t link[16];
	int claimed = -1;

	fixture_open(&f);
	code_for(ADDRESS_A, 4242, code);
	ck_assert_int_eq(db_printer_seen(f.db, ADDRESS_A, 100, &p, &err), 0);
	ck_assert_int_eq(db_claim(f.db, f.alice, code, "Alice's", 110, NULL, &err), DB_CLAIM_OK);
	ck_assert_int_eq(db_device_key_create(f.db, p.id, 120, &key, &err), 0);
	ck_assert_int_eq(db_printer_forget(f.db, p.id, f.bob, &err), 0);
	ck_assert_int_eq(db_printer_forget(f.db, p.id, f.alice, &err), 1);
	p = printer_at(f.db, ADDRESS_A);
	ck_assert_int_eq(p.owner_id, 0);
	ck_assert_str_eq(p.name, "");
	ck_assert_int_eq(db_printer_key(f.db, ADDRESS_A, link, &claimed, &err), 0);
	ck_assert_int_eq(claimed, 0);
	ck_assert_int_eq(db_device_key_find(f.db, key.secret, &key, &err), 0);
	ck_assert_int_eq(db_printer_forget(f.db, p.id, f.alice, &err), 0);
	/* The code is gone, so bob may now claim with it. */
	ck_assert_int_eq(db_claim(f.db, f.bob, code, "Bob's", 130, NULL, &err), DB_CLAIM_OK);
	ck_assert_int_eq(printer_at(f.db, ADDRESS_A).owner_id, f.bob);
	fixture_close(&f);
}
END_TEST

START_TEST(test_deleted_owner_unclaims)
{
	struct fixture f;
	struct sirius_error err = { "" };
	char code[CLAIM_CODE_FORMATTED_SIZE];
	uint8_t link[16];
	int claimed = -1;

	fixture_open(&f);
	code_for(ADDRESS_A, 99, code);
	ck_assert_int_eq(db_claim(f.db, f.alice, code, "Alice's", 100, NULL, &err), DB_CLAIM_OK);
	ck_assert_int_eq(db_printer_seen(f.db, ADDRESS_A, 110, NULL, &err), 0);
	ck_assert_int_eq(db_user_delete(f.db, f.alice, &err), 1);
	ck_assert_int_eq(printer_at(f.db, ADDRESS_A).owner_id, 0);
	ck_assert_int_eq(db_printer_key(f.db, ADDRESS_A, link, &claimed, &err), 0);
	ck_assert_int_eq(claimed, 0);
	fixture_close(&f);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("db_claim");
	TCase *tc = tcase_create("claiming");

	password_set_cost(PASSWORD_COST_MINIMUM);
	tcase_add_test(tc, test_addresses_share_xor);
	tcase_add_test(tc, test_printer_seen);
	tcase_add_test(tc, test_claim_before_first_contact);
	tcase_add_test(tc, test_claim_after_first_contact);
	tcase_add_test(tc, test_bad_codes_and_names);
	tcase_add_test(tc, test_code_in_use);
	tcase_add_test(tc, test_cannot_change_owner);
	tcase_add_test(tc, test_newest_code_wins_after_reset);
	tcase_add_test(tc, test_newest_of_several_codes);
	tcase_add_test(tc, test_forget_printer);
	tcase_add_test(tc, test_deleted_owner_unclaims);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
