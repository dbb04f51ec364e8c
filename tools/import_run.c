/* import_run.c: bringing the original sirius server's users, printers, claim codes, device keys and friendships into the database. */
#include "import_run.h"

#include <stdarg.h>
#include <string.h>

#include "claim_code.h"
#include "db_import.h"
#include "device_address.h"
#include "import_pickle.h"
#include "import_values.h"

/* The name given to a printer whose original name is empty. */
#define DEFAULT_PRINTER_NAME "Little Printer"

/* Characters of a device key shown in its default sender name ("Key abcd"), as the original did. */
#define KEY_PREFIX_LEN 4

/* What one run keeps while it works. */
struct run {
	struct db *db;                     /* the database imported into, inside the import's transaction */
	const struct import_source *src;   /* the original's rows */
	const struct import_options *opt;  /* how to import */
	struct import_report *report;      /* what happened, filled as rows go */
	struct sirius_error *err;          /* the reason of a database error */
	GHashTable *users;      /* original user id (gint64 *) -> local user id (gint64 *) */
	GHashTable *claims;     /* canonical claim code digits -> local claim code id (gint64 *) */
	GHashTable *printers;   /* original printer id -> local printer id */
	GHashTable *failed;     /* original user ids left out (conflict or skipped) */
	GHashTable *xors;       /* hardware xor -> 1 + the row of the original's newest printer with it */
	GHashTable *addresses;  /* every lower-case printer address of the original */
};

static void note(struct run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void note(struct run *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	g_ptr_array_add(r->report->notes, g_strdup_vprintf(fmt, ap));
	va_end(ap);
}

static gint64 *boxed(int64_t value)
{
	gint64 *p = g_new(gint64, 1);

	*p = value;
	return p;
}

static GHashTable *id_map(void)
{
	return g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, g_free);
}

/* The local id mapped from an original id, or 0. */
static int64_t mapped(GHashTable *map, int64_t original)
{
	gint64 *local = g_hash_table_lookup(map, &original);

	return local ? *local : 0;
}

/* A value of a row of table id. */
static const char *value(struct run *r, enum import_table_id id, size_t row, int column)
{
	return import_value(r->src, id, row, column);
}

/* An id column as a number: 1 and *out, or 0 when NULL or not a positive integer. */
static int id_value(struct run *r, enum import_table_id id, size_t row, int column, int64_t *out)
{
	return import_parse_int(value(r, id, row, column), 1, INT64_MAX, out) == 0;
}

/* A time column in seconds, or the run's time when it is NULL or unreadable. */
static int64_t time_value(struct run *r, enum import_table_id id, size_t row, int column)
{
	int64_t t;

	return import_parse_timestamp(value(r, id, row, column), &t) == 0 ? t : r->opt->now;
}

/* How ordered_rows sorts a table: by a time column (NULL first) and then the id, or by id alone. */
struct order {
	struct run *r;           /* the run */
	enum import_table_id id; /* the table */
	int time_column;         /* the column to sort by first, or -1 */
};

static gint compare_rows(gconstpointer a, gconstpointer b, gpointer data)
{
	const struct order *o = data;
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	int64_t tx = 0, ty = 0, ix = 0, iy = 0;

	if (o->time_column >= 0) {
		import_parse_timestamp(value(o->r, o->id, x, o->time_column), &tx);
		import_parse_timestamp(value(o->r, o->id, y, o->time_column), &ty);
		if (tx != ty)
			return tx < ty ? -1 : 1;
	}
	/* every table's id is its first column */
	id_value(o->r, o->id, x, 0, &ix);
	id_value(o->r, o->id, y, 0, &iy);
	return ix < iy ? -1 : ix > iy ? 1 : (x < y ? -1 : x > y);
}

/* The rows of a table in order, as an array of row indices (free with g_array_free). */
static GArray *ordered_rows(struct run *r, enum import_table_id id, int time_column)
{
	struct order o = { r, id, time_column };
	size_t n = import_rows(r->src, id), i;
	GArray *rows = g_array_sized_new(FALSE, FALSE, sizeof(size_t), (guint)n);

	for (i = 0; i < n; i++)
		g_array_append_val(rows, i);
	g_array_sort_with_data(rows, compare_rows, &o);
	return rows;
}

/*
 * A printer name fit for this server from an original one: invalid UTF-8
 * mended, control characters made spaces, cut to DB_PRINTER_NAME_MAX bytes at
 * a character boundary, trimmed; DEFAULT_PRINTER_NAME when nothing is left.
 * A new string.
 */
