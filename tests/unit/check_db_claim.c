/* check_db_claim.c: unit tests of printers and claiming in the database (PROTOCOL.md section 5). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "claim_code.h"
#include "db.h"
#include "device_address.h"
#include "link_key.h"
#include "password.h"
#include "test_db.h"
#include "test_util.h"

/* Two addresses of the same printer (before and after a reset): equal hardware xor. */
#define ADDRESS_A "000d6f0001020304"
#define ADDRESS_A_RESET "000d04000102036f"
/* Another printer. */
#define ADDRESS_B "000d6f00aabbccdd"

/* State of one test: a temporary directory and a database in it. */
struct fixture {
	struct test_db tmp; /* the database */
	int64_t alice;      /* a user */
	int64_t bob;        /* another user */
};

static void fixture_open(struct fixture *f)
{
	struct sirius_error err = { "" };

	test_db_open(&f->tmp, "sirius-dbc");
	ck_assert_int_eq(db_user_create(f->tmp.db, "alice", "pw-alice", 0, 1, &f->alice, &err), 1);
	ck_assert_int_eq(db_user_create(f->tmp.db, "bob", "pw-bob", 0, 1, &f->bob, &err), 1);
}

static void fixture_close(struct fixture *f)
{
	test_db_close(&f->tmp);
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
	ck_assert_int_eq(db_printer_seen(f.tmp.db, ADDRESS_A, 100, &p, &err), 0);
	ck_assert_int_gt(p.id, 0);
	ck_assert_str_eq(p.address, ADDRESS_A);
	ck_assert_int_eq(device_address_hardware_xor(ADDRESS_A, &xor_value), 0);
	ck_assert_uint_eq(p.hardware_xor, xor_value);
	ck_assert_int_eq(p.owner_id, 0);
	ck_assert_str_eq(p.name, "");
	ck_assert_int_eq(p.created, 100);
	ck_assert_int_eq(p.last_seen, 100);
	ck_assert_int_eq(db_printer_seen(f.tmp.db, ADDRESS_A, 160, &again, &err), 0);
	ck_assert_int_eq(again.id, p.id);
	ck_assert_int_eq(again.created, 100);
	ck_assert_int_eq(again.last_seen, 160);
	ck_assert_int_eq(db_printer_by_id(f.tmp.db, p.id, &again, &err), 1);
	ck_assert_str_eq(again.address, ADDRESS_A);
	ck_assert_int_eq(db_printer_key(f.tmp.db, ADDRESS_A, key, &claimed, &err), 0);
	ck_assert_int_eq(claimed, 0);
	ck_assert_int_eq(db_printer_key(f.tmp.db, ADDRESS_B, key, &claimed, &err), 0);
	ck_assert_int_eq(claimed, 0);

	ck_assert_int_eq(db_printer_seen(f.tmp.db, "000D6F0001020304", 100, NULL, &err), -1);
	ck_assert_int_eq(db_printer_seen(f.tmp.db, "000d6f000102030", 100, NULL, &err), -1);
	ck_assert_int_eq(db_printer_by_address(f.tmp.db, "nonsense", &again, &err), 0);
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
	ck_assert_int_eq(db_claim(f.tmp.db, f.alice, code, "Kitchen", 100, &printer_id, &err), DB_CLAIM_OK);
	ck_assert_int_eq(printer_id, 0);
	ck_assert_int_eq(db_printer_seen(f.tmp.db, ADDRESS_A, 200, &p, &err), 0);
	ck_assert_int_eq(p.owner_id, f.alice);
	ck_assert_str_eq(p.name, "Kitchen");
	ck_assert_int_gt(p.claim_code_id, 0);
	assert_key(f.tmp.db, ADDRESS_A, 0x123456789aull);
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
	ck_assert_int_eq(db_printer_seen(f.tmp.db, ADDRESS_A, 100, &p, &err), 0);
	code_for(ADDRESS_A, 0xabcdef0123ull, code);
	/* The code as a person may type it. */
	for (i = 0; code[i]; i++)
		upper[i] = (char)g_ascii_toupper(code[i]);
	upper[i] = '\0';
	ck_assert_int_eq(db_claim(f.tmp.db, f.alice, upper, "Desk", 150, &printer_id, &err), DB_CLAIM_OK);
	ck_assert_int_eq(printer_id, p.id);
	p = printer_at(f.tmp.db, ADDRESS_A);
	ck_assert_int_eq(p.owner_id, f.alice);
	ck_assert_str_eq(p.name, "Desk");
	assert_key(f.tmp.db, ADDRESS_A, 0xabcdef0123ull);

	/* Claiming again with the same code renames. */
	ck_assert_int_eq(db_claim(f.tmp.db, f.alice, code, "Hall", 160, &printer_id, &err), DB_CLAIM_OK);
	ck_assert_str_eq(printer_at(f.tmp.db, ADDRESS_A).name, "Hall");

	ck_assert_int_eq(db_printers_of_owner(f.tmp.db, f.alice, &list, &n, &err), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(list[0].id, p.id);
	db_free(list);
	ck_assert_int_eq(db_printers_of_owner(f.tmp.db, f.bob, &list, &n, &err), 0);
	ck_assert_uint_eq(n, 0);

	ck_assert_int_eq(db_printer_rename(f.tmp.db, p.id, f.bob, "Mine", &err), 0);
	ck_assert_int_eq(db_printer_rename(f.tmp.db, p.id, f.alice, "Study", &err), 1);
	ck_assert_str_eq(printer_at(f.tmp.db, ADDRESS_A).name, "Study");
	ck_assert_int_eq(db_printer_rename(f.tmp.db, p.id, f.alice, "", &err), -1);
	ck_assert_int_eq(db_printer_rename(f.tmp.db, p.id, f.alice, "bad\nname", &err), -1);
	ck_assert_int_eq(db_printer_rename(f.tmp.db, p.id, f.alice, "\xff\xfe", &err), -1);
	ck_assert_int_eq(db_printer_rename(f.tmp.db, p.id, f.alice, "Küche", &err), 1);
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
	ck_assert_int_eq(db_claim(f.tmp.db, f.alice, "abc", "P", 1, NULL, &err), DB_CLAIM_BAD_LENGTH);
	ck_assert_int_eq(db_claim(f.tmp.db, f.alice, "aaaa-aaaa-aaaa-aaaa", "P", 1, NULL, &err),
			 DB_CLAIM_BAD_CHARACTER);
	code[0] = code[0] == '0' ? '1' : '0';
	ck_assert_int_eq(db_claim(f.tmp.db, f.alice, code, "P", 1, NULL, &err), DB_CLAIM_BAD_CRC);
	code_for(ADDRESS_A, 77, code);
	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	ck_assert_int_eq(db_claim(f.tmp.db, f.alice, code, name, 1, NULL, &err), DB_CLAIM_BAD_NAME);
	ck_assert_int_eq(db_claim(f.tmp.db, f.alice, code, "", 1, NULL, &err), DB_CLAIM_BAD_NAME);
	name[DB_PRINTER_NAME_MAX] = '\0';
	ck_assert_int_eq(db_claim(f.tmp.db, f.alice, code, name, 1, NULL, &err), DB_CLAIM_OK);
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
	ck_assert_int_eq(db_claim(f.tmp.db, f.alice, code, "Alice's", 100, NULL, &err), DB_CLAIM_OK);
	/* Before and after the printer calls home, the code stays alice's. */
	ck_assert_int_eq(db_claim(f.tmp.db, f.bob, code, "Bob's", 110, NULL, &err), DB_CLAIM_IN_USE);
	ck_assert_int_eq(db_printer_seen(f.tmp.db, ADDRESS_A, 120, NULL, &err), 0);
	ck_assert_int_eq(db_claim(f.tmp.db, f.bob, code, "Bob's", 130, NULL, &err), DB_CLAIM_IN_USE);
	ck_assert_int_eq(printer_at(f.tmp.db, ADDRESS_A).owner_id, f.alice);
	ck_assert_str_eq(printer_at(f.tmp.db, ADDRESS_A).name, "Alice's");
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
	ck_assert_int_eq(db_claim(f.tmp.db, f.alice, old_code, "Alice's", 100, NULL, &err), DB_CLAIM_OK);
	ck_assert_int_eq(db_printer_seen(f.tmp.db, ADDRESS_A, 110, NULL, &err), 0);
	ck_assert_int_eq(db_claim(f.tmp.db, f.bob, other_code, "Bob's", 120, &printer_id, &err),
			 DB_CLAIM_CANNOT_CHANGE_OWNER);
	ck_assert_int_eq(printer_id, 0);
	ck_assert_int_eq(printer_at(f.tmp.db, ADDRESS_A).owner_id, f.alice);
	ck_assert_str_eq(printer_at(f.tmp.db, ADDRESS_A).name, "Alice's");
	/* Seen again at the same address: nothing moves. */
	ck_assert_int_eq(db_printer_seen(f.tmp.db, ADDRESS_A, 130, NULL, &err), 0);
	ck_assert_int_eq(printer_at(f.tmp.db, ADDRESS_A).owner_id, f.alice);
	assert_key(f.tmp.db, ADDRESS_A, 1111);
	fixture_close(&f);
}
END_TEST

/* Whether the printer at address has no key (no claim code). */
static void assert_no_key(struct db *db, const char *address)
{
	struct sirius_error err = { "" };
	uint8_t key[16];
	int claimed = -1;

	ck_assert_msg(db_printer_key(db, address, key, &claimed, &err) == 0, "%s", err.message);
	ck_assert_int_eq(claimed, 0);
}

/* The number of claim codes stored. */
static int64_t claim_code_count(struct db *db)
{
	struct sirius_error err = { "" };
	struct db_stats stats;

	ck_assert_msg(db_stats(db, &stats, &err) == 0, "%s", err.message);
	return stats.claim_codes;
}

/* Rule (e): after a reset the printer changes owner with the code it printed then. */
START_TEST(test_newest_code_wins_after_reset)
{
	struct fixture f;
	struct sirius_error err = { "" };
	char first[CLAIM_CODE_FORMATTED_SIZE], second[CLAIM_CODE_FORMATTED_SIZE];
	struct db_printer old_row, new_row, *list;
	int64_t printer_id = -1;
	size_t n;

	fixture_open(&f);
	code_for(ADDRESS_A, 1111, first);
	code_for(ADDRESS_A_RESET, 2222, second);
	ck_assert_int_eq(db_claim(f.tmp.db, f.alice, first, "Alice's", 100, NULL, &err), DB_CLAIM_OK);
	ck_assert_int_eq(db_printer_seen(f.tmp.db, ADDRESS_A, 110, NULL, &err), 0);
	/* The printer is reset and given away; while its old address is alice's, bob's code is refused. */
	ck_assert_int_eq(db_claim(f.tmp.db, f.bob, second, "Bob's", 200, NULL, &err),
			 DB_CLAIM_CANNOT_CHANGE_OWNER);
	/* It calls home with its new address: alice's code is from before the reset. */
	ck_assert_int_eq(db_printer_seen(f.tmp.db, ADDRESS_A_RESET, 210, &new_row, &err), 0);
	ck_assert_int_eq(new_row.owner_id, 0);
	assert_no_key(f.tmp.db, ADDRESS_A_RESET);
	/* Now bob's code claims it. */
	ck_assert_int_eq(db_claim(f.tmp.db, f.bob, second, "Bob's", 220, &printer_id, &err), DB_CLAIM_OK);
	ck_assert_int_eq(printer_id, new_row.id);
	new_row = printer_at(f.tmp.db, ADDRESS_A_RESET);
	ck_assert_int_eq(new_row.owner_id, f.bob);
	ck_assert_str_eq(new_row.name, "Bob's");
	assert_key(f.tmp.db, ADDRESS_A_RESET, 2222);
	/* The row of the old address is no longer anyone's printer. */
	old_row = printer_at(f.tmp.db, ADDRESS_A);
	ck_assert_int_eq(old_row.owner_id, 0);
	ck_assert_int_ne(old_row.id, new_row.id);
	ck_assert_int_eq(db_printers_of_owner(f.tmp.db, f.alice, &list, &n, &err), 0);
	ck_assert_uint_eq(n, 0);
	/* Rule (d): alice's old code cannot take it back. */
	ck_assert_int_eq(db_claim(f.tmp.db, f.alice, first, "Mine again", 300, NULL, &err),
			 DB_CLAIM_CANNOT_CHANGE_OWNER);
	ck_assert_int_eq(printer_at(f.tmp.db, ADDRESS_A_RESET).owner_id, f.bob);
	assert_key(f.tmp.db, ADDRESS_A_RESET, 2222);
	fixture_close(&f);
}
END_TEST

/*
 * Regression (reviewer's claim.c): a refused claim stored its code as the
 * newest of the xor, so that at the printer's next reset the new address
 * joined the refused (possibly forged) code and its author took the printer.
 */
START_TEST(test_refused_claim_stores_nothing)
{
	struct fixture f;
	struct sirius_error err = { "" };
	char alices[CLAIM_CODE_FORMATTED_SIZE], forged[CLAIM_CODE_FORMATTED_SIZE], fresh[CLAIM_CODE_FORMATTED_SIZE];
	struct db_printer p;

	fixture_open(&f);
	code_for(ADDRESS_A, 111, alices);
	code_for(ADDRESS_A, 222, forged); /* anyone who knows the xor can make one */
	code_for(ADDRESS_A_RESET, 333, fresh);
	ck_assert_int_eq(db_printer_seen(f.tmp.db, ADDRESS_A, 200, NULL, &err), 0);
	ck_assert_int_eq(db_claim(f.tmp.db, f.alice, alices, "Mine", 300, NULL, &err), DB_CLAIM_OK);
	ck_assert_int_eq(db_claim(f.tmp.db, f.bob, forged, "Yours", 400, NULL, &err), DB_CLAIM_CANNOT_CHANGE_OWNER);
	ck_assert_int_eq(claim_code_count(f.tmp.db), 1);
	/* Not stored, so not "in use" either: the same answer again. */
	ck_assert_int_eq(db_claim(f.tmp.db, f.bob, forged, "Yours", 410, NULL, &err), DB_CLAIM_CANNOT_CHANGE_OWNER);
	ck_assert_int_eq(claim_code_count(f.tmp.db), 1);
	/* Other refusals store nothing either, not even a new name. */
	ck_assert_int_eq(db_claim(f.tmp.db, f.bob, alices, "Taken", 420, NULL, &err), DB_CLAIM_IN_USE);
	ck_assert_int_eq(claim_code_count(f.tmp.db), 1);
	ck_assert_str_eq(printer_at(f.tmp.db, ADDRESS_A).name, "Mine");

	/* The reset: the new address belongs to nobody, least of all bob. */
	ck_assert_int_eq(db_printer_seen(f.tmp.db, ADDRESS_A_RESET, 500, &p, &err), 0);
	ck_assert_int_eq(p.owner_id, 0);
	assert_no_key(f.tmp.db, ADDRESS_A_RESET);
	ck_assert_int_eq(db_claim(f.tmp.db, f.alice, fresh, "Mine", 600, NULL, &err), DB_CLAIM_OK);
	ck_assert_int_eq(printer_at(f.tmp.db, ADDRESS_A_RESET).owner_id, f.alice);
	assert_key(f.tmp.db, ADDRESS_A_RESET, 333);
	fixture_close(&f);
}
END_TEST

/*
 * Regression (reviewer's claim2.c): after a reset the new address inherited
 * the previous owner's code (the newest of the xor, with a key that is wrong
 * now), and the new owner's freshly printed code got "cannot change owner".
 */
START_TEST(test_reset_printer_claimed_with_new_code)
{
	struct fixture f;
	struct sirius_error err = { "" };
	char alices[CLAIM_CODE_FORMATTED_SIZE], bobs[CLAIM_CODE_FORMATTED_SIZE];
	struct db_printer p, *list;
	int64_t printer_id = -1;
	size_t n;

	fixture_open(&f);
	code_for(ADDRESS_A, 111, alices);
	code_for(ADDRESS_A_RESET, 333, bobs);
	ck_assert_int_eq(db_printer_seen(f.tmp.db, ADDRESS_A, 200, NULL, &err), 0);
	ck_assert_int_eq(db_claim(f.tmp.db, f.alice, alices, "Mine", 300, NULL, &err), DB_CLAIM_OK);
	ck_assert_int_eq(db_printer_seen(f.tmp.db, ADDRESS_A_RESET, 500, &p, &err), 0);
	ck_assert_int_eq(p.owner_id, 0);
	ck_assert_int_eq(p.claim_code_id, 0);
	assert_no_key(f.tmp.db, ADDRESS_A_RESET);
	ck_assert_int_eq(db_printers_of_owner(f.tmp.db, f.alice, &list, &n, &err), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(db_claim(f.tmp.db, f.bob, bobs, "Bob's", 600, &printer_id, &err), DB_CLAIM_OK);
	ck_assert_int_eq(printer_id, p.id);
	ck_assert_int_eq(printer_at(f.tmp.db, ADDRESS_A_RESET).owner_id, f.bob);
	assert_key(f.tmp.db, ADDRESS_A_RESET, 333);
	/* Seen again: nothing moves. */
	ck_assert_int_eq(db_printer_seen(f.tmp.db, ADDRESS_A_RESET, 700, &p, &err), 0);
	ck_assert_int_eq(p.owner_id, f.bob);
	fixture_close(&f);
}
END_TEST

/*
 * Rule (c) at a reset: the newest code of the xor was used before the reset,
 * so the new address starts unclaimed; an older code that lost to it when
 * the printer first called home does not win now either.
 */
START_TEST(test_reset_ignores_older_waiting_codes)
{
	struct fixture f;
	struct sirius_error err = { "" };
	char bobs[CLAIM_CODE_FORMATTED_SIZE], alices[CLAIM_CODE_FORMATTED_SIZE];
	struct db_printer p;

	fixture_open(&f);
	code_for(ADDRESS_A, 10, bobs);
	code_for(ADDRESS_A, 20, alices);
	ck_assert_int_eq(db_claim(f.tmp.db, f.bob, bobs, "Bob's", 50, NULL, &err), DB_CLAIM_OK);
	ck_assert_int_eq(db_claim(f.tmp.db, f.alice, alices, "Alice's", 60, NULL, &err), DB_CLAIM_OK);
	ck_assert_int_eq(db_printer_seen(f.tmp.db, ADDRESS_A, 100, &p, &err), 0);
	ck_assert_int_eq(p.owner_id, f.alice);
	ck_assert_int_eq(db_printer_seen(f.tmp.db, ADDRESS_A_RESET, 200, &p, &err), 0);
	ck_assert_int_eq(p.owner_id, 0);
	assert_no_key(f.tmp.db, ADDRESS_A_RESET);
	/* Bob's code is older than one in use: old. */
	ck_assert_int_eq(db_claim(f.tmp.db, f.bob, bobs, "Bob's", 210, NULL, &err), DB_CLAIM_OLD_CODE);
	ck_assert_int_eq(printer_at(f.tmp.db, ADDRESS_A_RESET).owner_id, 0);
	fixture_close(&f);
}
END_TEST

/*
 * Rule (d), an unclaimed or own printer: a code an older address used, or one
 * older than a code in use, is refused as old and changes nothing.
 */
START_TEST(test_old_codes_refused)
{
	struct fixture f;
	struct sirius_error err = { "" };
	char before_reset[CLAIM_CODE_FORMATTED_SIZE], first[CLAIM_CODE_FORMATTED_SIZE];
	char second[CLAIM_CODE_FORMATTED_SIZE];
	struct db_printer p;

	fixture_open(&f);
	code_for(ADDRESS_A, 111, before_reset);
	code_for(ADDRESS_A_RESET, 222, first);
	code_for(ADDRESS_A_RESET, 333, second);
	ck_assert_int_eq(db_claim(f.tmp.db, f.alice, before_reset, "Mine", 100, NULL, &err), DB_CLAIM_OK);
	ck_assert_int_eq(db_printer_seen(f.tmp.db, ADDRESS_A, 110, NULL, &err), 0);
	ck_assert_int_eq(printer_at(f.tmp.db, ADDRESS_A).owner_id, f.alice);
	/* Reset: alice's code from before it would give the new address a wrong key. */
	ck_assert_int_eq(db_printer_seen(f.tmp.db, ADDRESS_A_RESET, 200, &p, &err), 0);
	ck_assert_int_eq(p.owner_id, 0);
	ck_assert_int_eq(db_claim(f.tmp.db, f.alice, before_reset, "Renamed", 210, NULL, &err), DB_CLAIM_OLD_CODE);
	ck_assert_int_eq(printer_at(f.tmp.db, ADDRESS_A_RESET).owner_id, 0);
	assert_no_key(f.tmp.db, ADDRESS_A_RESET);
	ck_assert_ptr_nonnull(strstr(db_claim_result_message(DB_CLAIM_OLD_CODE), "old claim code"));

	/* Two codes on the same address: the earlier one cannot take the key back. */
	ck_assert_int_eq(db_claim(f.tmp.db, f.alice, first, "Mine", 220, NULL, &err), DB_CLAIM_OK);
	ck_assert_int_eq(db_claim(f.tmp.db, f.alice, second, "Mine", 230, NULL, &err), DB_CLAIM_OK);
	assert_key(f.tmp.db, ADDRESS_A_RESET, 333);
	ck_assert_int_eq(db_claim(f.tmp.db, f.alice, first, "Mine", 240, NULL, &err), DB_CLAIM_OLD_CODE);
	assert_key(f.tmp.db, ADDRESS_A_RESET, 333);
	/* The code in use may be entered again: it renames. */
	ck_assert_int_eq(db_claim(f.tmp.db, f.alice, second, "Study", 250, NULL, &err), DB_CLAIM_OK);
	ck_assert_str_eq(printer_at(f.tmp.db, ADDRESS_A_RESET).name, "Study");
	/* Someone else's code, old or new, is refused without a trace. */
	ck_assert_int_eq(db_claim(f.tmp.db, f.bob, first, "Bob's", 260, NULL, &err), DB_CLAIM_IN_USE);
	code_for(ADDRESS_A_RESET, 555, first);
	ck_assert_int_eq(db_claim(f.tmp.db, f.bob, first, "Bob's", 270, NULL, &err), DB_CLAIM_CANNOT_CHANGE_OWNER);
	ck_assert_int_eq(claim_code_count(f.tmp.db), 3);
	fixture_close(&f);
}
END_TEST

/*
 * The limit written in db.h: a code entered after a reset, before the new
 * address calls home, is taken by the old address when that is unclaimed,
 * and is then old for the new address (the printer has to be reset again).
 */
START_TEST(test_code_taken_by_unclaimed_old_address)
{
	struct fixture f;
	struct sirius_error err = { "" };
	char code[CLAIM_CODE_FORMATTED_SIZE];
	struct db_printer p;
	int64_t printer_id = -1;

	fixture_open(&f);
	code_for(ADDRESS_A_RESET, 444, code);
	ck_assert_int_eq(db_printer_seen(f.tmp.db, ADDRESS_A, 100, &p, &err), 0);
	ck_assert_int_eq(db_claim(f.tmp.db, f.bob, code, "Bob's", 200, &printer_id, &err), DB_CLAIM_OK);
	ck_assert_int_eq(printer_id, p.id);
	ck_assert_int_eq(db_printer_seen(f.tmp.db, ADDRESS_A_RESET, 210, &p, &err), 0);
	ck_assert_int_eq(p.owner_id, 0);
	ck_assert_int_eq(db_claim(f.tmp.db, f.bob, code, "Bob's", 220, NULL, &err), DB_CLAIM_OLD_CODE);
	fixture_close(&f);
}
END_TEST

/* db_printer_touch: last_seen of a known printer moves forward only; nothing else changes. */
START_TEST(test_printer_touch)
{
	struct fixture f;
	struct sirius_error err = { "" };
	struct db_printer p;

	fixture_open(&f);
	ck_assert_int_eq(db_printer_touch(f.tmp.db, ADDRESS_A, 100, &err), 0);
	ck_assert_int_eq(db_printer_by_address(f.tmp.db, ADDRESS_A, &p, &err), 0);
	ck_assert_int_eq(db_printer_seen(f.tmp.db, ADDRESS_A, 100, &p, &err), 0);
	ck_assert_int_eq(db_printer_touch(f.tmp.db, ADDRESS_A, 400, &err), 1);
	p = printer_at(f.tmp.db, ADDRESS_A);
	ck_assert_int_eq(p.last_seen, 400);
	ck_assert_int_eq(p.created, 100);
	ck_assert_int_eq(db_printer_touch(f.tmp.db, ADDRESS_A, 300, &err), 1);
	ck_assert_int_eq(printer_at(f.tmp.db, ADDRESS_A).last_seen, 400);
	ck_assert_int_eq(db_printer_touch(f.tmp.db, "000D6F0001020304", 500, &err), 0);
	ck_assert_int_eq(db_printer_touch(f.tmp.db, "nonsense", 500, &err), 0);
	ck_assert_int_eq(db_printer_touch(f.tmp.db, NULL, 500, &err), 0);
	ck_assert_int_eq(printer_at(f.tmp.db, ADDRESS_A).last_seen, 400);
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
	ck_assert_int_eq(db_claim(f.tmp.db, f.alice, one, "One", 100, NULL, &err), DB_CLAIM_OK);
	ck_assert_int_eq(db_claim(f.tmp.db, f.bob, two, "Two", 100, NULL, &err), DB_CLAIM_OK);
	ck_assert_int_eq(db_printer_seen(f.tmp.db, ADDRESS_A, 110, &p, &err), 0);
	ck_assert_int_eq(p.owner_id, f.bob);
	assert_key(f.tmp.db, ADDRESS_A, 20);
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
	ck_assert_int_eq(db_printer_seen(f.tmp.db, ADDRESS_A, 100, &p, &err), 0);
	ck_assert_int_eq(db_claim(f.tmp.db, f.alice, code, "Alice's", 110, NULL, &err), DB_CLAIM_OK);
	ck_assert_int_eq(db_device_key_create(f.tmp.db, p.id, 120, &key, &err), 0);
	ck_assert_int_eq(db_printer_forget(f.tmp.db, p.id, f.bob, &err), 0);
	ck_assert_int_eq(db_printer_forget(f.tmp.db, p.id, f.alice, &err), 1);
	p = printer_at(f.tmp.db, ADDRESS_A);
	ck_assert_int_eq(p.owner_id, 0);
	ck_assert_str_eq(p.name, "");
	ck_assert_int_eq(db_printer_key(f.tmp.db, ADDRESS_A, link, &claimed, &err), 0);
	ck_assert_int_eq(claimed, 0);
	ck_assert_int_eq(db_device_key_find(f.tmp.db, key.secret, &key, &err), 0);
	ck_assert_int_eq(db_printer_forget(f.tmp.db, p.id, f.alice, &err), 0);
	/* The code is gone, so bob may now claim with it. */
	ck_assert_int_eq(db_claim(f.tmp.db, f.bob, code, "Bob's", 130, NULL, &err), DB_CLAIM_OK);
	ck_assert_int_eq(printer_at(f.tmp.db, ADDRESS_A).owner_id, f.bob);
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
	ck_assert_int_eq(db_claim(f.tmp.db, f.alice, code, "Alice's", 100, NULL, &err), DB_CLAIM_OK);
	ck_assert_int_eq(db_printer_seen(f.tmp.db, ADDRESS_A, 110, NULL, &err), 0);
	ck_assert_int_eq(db_user_delete(f.tmp.db, f.alice, &err), 1);
	ck_assert_int_eq(printer_at(f.tmp.db, ADDRESS_A).owner_id, 0);
	ck_assert_str_eq(printer_at(f.tmp.db, ADDRESS_A).name, "");
	ck_assert_int_eq(db_printer_key(f.tmp.db, ADDRESS_A, link, &claimed, &err), 0);
	ck_assert_int_eq(claimed, 0);
	fixture_close(&f);
}
END_TEST

/*
 * Regression: deleting a user left the device keys of their printers
 * working, so whoever held one kept printing to a printer with no owner.
 * They go with the user, and so do the user's claim codes; other users'
 * printers and keys stay.
 */
START_TEST(test_deleted_user_device_keys_stop_working)
{
	struct fixture f;
	struct sirius_error err = { "" };
	char alices[CLAIM_CODE_FORMATTED_SIZE], bobs[CLAIM_CODE_FORMATTED_SIZE];
	struct db_device_key alice_key, bob_key, found;
	struct db_printer pa, pb;

	fixture_open(&f);
	code_for(ADDRESS_A, 99, alices);
	code_for(ADDRESS_B, 97, bobs);
	ck_assert_int_eq(db_printer_seen(f.tmp.db, ADDRESS_A, 100, &pa, &err), 0);
	ck_assert_int_eq(db_printer_seen(f.tmp.db, ADDRESS_B, 100, &pb, &err), 0);
	ck_assert_int_eq(db_claim(f.tmp.db, f.alice, alices, "Alice's", 110, NULL, &err), DB_CLAIM_OK);
	ck_assert_int_eq(db_claim(f.tmp.db, f.bob, bobs, "Bob's", 110, NULL, &err), DB_CLAIM_OK);
	ck_assert_int_eq(db_device_key_create(f.tmp.db, pa.id, 120, &alice_key, &err), 0);
	ck_assert_int_eq(db_device_key_create(f.tmp.db, pb.id, 120, &bob_key, &err), 0);
	ck_assert_int_eq(claim_code_count(f.tmp.db), 2);

	ck_assert_int_eq(db_user_delete(f.tmp.db, f.alice, &err), 1);
	ck_assert_int_eq(db_device_key_find(f.tmp.db, alice_key.secret, &found, &err), 0);
	ck_assert_int_eq(db_device_key_find(f.tmp.db, bob_key.secret, &found, &err), 1);
	ck_assert_int_eq(claim_code_count(f.tmp.db), 1);
	ck_assert_int_eq(printer_at(f.tmp.db, ADDRESS_A).claim_code_id, 0);
	ck_assert_int_eq(printer_at(f.tmp.db, ADDRESS_B).owner_id, f.bob);
	/* Alice's code is gone: anyone may now claim the unowned printer with a fresh one. */
	ck_assert_int_eq(db_claim(f.tmp.db, f.bob, alices, "Found", 130, NULL, &err), DB_CLAIM_OK);
	ck_assert_int_eq(printer_at(f.tmp.db, ADDRESS_A).owner_id, f.bob);
	ck_assert_int_eq(db_user_delete(f.tmp.db, f.alice, &err), 0);
	fixture_close(&f);
}
END_TEST

/* The claim code text for a hardware xor and secret. */
static void code_for_xor(uint32_t xor_value, uint64_t secret, char text[CLAIM_CODE_FORMATTED_SIZE])
{
	struct claim_code code;

	ck_assert_int_eq(claim_code_encode(xor_value, secret, &code), 0);
	claim_code_format(&code, text);
}

/* Regression (unlimited forged claim codes): a user may have only DB_CLAIM_WAITING_MAX codes waiting for printers. */
START_TEST(test_waiting_codes_capped)
{
	struct fixture f;
	struct sirius_error err = { "" };
	char code[CLAIM_CODE_FORMATTED_SIZE], online[CLAIM_CODE_FORMATTED_SIZE];
	int64_t printer_id = -1;
	uint32_t i;

	fixture_open(&f);
	for (i = 1; i <= DB_CLAIM_WAITING_MAX; i++) {
		code_for_xor(i, 1000 + i, code);
		ck_assert_int_eq(db_claim(f.tmp.db, f.alice, code, "Waiting", 100, NULL, &err), DB_CLAIM_OK);
	}
	code_for_xor(99, 5, code);
	ck_assert_int_eq(db_claim(f.tmp.db, f.alice, code, "One too many", 100, NULL, &err), DB_CLAIM_TOO_MANY_WAITING);
	ck_assert_ptr_nonnull(strstr(db_claim_result_message(DB_CLAIM_TOO_MANY_WAITING), "waiting"));
	/* Entering a waiting code again (a rename) is no new code. */
	code_for_xor(1, 1001, online);
	ck_assert_int_eq(db_claim(f.tmp.db, f.alice, online, "Renamed", 101, NULL, &err), DB_CLAIM_OK);
	/* A code whose printer has called home is used at once: it never waits. */
	ck_assert_int_eq(db_printer_seen(f.tmp.db, ADDRESS_B, 102, NULL, &err), 0);
	code_for(ADDRESS_B, 77, online);
	ck_assert_int_eq(db_claim(f.tmp.db, f.alice, online, "Online", 103, &printer_id, &err), DB_CLAIM_OK);
	ck_assert_int_eq(printer_id, printer_at(f.tmp.db, ADDRESS_B).id);
	/* Other users have their own allowance. */
	ck_assert_int_eq(db_claim(f.tmp.db, f.bob, code, "Bob's", 104, NULL, &err), DB_CLAIM_OK);
	/* Expired codes stop counting. */
	code_for_xor(98, 6, code);
	ck_assert_int_eq(db_claim(f.tmp.db, f.alice, code, "Later", 100 + DB_CLAIM_WAIT_LIFETIME, NULL, &err), DB_CLAIM_OK);
	fixture_close(&f);
}
END_TEST

/* Regression (waiting claim codes never expire): a printer that first calls home after the wait is not joined to the code. */
START_TEST(test_waiting_code_expires)
{
	struct fixture f;
	struct sirius_error err = { "" };
	char code[CLAIM_CODE_FORMATTED_SIZE];
	struct db_printer p;

	fixture_open(&f);
	code_for(ADDRESS_A, 4242, code);
	ck_assert_int_eq(db_claim(f.tmp.db, f.alice, code, "Too late", 100, NULL, &err), DB_CLAIM_OK);
	ck_assert_int_eq(db_printer_seen(f.tmp.db, ADDRESS_A, 100 + DB_CLAIM_WAIT_LIFETIME, &p, &err), 0);
	ck_assert_int_eq(p.owner_id, 0);
	ck_assert_int_eq(p.claim_code_id, 0);
	/* Within the wait it is joined. */
	code_for(ADDRESS_B, 4343, code);
	ck_assert_int_eq(db_claim(f.tmp.db, f.bob, code, "In time", 100, NULL, &err), DB_CLAIM_OK);
	ck_assert_int_eq(db_printer_seen(f.tmp.db, ADDRESS_B, 99 + DB_CLAIM_WAIT_LIFETIME, &p, &err), 0);
	ck_assert_int_eq(p.owner_id, f.bob);
	ck_assert_str_eq(p.name, "In time");
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
	tcase_add_test(tc, test_refused_claim_stores_nothing);
	tcase_add_test(tc, test_reset_printer_claimed_with_new_code);
	tcase_add_test(tc, test_reset_ignores_older_waiting_codes);
	tcase_add_test(tc, test_old_codes_refused);
	tcase_add_test(tc, test_code_taken_by_unclaimed_old_address);
	tcase_add_test(tc, test_printer_touch);
	tcase_add_test(tc, test_deleted_user_device_keys_stop_working);
	tcase_add_test(tc, test_waiting_codes_capped);
	tcase_add_test(tc, test_waiting_code_expires);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
