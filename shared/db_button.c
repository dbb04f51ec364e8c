/* db_button.c: a printer's button presses, the deliveries waiting for it, its personality and quips, in the database. */
#include "db_button.h"

#include <string.h>

#include <glib.h>

#include "db_internal.h"

int db_button_press_add(struct db *db, int64_t printer_id, int print_type, uint32_t print_id, int64_t now,
			struct sirius_error *err)
{
	enum db_stmt s = SQL_BUTTON_PRESS_INSERT;

	if (dbi_bind_int(db, s, "$printer", printer_id, err) < 0 || dbi_bind_int(db, s, "$type", print_type, err) < 0 ||
	    dbi_bind_int(db, s, "$print_id", print_id, err) < 0 || dbi_bind_int(db, s, "$now", now, err) < 0) {
		dbi_reset(db, s);
		return -1;
	}
	return dbi_run(db, s, err) < 0 ? -1 : 0;
}

/* Fills the struct db_button_press at out from a row of SQL_BUTTON_PRESSES. */
static void read_press(struct db *db, enum db_stmt id, void *out)
{
	struct db_button_press *press = out;
	sqlite3_stmt *st = db->stmts[id];

	memset(press, 0, sizeof(*press));
	press->id = sqlite3_column_int64(st, 0);
	press->print_type = sqlite3_column_int(st, 1);
	press->print_id = (uint32_t)sqlite3_column_int64(st, 2);
	press->time = sqlite3_column_int64(st, 3);
	press->message_id = (uint32_t)sqlite3_column_int64(st, 4);
	dbi_column_text(db, id, 5, press->sender, sizeof(press->sender));
}

int db_button_presses(struct db *db, int64_t printer_id, int limit, struct db_button_press **list, size_t *count,
		      struct sirius_error *err)
{
	*list = NULL;
	*count = 0;
	if (dbi_bind_int(db, SQL_BUTTON_PRESSES, "$printer", printer_id, err) < 0 ||
	    dbi_bind_int(db, SQL_BUTTON_PRESSES, "$limit", limit < 0 ? 0 : limit, err) < 0) {
		dbi_reset(db, SQL_BUTTON_PRESSES);
		return -1;
	}
	return dbi_collect(db, SQL_BUTTON_PRESSES, read_press, NULL, sizeof(**list), (void **)list, count, err);
}

/* Reads the message id of a row of SQL_BUTTON_WAITING. */
static void read_id(struct db *db, enum db_stmt id, void *out)
{
	*(uint32_t *)out = (uint32_t)sqlite3_column_int64(db->stmts[id], 0);
}

int db_button_waiting(struct db *db, int64_t printer_id, int limit, uint32_t **ids, size_t *count,
		      struct sirius_error *err)
{
	*ids = NULL;
	*count = 0;
	if (dbi_bind_int(db, SQL_BUTTON_WAITING, "$printer", printer_id, err) < 0 ||
	    dbi_bind_int(db, SQL_BUTTON_WAITING, "$limit", limit < 0 ? 0 : limit, err) < 0) {
		dbi_reset(db, SQL_BUTTON_WAITING);
		return -1;
	}
	return dbi_collect(db, SQL_BUTTON_WAITING, read_id, NULL, sizeof(**ids), (void **)ids, count, err);
}

int db_button_is_waiting(struct db *db, int64_t printer_id, uint32_t message_id, struct sirius_error *err)
{
	int64_t yes;

	if (dbi_bind_int(db, SQL_BUTTON_IS_WAITING, "$printer", printer_id, err) < 0 ||
	    dbi_bind_int(db, SQL_BUTTON_IS_WAITING, "$id", message_id, err) < 0) {
		dbi_reset(db, SQL_BUTTON_IS_WAITING);
		return -1;
	}
	if (dbi_run_int(db, SQL_BUTTON_IS_WAITING, &yes, err) < 0)
		return -1;
	return yes != 0;
}

int db_button_settle(struct db *db, int64_t printer_id, uint32_t message_id, uint32_t reprint_id, int64_t now,
		     struct sirius_error *err)
{
	enum db_stmt s = SQL_BUTTON_SETTLE;

	if (dbi_bind_int(db, s, "$printer", printer_id, err) < 0 || dbi_bind_int(db, s, "$id", message_id, err) < 0 ||
	    dbi_bind_id(db, s, "$reprint", reprint_id, err) < 0 || dbi_bind_int(db, s, "$now", now, err) < 0) {
		dbi_reset(db, s);
		return -1;
	}
	return dbi_run(db, s, err);
}

int db_button_settled(struct db *db, uint32_t message_id, uint32_t *reprint_id, int64_t *time,
		      struct sirius_error *err)
{
	int rc;