static char *printer_name(const char *original)
{
	char *name = g_utf8_make_valid(original ? original : "", -1), *p, *end;

	for (p = name; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	if (strlen(name) > DB_PRINTER_NAME_MAX) {
		end = name + DB_PRINTER_NAME_MAX;
		while (end > name && ((unsigned char)*end & 0xc0) == 0x80)
			end--;
		*end = '\0';
	}
	g_strstrip(name);
	if (!name[0] || !db_printer_name_valid(name)) {
		g_free(name);
		name = g_strdup(DEFAULT_PRINTER_NAME);
	}
	return name;
}

/* 1 when text is DB_API_KEY_LEN letters and digits (the original's keys mix cases), else 0. */
static int api_key_usable(const char *text)
{
	size_t i;

	if (!text || strlen(text) != DB_API_KEY_LEN)
		return 0;
	for (i = 0; i < DB_API_KEY_LEN; i++)
		if (!g_ascii_isalnum(text[i]))
			return 0;
	return 1;
}

/* The screen name of a user in twitter_o_auth, or NULL. */
static const char *screen_name_of(struct run *r, int64_t user_id)
{
	size_t i, n = import_rows(r->src, IMPORT_TWITTER);
	int64_t owner;

	for (i = 0; i < n; i++)
		if (id_value(r, IMPORT_TWITTER, i, TWITTER_USER_ID, &owner) && owner == user_id)
			return value(r, IMPORT_TWITTER, i, TWITTER_SCREEN_NAME);
	return NULL;
}

/* ---- users ------------------------------------------------------------------ */

/* Imports one user; 0, or -1 on a database error. */
static int import_user(struct run *r, size_t row)
{
	struct import_count *c = &r->report->counts[IMPORT_USERS];
	const char *name = value(r, IMPORT_USER, row, USER_USERNAME);
	const char *api_key = value(r, IMPORT_USER, row, USER_API_KEY);
	int64_t original, local = 0, other;
	struct db_user user;
	int rc;

	if (!id_value(r, IMPORT_USER, row, USER_ID, &original)) {
		c->skipped++;
		note(r, "user row %zu: no usable id; left out", row + 1);
		return 0;
	}
	if (!name || !name[0])
		name = screen_name_of(r, original);
	if (!name || !db_user_name_valid(name)) {
		c->skipped++;
		g_hash_table_add(r->failed, boxed(original));
		note(r, "user %lld: the name \"%s\" is not one this server takes (1 to %d of A-Z a-z 0-9 _ . -); "
		     "left out, with their printers, claim codes, keys and friendships",
		     (long long)original, name ? name : "", DB_USER_NAME_MAX);
		return 0;
	}
	rc = db_import_user_find(r->db, original, &local, r->err);
	if (rc < 0)
		return -1;
	if (rc == 1) {
		c->present++;
		g_hash_table_insert(r->users, boxed(original), boxed(local));
		return 0;
	}
	rc = db_user_by_name(r->db, name, &user, r->err);
	if (rc < 0)
		return -1;
	if (rc == 1) {
		rc = db_import_user_original(r->db, user.id, &other, r->err);
		if (rc < 0)
			return -1;
		if (rc == 0 && r->opt->adopt_existing) {
			if (db_import_user_adopt(r->db, original, user.id, r->opt->now, r->err) < 0)
				return -1;
			c->present++;
			g_hash_table_insert(r->users, boxed(original), boxed(user.id));
			note(r, "user %s (original id %lld): taken to be the local account %s (--adopt-existing)", name,
			     (long long)original, user.name);
			return 0;
		}
		c->conflicts++;
		g_hash_table_add(r->failed, boxed(original));
		if (rc == 1)
			note(r, "user %s (original id %lld): the name is that of original user %lld, imported already; "
			     "left out, with their printers, claim codes, keys and friendships",
			     name, (long long)original, (long long)other);
		else
			note(r, "user %s (original id %lld): the name is taken by a different local account (id %lld); "
			     "left out, with their printers, claim codes, keys and friendships: rename the local account, "
			     "or run again with --adopt-existing if it is the same person", name, (long long)original,
			     (long long)user.id);
		return 0;
	}
	if (api_key && !api_key_usable(api_key)) {
		note(r, "user %s: the API key is not %d letters and digits; imported without it", name, DB_API_KEY_LEN);
		api_key = NULL;
	}
	if (api_key) {
		rc = db_import_api_key_taken(r->db, api_key, r->err);
		if (rc < 0)
			return -1;
		if (rc == 1) {
			note(r, "user %s: another account here has the same API key; imported without it", name);
			api_key = NULL;
		}
	}
	rc = db_import_user_add(r->db, original, name, api_key, time_value(r, IMPORT_USER, row, USER_CREATED),
				r->opt->now, &local, r->err);
	if (rc < 0)
		return -1;
	c->added++;
	g_hash_table_insert(r->users, boxed(original), boxed(local));
	g_ptr_array_add(r->report->no_password, g_strdup(name));
	return 0;
}

/* ---- claim codes -------------------------------------------------------------- */

/*
 * Brings one claim code for a local user (by code: an existing one of the
 * same user is matched). Sets *local_id (0 when left out). Returns 0, or -1
 * on a database error; count is where it is counted.
 */
static int bring_claim(struct run *r, const struct claim_code *code, int64_t user_id, const char *name,
		       int64_t created, const char *what, int64_t *local_id)
{
	struct import_count *c = &r->report->counts[IMPORT_CLAIM_CODES];
	int64_t id, owner;
	gint64 *known = g_hash_table_lookup(r->claims, code->digits);
	char *fitted;
	int rc;

	*local_id = 0;
	if (known) {
		*local_id = *known;
		return 0;
	}
	rc = db_import_claim_find(r->db, code->digits, &id, &owner, r->err);
	if (rc < 0)
		return -1;
	if (rc == 1 && owner != user_id) {
		c->conflicts++;
		note(r, "%s: the claim code %s is another account's here; left out", what, code->digits);
		return 0;
	}
	if (rc == 1) {
		c->present++;
	} else {
		fitted = printer_name(name);
		rc = db_import_claim_add(r->db, code, user_id, fitted, created, &id, r->err);
		g_free(fitted);
		if (rc < 0)
			return -1;
		c->added++;
	}
	g_hash_table_insert(r->claims, g_strdup(code->digits), boxed(id));
	*local_id = id;
	return 0;
}

static int import_claim_code(struct run *r, size_t row)
{
	struct import_count *c = &r->report->counts[IMPORT_CLAIM_CODES];
	const char *text = value(r, IMPORT_CLAIM_CODE, row, CLAIM_CODE);
	int64_t original = 0, by = 0, xor, local;
	struct claim_code code;
	enum claim_code_error e;
	char what[64];

	id_value(r, IMPORT_CLAIM_CODE, row, CLAIM_ID, &original);
	snprintf(what, sizeof(what), "claim code %lld", (long long)original);
	e = claim_code_decode(text, &code);
	if (e != CLAIM_CODE_OK) {
		c->skipped++;
		note(r, "%s: \"%s\" is left out. %s", what, text ? text : "", claim_code_error_message(e));
		return 0;
	}
	if (import_parse_int(value(r, IMPORT_CLAIM_CODE, row, CLAIM_XOR), 0, CLAIM_CODE_XOR_MAX, &xor) == 0 &&
	    (uint32_t)xor != code.hardware_xor)
		note(r, "%s: the stored hardware xor %lld is not the code's (%u); the code's is used", what, (long long)xor,
		     code.hardware_xor);
	if (!id_value(r, IMPORT_CLAIM_CODE, row, CLAIM_BY_ID, &by) || !mapped(r->users, by)) {
		c->skipped++;
		if (!g_hash_table_contains(r->failed, &by))
			note(r, "%s: its user (original id %lld) is not imported; left out", what, (long long)by);
		return 0;
	}
	return bring_claim(r, &code, mapped(r->users, by), value(r, IMPORT_CLAIM_CODE, row, CLAIM_NAME),
			   time_value(r, IMPORT_CLAIM_CODE, row, CLAIM_CREATED), what, &local);
}

/* ---- printers ------------------------------------------------------------------ */

/* The lower-case address of a printer row (a new string, "" when NULL). */
static char *row_address(struct run *r, size_t row)
{
	const char *raw = value(r, IMPORT_PRINTER, row, PRINTER_ADDRESS);

	return g_ascii_strdown(raw ? raw : "", -1);
}

/*
 * Indexes the original's printers: r->xors gets hardware xor -> the row of
 * its newest address (created, then id), r->addresses every address.
 */
static void index_printers(struct run *r)
{
	size_t n = import_rows(r->src, IMPORT_PRINTER), i;

	r->xors = g_hash_table_new(g_direct_hash, g_direct_equal);
	r->addresses = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	for (i = 0; i < n; i++) {
		char *address = row_address(r, i);
		uint32_t xor;
		gpointer found;

		if (device_address_hardware_xor(address, &xor) == 0) {
			found = g_hash_table_lookup(r->xors, GUINT_TO_POINTER(xor));
			if (!found) {
				g_hash_table_insert(r->xors, GUINT_TO_POINTER(xor), GSIZE_TO_POINTER(i + 1));
			} else {
				size_t best = GPOINTER_TO_SIZE(found) - 1;
				int64_t t = time_value(r, IMPORT_PRINTER, i, PRINTER_CREATED);
				int64_t bt = time_value(r, IMPORT_PRINTER, best, PRINTER_CREATED);
				int64_t id = 0, bid = 0;

				id_value(r, IMPORT_PRINTER, i, PRINTER_ID, &id);
				id_value(r, IMPORT_PRINTER, best, PRINTER_ID, &bid);
				if (t > bt || (t == bt && id > bid))
					g_hash_table_insert(r->xors, GUINT_TO_POINTER(xor), GSIZE_TO_POINTER(i + 1));
			}
		}
		g_hash_table_add(r->addresses, address);
	}
}

/*
 * Whether the printer at row may keep its owner: it is the newest address of
 * its hardware xor in the original, and no printer here has that xor under
 * an address the original does not know. 1, 0 or -1.
 */
static int takes_owner(struct run *r, size_t row, const char *address, uint32_t xor)
{
	size_t k, count;
	char **addresses;
	int foreign = 0;

	if (GPOINTER_TO_SIZE(g_hash_table_lookup(r->xors, GUINT_TO_POINTER(xor))) != row + 1)
		return 0;
	if (db_import_printer_addresses(r->db, xor, &addresses, &count, r->err) < 0)
		return -1;
	for (k = 0; k < count; k++)
		foreign |= !g_hash_table_contains(r->addresses, addresses[k]);
	db_strings_free(addresses, count);
	if (foreign)
		note(r, "printer %s: a printer with the same hardware xor is here already under another address; "
		     "imported unclaimed", address);
	return !foreign;
}

static int import_printer(struct run *r, size_t row)
{
	struct import_count *c = &r->report->counts[IMPORT_PRINTERS];
	const char *code_text = value(r, IMPORT_PRINTER, row, PRINTER_CLAIM_CODE);
	const char *raw = value(r, IMPORT_PRINTER, row, PRINTER_ADDRESS);
	int64_t original = 0, owner_original = 0, owner = 0, claim = 0, local, created, stored_xor;
	char *address = row_address(r, row), *name = NULL;
	struct db_printer existing;
	struct claim_code code;
	uint32_t xor;
	int rc = -1, has_owner, takes, found;

	id_value(r, IMPORT_PRINTER, row, PRINTER_ID, &original);
	created = time_value(r, IMPORT_PRINTER, row, PRINTER_CREATED);
	if (device_address_hardware_xor(address, &xor) < 0) {
		c->skipped++;
		note(r, "printer %lld: \"%s\" is not a device address; left out", (long long)original, raw ? raw : "");
		rc = 0;
		goto out;
	}
	if (import_parse_int(value(r, IMPORT_PRINTER, row, PRINTER_XOR), 0, INT64_MAX, &stored_xor) == 0 &&
	    stored_xor != (int64_t)xor)
		note(r, "printer %s: the stored hardware xor %lld is not its address's (%u); the address's is used", address,
		     (long long)stored_xor, xor);
	has_owner = id_value(r, IMPORT_PRINTER, row, PRINTER_OWNER_ID, &owner_original);
	if (has_owner && !mapped(r->users, owner_original)) {
		c->skipped++;
		if (!g_hash_table_contains(r->failed, &owner_original))
			note(r, "printer %s: its owner (original id %lld) is not imported; left out", address,
			     (long long)owner_original);
		rc = 0;
		goto out;
	}
	found = db_printer_by_address(r->db, address, &existing, r->err);
	if (found < 0)
		goto out;
	/* here already: the same, or someone else's (its keys must not follow), or unclaimed (below) */
	if (found == 1 && (existing.owner_id != 0 || !has_owner)) {
		if (existing.owner_id == (has_owner ? mapped(r->users, owner_original) : 0)) {
			g_hash_table_insert(r->printers, boxed(original), boxed(existing.id));
			c->present++;
		} else {
			c->conflicts++;
			note(r, "printer %s: here already with %s owner; left as it is, without the original's device keys",
			     address, has_owner ? "another" : "an");
		}
		rc = 0;
		goto out;
	}
	/* the claim code it uses: its secret is the printer's link key */
	if (has_owner && code_text) {
		char what[64];

		if (claim_code_decode(code_text, &code) != CLAIM_CODE_OK) {
			note(r, "printer %s: its claim code \"%s\" is not valid; imported unclaimed", address, code_text);
			has_owner = 0;
		} else {
			snprintf(what, sizeof(what), "printer %s", address);
			if (bring_claim(r, &code, mapped(r->users, owner_original), value(r, IMPORT_PRINTER, row, PRINTER_NAME),
					created, what, &claim) < 0)
				goto out;
			if (claim == 0)
				has_owner = 0;
		}
	}
	takes = has_owner ? takes_owner(r, row, address, xor) : 0;
	if (takes < 0)
		goto out;
	if (takes) {
		owner = mapped(r->users, owner_original);
		name = printer_name(value(r, IMPORT_PRINTER, row, PRINTER_NAME));
	}
	if (found == 1) {
		/* it called this server before the import, and nobody here claimed it */
		local = existing.id;
		if (takes) {
			struct db_user user;

			if (db_import_printer_claim(r->db, local, owner, name, claim, r->err) < 0 ||
			    db_user_by_id(r->db, owner, &user, r->err) < 0)
				goto out;
			note(r, "printer %s: here already, unclaimed (it called this server before the import); "
			     "now %s's, named %s", address, user.name, name);
		}
	} else if (db_import_printer_add(r->db, original, address, xor, owner, name, takes ? claim : 0, created,
					 &local, r->err) < 0) {
		goto out;
	}
	if (takes)
		g_ptr_array_add(r->report->claimed, g_strdup(address));
	/* the first address that took a code has used it (db.h, "Claiming rules") */
	if (claim && db_import_claim_used(r->db, claim, address, r->err) < 0)
		goto out;
	g_hash_table_insert(r->printers, boxed(original), boxed(local));
	if (found == 1 && !takes)
		c->present++;
	else
		c->added++;
	rc = 0;
out:
	g_free(address);
	g_free(name);
	return rc;
}

/* ---- device keys ------------------------------------------------------------------ */

/* Records the senders of an added key; 0, or -1 on a database error. */
static int import_senders(struct run *r, size_t row, int64_t key_id, const char *secret)
{
	const char *text = value(r, IMPORT_PRINT_KEY, row, KEY_SENDERS);
	struct sirius_error why = { "" };
	GPtrArray *senders;
	guint i;
	int rc = 0;

	if (!text)
		return 0;
	if (import_parse_text_array(text, &senders, &why) < 0) {
		note(r, "device key %.4s...: its senders are unreadable (%s); imported without them", secret, why.message);
		return 0;
	}
	for (i = 0; i < senders->len && rc == 0; i++) {
		const char *s = g_ptr_array_index(senders, i);
		char *sender;

		/* the original printed "Key abcd" for a print without a sender, as this server does */
		if (!s)
			sender = g_strdup_printf("Key %.*s", KEY_PREFIX_LEN, secret);
		else
			sender = g_utf8_make_valid(s, -1);
		if (strlen(sender) > DB_SENDER_MAX) {
			char *end = sender + DB_SENDER_MAX;

			while (end > sender && ((unsigned char)*end & 0xc0) == 0x80)
				end--;
			*end = '\0';
		}
		if (db_import_key_sender(r->db, key_id, sender, r->err) < 0)
			rc = -1;
		g_free(sender);
	}
	g_ptr_array_free(senders, TRUE);
	return rc;
}

static int import_key(struct run *r, size_t row)
{
	struct import_count *c = &r->report->counts[IMPORT_DEVICE_KEYS];
	const char *secret = value(r, IMPORT_PRINT_KEY, row, KEY_SECRET);
	int64_t printer_original = 0, printer, uses = 0, id;
	struct db_device_key key;
	int rc;

	if (!db_device_key_valid(secret)) {
		c->skipped++;
		note(r, "device key %.4s...: not %d of a-z and 0-9 as the original made them; left out",
		     secret ? secret : "", DB_DEVICE_KEY_LEN);
		return 0;
	}
	id_value(r, IMPORT_PRINT_KEY, row, KEY_PRINTER_ID, &printer_original);
	printer = mapped(r->printers, printer_original);
	if (!printer) {
		c->skipped++;
		note(r, "device key %.4s...: its printer (original id %lld) is not imported; left out", secret,
		     (long long)printer_original);
		return 0;
	}
	rc = db_device_key_find(r->db, secret, &key, r->err);
	if (rc < 0)
		return -1;
	if (rc == 1) {
		if (key.printer_id == printer) {
			c->present++;
		} else {
			c->conflicts++;
			note(r, "device key %.4s...: here already for another printer; left out", secret);
		}
		return 0;
	}
	if (import_parse_int(value(r, IMPORT_PRINT_KEY, row, KEY_USES), 0, INT64_MAX, &uses) < 0)
		uses = 0;
	if (db_import_key_add(r->db, secret, printer, time_value(r, IMPORT_PRINT_KEY, row, KEY_CREATED), uses, &id,
			      r->err) < 0 ||
	    import_senders(r, row, id, secret) < 0)
		return -1;
	c->added++;
	return 0;
}

/* ---- friendships ------------------------------------------------------------------ */

/* Lower-case screen names (and user names) -> original user id, for matching friend lists. */
static GHashTable *screen_names(struct run *r)
{
	GHashTable *names = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	size_t i;
	int64_t id;

	for (i = 0; i < import_rows(r->src, IMPORT_USER); i++) {
		const char *name = value(r, IMPORT_USER, i, USER_USERNAME);

		if (name && id_value(r, IMPORT_USER, i, USER_ID, &id))
			g_hash_table_insert(names, g_ascii_strdown(name, -1), boxed(id));
	}
	/* the Twitter screen names win: the original matched friends to them */
	for (i = 0; i < import_rows(r->src, IMPORT_TWITTER); i++) {
		const char *name = value(r, IMPORT_TWITTER, i, TWITTER_SCREEN_NAME);

		if (name && id_value(r, IMPORT_TWITTER, i, TWITTER_USER_ID, &id))
			g_hash_table_insert(names, g_ascii_strdown(name, -1), boxed(id));
	}
	return names;
}

static int import_friends_of(struct run *r, size_t row, GHashTable *names)
{
	struct import_count *c = &r->report->counts[IMPORT_FRIENDSHIPS];
	const char *text = value(r, IMPORT_TWITTER, row, TWITTER_FRIENDS);
	const char *who = value(r, IMPORT_TWITTER, row, TWITTER_SCREEN_NAME);
	struct sirius_error why = { "" };
	int64_t owner_original = 0, owner, created;
	uint8_t *bytes = NULL;
	size_t len = 0;
	GPtrArray *friends = NULL;
	guint i;
	int rc = 0;

	if (!text || !id_value(r, IMPORT_TWITTER, row, TWITTER_USER_ID, &owner_original))
		return 0;
	owner = mapped(r->users, owner_original);
	if (!owner)
		return 0;
	if (import_parse_bytea(text, &bytes, &len, &why) < 0 || import_pickle_friends(bytes, len, &friends, &why) < 0) {
		c->skipped++;
		note(r, "the Twitter friends of %s are unreadable (%s); their friendships are left out", who ? who : "?",
		     why.message);
		g_free(bytes);
		return 0;
	}
	created = time_value(r, IMPORT_TWITTER, row, TWITTER_LAST_REFRESH);
	for (i = 0; i < friends->len && rc == 0; i++) {
		char *lower = g_ascii_strdown(g_ptr_array_index(friends, i), -1);
		gint64 *friend_original = g_hash_table_lookup(names, lower);
		int64_t friend = friend_original ? mapped(r->users, *friend_original) : 0;

		g_free(lower);
		/* most people one follows never used the server: only users count */
		if (!friend_original || *friend_original == owner_original)
			continue;
		if (!friend) {
			c->skipped++;
			continue;
		}
		rc = db_import_friend_add(r->db, owner, friend, created, r->err);
		if (rc == 1)
			c->added++;
		else if (rc == 0)
			c->present++;
		rc = rc < 0 ? -1 : 0;
	}
	g_ptr_array_free(friends, TRUE);
	g_free(bytes);
	return rc;
}

/* ---- the run ---------------------------------------------------------------------- */

/* Runs each row of a table through fn in order; 0, or -1 on a database error. */
static int each_row(struct run *r, enum import_table_id id, int time_column, int (*fn)(struct run *, size_t))
{
	GArray *rows = ordered_rows(r, id, time_column);
	guint i;
	int rc = 0;

	for (i = 0; i < rows->len && rc == 0; i++)
		rc = fn(r, g_array_index(rows, size_t, i));
	g_array_free(rows, TRUE);
	return rc;
}

int import_run(struct db *db, const struct import_source *src, const struct import_options *opt,
	       struct import_report *report, struct sirius_error *err)
{
	struct run r = { db, src, opt, report, err, id_map(), NULL, id_map(), NULL, NULL, NULL };
	GHashTable *names = NULL;
	size_t i;
	int rc = -1;

	memset(report, 0, sizeof(*report));
	report->notes = g_ptr_array_new_with_free_func(g_free);
	report->no_password = g_ptr_array_new_with_free_func(g_free);
	report->claimed = g_ptr_array_new_with_free_func(g_free);
	r.claims = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	r.failed = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
	if (db_import_begin(db, err) < 0)
		goto out;
	if (each_row(&r, IMPORT_USER, -1, import_user) < 0 ||
	    each_row(&r, IMPORT_CLAIM_CODE, CLAIM_CREATED, import_claim_code) < 0)
		goto fail;
	index_printers(&r);
	if (each_row(&r, IMPORT_PRINTER, PRINTER_CREATED, import_printer) < 0 ||
	    each_row(&r, IMPORT_PRINT_KEY, -1, import_key) < 0)
		goto fail;
	names = screen_names(&r);
	for (i = 0; i < import_rows(src, IMPORT_TWITTER); i++)
		if (import_friends_of(&r, i, names) < 0)
			goto fail;
	if (db_import_finish(db, !opt->dry_run, err) < 0)
		goto out;
	rc = 0;
	goto out;
fail:
	db_import_finish(db, 0, NULL);
out:
	if (names)
		g_hash_table_destroy(names);
	g_hash_table_destroy(r.users);
	g_hash_table_destroy(r.claims);
	g_hash_table_destroy(r.printers);
	g_hash_table_destroy(r.failed);
	if (r.xors)
		g_hash_table_destroy(r.xors);
	if (r.addresses)
		g_hash_table_destroy(r.addresses);
	return rc;
}

long import_report_left_out(const struct import_report *report)
{
	long n = 0;
	int k;

	for (k = 0; k < IMPORT_KINDS; k++)
		n += report->counts[k].conflicts + report->counts[k].skipped;
	return n;
}

void import_report_print(FILE *out, const struct import_report *report, int dry_run)
{
	static const char *const labels[IMPORT_KINDS] = {
		"users", "claim codes", "printers", "device keys", "friendships",
	};
	guint i;
	int k;

	fprintf(out, "%s\n", dry_run ? "dry run: what an import would do (nothing was written)"
				     : "imported:");
	for (k = 0; k < IMPORT_KINDS; k++) {
		const struct import_count *c = &report->counts[k];

		fprintf(out, "  %-12s %ld %s, %ld already here, %ld conflicting, %ld left out\n", labels[k], c->added,
			dry_run ? "to add" : "added", c->present, c->conflicts, c->skipped);
	}
	for (i = 0; i < report->notes->len; i++)
		fprintf(out, "note: %s\n", (const char *)g_ptr_array_index(report->notes, i));
	if (report->no_password->len > 0) {
		fprintf(out, "%u new account%s %s no password (the original signed people in with Twitter): "
			"give each one with sirius-admin password NAME:\n", report->no_password->len,
			report->no_password->len == 1 ? "" : "s", dry_run ? "would have" : "have");
		for (i = 0; i < report->no_password->len; i++)
			fprintf(out, "  %s\n", (const char *)g_ptr_array_index(report->no_password, i));
	}
}

void import_report_free(struct import_report *report)
{
	if (report->notes)
		g_ptr_array_free(report->notes, TRUE);
	if (report->no_password)
		g_ptr_array_free(report->no_password, TRUE);
	if (report->claimed)
		g_ptr_array_free(report->claimed, TRUE);
	memset(report, 0, sizeof(*report));
}