	if (dbi_bind_int(db, SQL_BUTTON_SETTLED_GET, "$id", message_id, err) < 0) {
		dbi_reset(db, SQL_BUTTON_SETTLED_GET);
		return -1;
	}
	rc = dbi_step(db, SQL_BUTTON_SETTLED_GET, err);
	if (rc == SQLITE_ROW) {
		*reprint_id = (uint32_t)sqlite3_column_int64(db->stmts[SQL_BUTTON_SETTLED_GET], 0);
		*time = sqlite3_column_int64(db->stmts[SQL_BUTTON_SETTLED_GET], 1);
	}
	dbi_reset(db, SQL_BUTTON_SETTLED_GET);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

/* ---- personality ----------------------------------------------------------- */

int db_personality_set(struct db *db, int64_t printer_id, const char *face, const uint8_t *const *png,
		       const size_t *png_len, uint32_t message_id, int64_t now, struct sirius_error *err)
{
	static const char *const params[DB_PERSONALITY_IMAGES] = { "$png0", "$png1", "$png2", "$png3" };
	enum db_stmt s = SQL_PERSONALITY_SET;
	int shipped = face && face[0];
	size_t i;

	if (shipped && strlen(face) > DB_FACE_NAME_MAX)
		return error_set(err, "a face name is at most %d bytes", DB_FACE_NAME_MAX);
	if (shipped == (png != NULL))
		return error_set(err, "a personality is either a shipped set or four images");
	for (i = 0; png && i < DB_PERSONALITY_IMAGES; i++)
		if (!png[i] || png_len[i] == 0)
			return error_set(err, "a personality needs all four images");
	if (dbi_bind_int(db, s, "$printer", printer_id, err) < 0 ||
	    dbi_bind_text(db, s, "$face", shipped ? face : NULL, err) < 0 ||
	    dbi_bind_int(db, s, "$message", message_id, err) < 0 || dbi_bind_int(db, s, "$now", now, err) < 0)
		goto fail;
	for (i = 0; i < DB_PERSONALITY_IMAGES; i++)
		if (dbi_bind_blob(db, s, params[i], png ? png[i] : NULL, png ? png_len[i] : 0, err) < 0)
			goto fail;
	return dbi_run(db, s, err) < 0 ? -1 : 0;
fail:
	dbi_reset(db, s);
	return -1;
}

/* Fills the struct db_personality at out from a row of SQL_PERSONALITY_GET; the PNGs are copied. */
static void read_personality(struct db *db, enum db_stmt id, void *out)
{
	struct db_personality *p = out;
	sqlite3_stmt *st = db->stmts[id];
	int i;

	memset(p, 0, sizeof(*p));
	p->printer_id = sqlite3_column_int64(st, 0);
	dbi_column_text(db, id, 1, p->face, sizeof(p->face));
	for (i = 0; i < DB_PERSONALITY_IMAGES; i++) {
		const void *blob = sqlite3_column_blob(st, 2 + i);
		int len = sqlite3_column_bytes(st, 2 + i);

		if (blob && len > 0) {
			/* g_malloc aborts when out of memory, as the rest of the database layer expects */
			p->png[i] = g_malloc((gsize)len);
			memcpy(p->png[i], blob, (size_t)len);
			p->png_len[i] = (size_t)len;
		}
	}
	p->message_id = (uint32_t)sqlite3_column_int64(st, 6);
	p->created = sqlite3_column_int64(st, 7);
}

int db_personality_get(struct db *db, int64_t printer_id, struct db_personality *out, struct sirius_error *err)
{
	memset(out, 0, sizeof(*out));
	if (dbi_bind_int(db, SQL_PERSONALITY_GET, "$printer", printer_id, err) < 0) {
		dbi_reset(db, SQL_PERSONALITY_GET);
		return -1;
	}
	return dbi_lookup(db, SQL_PERSONALITY_GET, read_personality, out, err);
}

void db_personality_clear(struct db_personality *p)
{
	int i;

	if (!p)
		return;
	for (i = 0; i < DB_PERSONALITY_IMAGES; i++)
		g_free(p->png[i]);
	memset(p, 0, sizeof(*p));
}

/* ---- quips ----------------------------------------------------------------- */

int db_quips_set(struct db *db, int64_t printer_id, const char *const text[DB_QUIPS], uint32_t message_id,
		 int64_t now, struct sirius_error *err)
{
	static const char *const params[DB_QUIPS] = { "$quip1", "$quip2", "$quip3" };
	enum db_stmt s = SQL_QUIPS_SET;
	int i;

	for (i = 0; i < DB_QUIPS; i++)
		if (!text[i] || text[i][0] == '\0' || strlen(text[i]) > DB_QUIP_MAX)
			return error_set(err, "a quip is 1 to %d bytes", DB_QUIP_MAX);
	if (dbi_bind_int(db, s, "$printer", printer_id, err) < 0 ||
	    dbi_bind_int(db, s, "$message", message_id, err) < 0 || dbi_bind_int(db, s, "$now", now, err) < 0)
		goto fail;
	for (i = 0; i < DB_QUIPS; i++)
		if (dbi_bind_text(db, s, params[i], text[i], err) < 0)
			goto fail;
	return dbi_run(db, s, err) < 0 ? -1 : 0;
fail:
	dbi_reset(db, s);
	return -1;
}

/* Fills the struct db_quips at out from a row of SQL_QUIPS_GET. */
static void read_quips(struct db *db, enum db_stmt id, void *out)
{
	struct db_quips *q = out;
	int i;

	memset(q, 0, sizeof(*q));
	q->printer_id = sqlite3_column_int64(db->stmts[id], 0);
	for (i = 0; i < DB_QUIPS; i++)
		dbi_column_text(db, id, 1 + i, q->text[i], sizeof(q->text[i]));
	q->message_id = (uint32_t)sqlite3_column_int64(db->stmts[id], 4);
	q->created = sqlite3_column_int64(db->stmts[id], 5);
}

int db_quips_get(struct db *db, int64_t printer_id, struct db_quips *out, struct sirius_error *err)
{
	memset(out, 0, sizeof(*out));
	if (dbi_bind_int(db, SQL_QUIPS_GET, "$printer", printer_id, err) < 0) {
		dbi_reset(db, SQL_QUIPS_GET);
		return -1;
	}
	return dbi_lookup(db, SQL_QUIPS_GET, read_quips, out, err);
}
