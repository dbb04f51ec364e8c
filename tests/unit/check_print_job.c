/* check_print_job.c: unit tests of the print path, against a fake relay on a Unix socket. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <sqlite3.h>

#include "base64.h"
#include "message_print.h"
#include "db.h"
#include "db_internal.h"
#include "fake_relay.h"
#include "print_job.h"
#include "printer_payload.h"
#include "relay_client.h"
#include "test_db.h"
#include "test_util.h"

/* The printer every test prints to. */
#define ADDRESS "000d6f000273ce0b"
#define NOW 1700000000

/* Per-test state: a temporary directory with the database and the socket. */
static struct test_db tmp;
static char socket_path[128];
static int64_t printer_id;
static struct fake_relay relay;

static void setup(void)
{
	struct sirius_error err = { "" };
	struct db_printer row;

	test_db_open(&tmp, "check_print_job");
	ck_assert_int_lt(snprintf(socket_path, sizeof(socket_path), "%s/relay.sock", tmp.dir), (int)sizeof(socket_path));
	ck_assert_int_eq(db_printer_seen(tmp.db, ADDRESS, NOW, &row, &err), 0);
	printer_id = row.id;
	memset(&relay, 0, sizeof(relay));
}

static void teardown(void)
{
	fake_relay_stop(&relay);
	test_db_close(&tmp);
}

/* A full-width bitmap with a pattern (a diagonal and a black first pixel). */
static struct bitmap *pattern(int height)
{
	struct bitmap *bm = bitmap_new(PRINTER_WIDTH, height);
	int y;

	ck_assert_ptr_nonnull(bm);
	for (y = 0; y < height; y++)
		bitmap_set(bm, (y * 7) % PRINTER_WIDTH, y, 1);
	bitmap_set(bm, 0, 0, 1);
	return bm;
}

/* Sends one pattern image with set_delivery_and_print; returns print_job_send's result. */
static int send_one(struct bitmap *bm, struct print_job_result *result, struct sirius_error *err)
{
	const struct bitmap *images[1] = { bm };

	return print_job_send(tmp.db, socket_path, printer_id, PRINTER_SET_DELIVERY_AND_PRINT, images, 1, "tester",
			      NOW + 5, result, err);
}

/* A job printing the one image of images to the test's printer, from "tester". */
static void one_image_job(struct print_job *job, const struct bitmap *const *images)
{
	memset(job, 0, sizeof(*job));
	job->printer_id = printer_id;
	job->command = PRINTER_SET_DELIVERY_AND_PRINT;
	job->images = images;
	job->count = 1;
	job->sender = "tester";
}

/* Fetches message id and checks its status, sender, command and stored PNG against bm. */
static void check_message(uint32_t id, enum db_message_status status, const struct bitmap *bm)
{
	struct sirius_error err = { "" };
	struct db_message m;
	struct bitmap *stored;

	ck_assert_int_eq(db_message_get(tmp.db, id, &m, &err), 1);
	ck_assert_msg(m.status == status, "status %s, wanted %s", db_message_status_name(m.status),
		      db_message_status_name(status));
	ck_assert_int_eq(m.printer_id, printer_id);
	ck_assert_str_eq(m.sender, "tester");
	ck_assert_int_eq(m.command, PRINTER_SET_DELIVERY_AND_PRINT);
	ck_assert_int_eq(m.created, NOW + 5);
	ck_assert(m.has_print);
	ck_assert_ptr_null(m.payload);
	ck_assert_int_eq(db_message_load_print(tmp.db, &m, &err), 1);
	ck_assert_ptr_null(m.png);
	stored = message_print_bitmap(&m, &err);
	ck_assert_msg(stored != NULL, "stored print: %s", err.message);
	ck_assert(bitmap_equal(stored, bm));
	bitmap_free(stored);
	db_message_clear(&m);
}

/* The payload stored for the oldest queued message of the printer, decoded; fails the test when there is none. */
static void stored_payload(uint32_t id, struct printer_payload *payload)
{
	struct sirius_error err = { "" };
	uint8_t *bytes = NULL;
	size_t len = 0;
	uint32_t found = 0;

	ck_assert_int_eq(db_outbox_next(tmp.db, ADDRESS, id - 1, &found, &bytes, &len, &err), 1);
	ck_assert_uint_eq(found, id);
	ck_assert_msg(printer_payload_decode(bytes, len, PRINTER_WIDTH, payload, &err) == 0, "%s", err.message);
	free(bytes);
}

START_TEST(test_sent)
{
	struct sirius_error err = { "" };
	struct print_job_result result;
	struct printer_payload payload;
	struct bitmap *bm = pattern(50);

	fake_relay_start(&relay, socket_path, "{\"ok\":true,\"result\":\"sent\"}");
	ck_assert_msg(send_one(bm, &result, &err) == 0, "print_job_send: %s", err.message);
	ck_assert_int_eq(result.outcome, PRINT_JOB_SENT);
	ck_assert_uint_ne(result.message_id, 0);
	/* the relay alone moves it on: here it is still queued, with its payload */
	check_message(result.message_id, DB_MESSAGE_QUEUED, bm);

	/* the relay was woken for the printer with the message id only */
	ck_assert_int_eq(relay.requests, 1);
	ck_assert_str_eq(relay.op, "wake");
	ck_assert_str_eq(relay.device, ADDRESS);
	ck_assert(relay.command_id == (double)result.message_id);
	ck_assert_ptr_null(relay.payload);
	stored_payload(result.message_id, &payload);
	ck_assert_int_eq(payload.command, PRINTER_SET_DELIVERY_AND_PRINT);
	ck_assert_uint_eq(payload.print_id, result.message_id);
	ck_assert_uint_eq(payload.block_count, 1);
	ck_assert(bitmap_equal(payload.blocks[0].bitmap, bm));
	printer_payload_clear(&payload);
	bitmap_free(bm);
}
END_TEST

START_TEST(test_offline_printer_queues)
{
	struct sirius_error err = { "" };
	struct print_job_result result;
	struct bitmap *bm = pattern(10);

	fake_relay_start(&relay, socket_path, "{\"ok\":true,\"result\":\"offline\"}");
	ck_assert_msg(send_one(bm, &result, &err) == 0, "print_job_send: %s", err.message);
	ck_assert_int_eq(result.outcome, PRINT_JOB_QUEUED);
	check_message(result.message_id, DB_MESSAGE_QUEUED, bm);
	bitmap_free(bm);
}
END_TEST

START_TEST(test_unreachable_relay_leaves_it_queued)
{
	struct sirius_error err = { "" };
	struct print_job_result result;
	struct printer_payload payload;
	struct bitmap *bm = pattern(10);

	/* no relay: nothing listens at socket_path; the message is stored and waits for the relay */
	ck_assert_msg(send_one(bm, &result, &err) == 0, "print_job_send: %s", err.message);
	ck_assert_int_eq(result.outcome, PRINT_JOB_QUEUED);
	ck_assert_uint_ne(result.message_id, 0);
	check_message(result.message_id, DB_MESSAGE_QUEUED, bm);
	stored_payload(result.message_id, &payload);
	printer_payload_clear(&payload);
	bitmap_free(bm);
}
END_TEST

START_TEST(test_error_reply_leaves_it_queued)
{
	struct sirius_error err = { "" };
	struct print_job_result result;
	struct bitmap *bm = pattern(10);

	fake_relay_start(&relay, socket_path, "{\"ok\":false,\"error\":\"something went wrong\"}");
	ck_assert_int_eq(send_one(bm, &result, &err), 0);
	ck_assert_int_eq(result.outcome, PRINT_JOB_QUEUED);
	check_message(result.message_id, DB_MESSAGE_QUEUED, bm);
	bitmap_free(bm);
}
END_TEST

START_TEST(test_refuse_offline_stores_it_failed)
{
	struct sirius_error err = { "" };
	struct print_job_result result;
	struct print_job job;
	struct db_message m;
	struct bitmap *bm = pattern(10);
	const struct bitmap *images[1] = { bm };

	fake_relay_start(&relay, socket_path,
			 "{\"ok\":true,\"devices\":[{\"address\":\"" ADDRESS "\",\"online\":false,\"bridge\":\"\","
			 "\"last_seen\":0}]}");
	one_image_job(&job, images);
	job.refuse_offline = 1;
	ck_assert_msg(print_job_queue(tmp.db, socket_path, &job, NOW + 5, &result, &err) == 0, "%s", err.message);
	ck_assert_int_eq(result.outcome, PRINT_JOB_OFFLINE);
	check_message(result.message_id, DB_MESSAGE_FAILED, bm);
	ck_assert_int_eq(db_message_get(tmp.db, result.message_id, &m, &err), 1);
	ck_assert_int_eq(m.failure, DB_FAILURE_OFFLINE);
	db_message_clear(&m);
	/* only the status question: nothing was woken for it */
	ck_assert_str_eq(relay.op, "status");
	ck_assert_int_eq(relay.requests, 1);
	bitmap_free(bm);
}
END_TEST

/* A job through a device key counts the key's use with its message; a print refused offline does not. */
START_TEST(test_key_use_counted_with_the_message)
{
	struct sirius_error err = { "" };
	struct print_job_result result;
	struct db_device_key key, found;
	struct print_job job;
	struct bitmap *bm = pattern(10);
	const struct bitmap *images[1] = { bm };
	char **senders;
	size_t count;

	ck_assert_int_eq(db_device_key_create(tmp.db, printer_id, NOW, &key, &err), 0);
	fake_relay_start(&relay, socket_path, "{\"ok\":true,\"result\":\"sent\"}");
	one_image_job(&job, images);
	job.key_id = key.id;
	ck_assert_msg(print_job_queue(tmp.db, socket_path, &job, NOW + 5, &result, &err) == 0, "%s", err.message);
	ck_assert_int_eq(result.outcome, PRINT_JOB_SENT);
	ck_assert_str_eq(result.key_use.message, "");
	check_message(result.message_id, DB_MESSAGE_QUEUED, bm);
	ck_assert_int_eq(db_device_key_find(tmp.db, key.secret, &found, &err), 1);
	ck_assert_int_eq(found.uses, 1);
	ck_assert_int_eq(db_device_key_senders(tmp.db, key.id, &senders, &count, &err), 0);
	ck_assert_uint_eq(count, 1);
	ck_assert_str_eq(senders[0], "tester");
	db_strings_free(senders, count);
	fake_relay_stop(&relay);

	fake_relay_start(&relay, socket_path,
			 "{\"ok\":true,\"devices\":[{\"address\":\"" ADDRESS "\",\"online\":false,\"bridge\":\"\","
			 "\"last_seen\":0}]}");
	job.refuse_offline = 1;
	ck_assert_msg(print_job_queue(tmp.db, socket_path, &job, NOW + 6, &result, &err) == 0, "%s", err.message);
	ck_assert_int_eq(result.outcome, PRINT_JOB_OFFLINE);
	ck_assert_int_eq(db_device_key_find(tmp.db, key.secret, &found, &err), 1);
	ck_assert_int_eq(found.uses, 1);
	ck_assert_int_eq(result.key_counted, 0);
	bitmap_free(bm);
}
END_TEST

/* With a key_rate the request is counted against the key's rate with the message, stored refused or not. */
START_TEST(test_key_rate_counted_with_the_message)
{
	struct sirius_error err = { "" };
	struct print_job_result result;
	struct db_device_key key;
	struct print_job job;
	struct bitmap *bm = pattern(10);
	const struct bitmap *images[1] = { bm };
	int64_t retry = 0;

	ck_assert_int_eq(db_device_key_create(tmp.db, printer_id, NOW, &key, &err), 0);
	fake_relay_start(&relay, socket_path, "{\"ok\":true,\"result\":\"sent\"}");
	one_image_job(&job, images);
	job.key_id = key.id;
	job.key_rate = 2;
	ck_assert_int_eq(db_device_key_rate_check(tmp.db, key.id, 2, g_get_real_time() / 1000, &retry, &err), 1);
	ck_assert_msg(print_job_queue(tmp.db, socket_path, &job, NOW + 5, &result, &err) == 0, "%s", err.message);
	ck_assert_int_eq(result.key_counted, 1);
	ck_assert_int_eq(db_device_key_rate_check(tmp.db, key.id, 2, g_get_real_time() / 1000, &retry, &err), 1);
	ck_assert_msg(print_job_queue(tmp.db, socket_path, &job, NOW + 5, &result, &err) == 0, "%s", err.message);
	ck_assert_int_eq(result.key_counted, 1);
	/* two a minute: a third does not fit */
	ck_assert_int_eq(db_device_key_rate_check(tmp.db, key.id, 2, g_get_real_time() / 1000, &retry, &err), 0);
	ck_assert_int_ge(retry, 1);
	bitmap_free(bm);
}
END_TEST

START_TEST(test_ids_increase)
{
	struct sirius_error err = { "" };
	struct print_job_result first, second;
	struct bitmap *bm = pattern(3);

	fake_relay_start(&relay, socket_path, "{\"ok\":true,\"result\":\"sent\"}");
	ck_assert_int_eq(send_one(bm, &first, &err), 0);
	ck_assert_int_eq(send_one(bm, &second, &err), 0);
	ck_assert_uint_gt(second.message_id, first.message_id);
	ck_assert_int_eq(relay.requests, 2);
	bitmap_free(bm);
}
END_TEST

START_TEST(test_several_images_stacked)
{
	struct sirius_error err = { "" };
	struct print_job_result result;
	struct bitmap *quips[3] = { pattern(4), pattern(5), pattern(6) };
	const struct bitmap *images[3] = { quips[0], quips[1], quips[2] };
	struct db_message m;
	struct bitmap *stored;
	int i;

	fake_relay_start(&relay, socket_path, "{\"ok\":true,\"result\":\"sent\"}");
	ck_assert_msg(print_job_send(tmp.db, socket_path, printer_id, PRINTER_SET_QUIP, images, 3, "tester", NOW,
				     &result, &err) == 0, "%s", err.message);
	ck_assert_int_eq(db_message_get(tmp.db, result.message_id, &m, &err), 1);
	ck_assert_int_eq(m.command, PRINTER_SET_QUIP);
	ck_assert_int_eq(db_message_load_print(tmp.db, &m, &err), 1);
	stored = message_print_bitmap(&m, &err);
	ck_assert_msg(stored != NULL, "stored print: %s", err.message);
	ck_assert_int_eq(stored->width, PRINTER_WIDTH);
	ck_assert_int_eq(stored->height, 15);
	/* the second image starts at row 4 */
	ck_assert(memcmp(bitmap_row(stored, 4), quips[1]->bits, 5 * quips[1]->stride) == 0);
	bitmap_free(stored);
	db_message_clear(&m);
	for (i = 0; i < 3; i++)
		bitmap_free(quips[i]);
}
END_TEST

START_TEST(test_refuses_before_storing)
{
	struct sirius_error err = { "" };
	struct print_job_result result;
	struct bitmap *narrow = bitmap_new(100, 10);
	struct bitmap *tall = bitmap_new(PRINTER_WIDTH, PRINTER_MAX_ROWS + 1);
	struct bitmap *ok = pattern(10);
	const struct bitmap *images[2] = { ok, ok };
	struct db_message *list;
	size_t count;
	char long_sender[DB_SENDER_MAX + 2];

	ck_assert_ptr_nonnull(narrow);
	ck_assert_ptr_nonnull(tall);
	fake_relay_start(&relay, socket_path, "{\"ok\":true,\"result\":\"sent\"}");

	images[0] = narrow;
	ck_assert_int_eq(print_job_send(tmp.db, socket_path, printer_id, PRINTER_SET_DELIVERY_AND_PRINT, images, 1,
					"tester", NOW, &result, &err), -1);
	ck_assert_uint_eq(result.message_id, 0);
	ck_assert_ptr_nonnull(strstr(err.message, "wide"));

	images[0] = tall;
	ck_assert_int_eq(print_job_send(tmp.db, socket_path, printer_id, PRINTER_SET_DELIVERY_AND_PRINT, images, 1,
					"tester", NOW, &result, &err), -1);
	ck_assert_uint_eq(result.message_id, 0);

	images[0] = ok;
	ck_assert_int_eq(print_job_send(tmp.db, socket_path, printer_id, PRINTER_SET_DELIVERY_AND_PRINT, images, 2,
					"tester", NOW, &result, &err), -1);
	ck_assert_uint_eq(result.message_id, 0);
	ck_assert_int_eq(print_job_send(tmp.db, socket_path, printer_id, PRINTER_FIRMWARE_UPDATE, images, 0, "tester",
					NOW, &result, &err), -1);
	ck_assert_int_eq(print_job_send(tmp.db, socket_path, printer_id + 100, PRINTER_SET_DELIVERY_AND_PRINT, images,
					1, "tester", NOW, &result, &err), -1);
	ck_assert_uint_eq(result.message_id, 0);
	ck_assert_int_eq(print_job_send(tmp.db, socket_path, printer_id, PRINTER_SET_DELIVERY_AND_PRINT, images, 1, "",
					NOW, &result, &err), -1);
	memset(long_sender, 'x', sizeof(long_sender) - 1);
	long_sender[sizeof(long_sender) - 1] = '\0';
	ck_assert_int_eq(print_job_send(tmp.db, socket_path, printer_id, PRINTER_SET_DELIVERY_AND_PRINT, images, 1,
					long_sender, NOW, &result, &err), -1);
	ck_assert_uint_eq(result.message_id, 0);

	/* nothing was stored and the relay was never asked */
	ck_assert_int_eq(db_messages_of_printer(tmp.db, printer_id, 10, &list, &count, &err), 0);
	ck_assert_uint_eq(count, 0);
	db_messages_free(list, count);
	ck_assert_int_eq(relay.requests, 0);
	bitmap_free(narrow);
	bitmap_free(tall);
	bitmap_free(ok);
}
END_TEST

/*
 * Vertical stripes one pixel wide: every run of the code is one pixel long
 * (rows join up, as each ends black and the next starts white), so the
 * payload is 53 bytes plus one per pixel: the most detail a print can have.
 */
static struct bitmap *stripes(int height)
{
	struct bitmap *bm = bitmap_new(PRINTER_WIDTH, height);
	int x, y;

	ck_assert_ptr_nonnull(bm);
	for (y = 0; y < height; y++)
		for (x = 1; x < PRINTER_WIDTH; x += 2)
			bitmap_set(bm, x, y, 1);
	return bm;
}

/*
 * Regression: a tall, detailed print whose payload was over the relay's
 * limit took a command id and was stored as a message failed
 * "relay_unreachable". It is now refused before either, with a sentence that
 * names the size; the next print gets the first id.
 */
START_TEST(test_too_detailed_print_uses_no_command_id)
{
	struct sirius_error err = { "" };
	struct print_job_result result;
	struct bitmap *over = stripes(2048), *under = stripes(2047);
	struct db_message *list;
	size_t count;

	fake_relay_start(&relay, socket_path, "{\"ok\":true,\"result\":\"sent\"}");
	/* 2048 rows: 786485 bytes, 1048648 characters of base64 */
	ck_assert_int_eq(send_one(over, &result, &err), -1);
	ck_assert_int_eq(result.outcome, PRINT_JOB_TOO_DETAILED);
	ck_assert_uint_eq(result.message_id, 0);
	ck_assert_str_eq(err.message, "the print is too detailed to send: 1048648 bytes, the limit is 1048576");
	ck_assert_int_eq(RELAY_MAX_PAYLOAD_BASE64, 1048576);
	ck_assert_int_eq(relay.requests, 0);
	ck_assert_int_eq(db_messages_of_printer(tmp.db, printer_id, 10, &list, &count, &err), 0);
	ck_assert_uint_eq(count, 0);
	db_messages_free(list, count);

	/* 2047 rows: 1048136 characters, within the limit; it gets the first command id */
	ck_assert_msg(send_one(under, &result, &err) == 0, "print_job_send: %s", err.message);
	ck_assert_int_eq(result.outcome, PRINT_JOB_SENT);
	ck_assert_uint_eq(result.message_id, 1);
	ck_assert(relay.command_id == 1.0);
	check_message(result.message_id, DB_MESSAGE_QUEUED, under);
	bitmap_free(over);
	bitmap_free(under);
}
END_TEST

/* A request's digest as print_once_digest makes them: DB_DEDUPE_LEN hex digits. */
#define DIGEST "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

/*
 * A message of the same key and digest since dedupe_since makes the job its
 * repeat, found in the transaction that would store it (where a request
 * finds a first one stored after it last looked): nothing stored, no
 * command id, no use or rate counted, no wake.
 */
START_TEST(test_repeat_found_where_it_would_be_stored)
{
	struct sirius_error err = { "" };
	struct print_job_result first, again, later;
	struct db_device_key key, found;
	struct print_job job;
	struct bitmap *bm = pattern(10);
	const struct bitmap *images[1] = { bm };

	ck_assert_int_eq(db_device_key_create(tmp.db, printer_id, NOW, &key, &err), 0);
	fake_relay_start(&relay, socket_path, "{\"ok\":true,\"result\":\"sent\"}");
	one_image_job(&job, images);
	job.key_id = key.id;
	job.key_rate = 10;
	job.dedupe = DIGEST;
	ck_assert_msg(print_job_queue(tmp.db, socket_path, &job, NOW + 5, &first, &err) == 0, "%s", err.message);
	ck_assert_int_eq(first.repeat, 0);
	ck_assert_int_eq(relay.requests, 1);

	job.dedupe_since = NOW;
	ck_assert_msg(print_job_queue(tmp.db, socket_path, &job, NOW + 6, &again, &err) == 0, "%s", err.message);
	ck_assert_int_eq(again.repeat, 1);
	ck_assert_uint_eq(again.message_id, first.message_id);
	/* the first is still queued: the fake relay records nothing */
	ck_assert_int_eq(again.outcome, PRINT_JOB_QUEUED);
	ck_assert_int_eq(again.key_counted, 0);
	ck_assert_int_eq(relay.requests, 1);
	ck_assert_int_eq(db_device_key_find(tmp.db, key.secret, &found, &err), 1);
	ck_assert_int_eq(found.uses, 1);

	/* a window that starts after the first: printed, with the command id after the first's */
	job.dedupe_since = NOW + 6;
	ck_assert_msg(print_job_queue(tmp.db, socket_path, &job, NOW + 7, &later, &err) == 0, "%s", err.message);
	ck_assert_int_eq(later.repeat, 0);
	ck_assert_uint_eq(later.message_id, first.message_id + 1);
	ck_assert_int_eq(relay.requests, 2);
	bitmap_free(bm);
}
END_TEST

/* The other request of test_repeat_stored_while_waiting_for_the_lock: its connection, and the job's waits for it. */
static struct db *other_request;
static int lock_waits;

/* The job's busy handler there: the other request commits its message while the job waits for the write lock. */
static int other_request_commits(void *arg, int count)
{
	struct sirius_error err = { "" };

	(void)arg;
	(void)count;
	lock_waits++;
	ck_assert_msg(db_transaction_commit(other_request, &err) == 0, "%s", err.message);
	return 1;
}

/*
 * Two requests with the same body at once: the other one stores its message
 * while this one waits for the write lock, after any check made before
 * it. The job finds the message once it has the lock, and stores nothing.
 */
START_TEST(test_repeat_stored_while_waiting_for_the_lock)
{
	struct sirius_error err = { "" };
	struct print_job_result result;
	struct db_device_key key;
	struct print_job job;
	struct bitmap *bm = pattern(10);
	const struct bitmap *images[1] = { bm };
	uint32_t first;

	ck_assert_int_eq(db_device_key_create(tmp.db, printer_id, NOW, &key, &err), 0);
	other_request = db_open(tmp.path, &err);
	ck_assert_msg(other_request != NULL, "%s", err.message);
	ck_assert_int_eq(db_transaction_begin(other_request, &err), 0);
	first = test_db_queue(other_request, printer_id, PRINTER_SET_DELIVERY_AND_PRINT, NOW + 5, key.id, DIGEST);
	lock_waits = 0;
	sqlite3_busy_handler(tmp.db->sqlite, other_request_commits, NULL);
	fake_relay_start(&relay, socket_path, "{\"ok\":true,\"result\":\"sent\"}");
	one_image_job(&job, images);
	job.key_id = key.id;
	job.dedupe = DIGEST;
	job.dedupe_since = NOW;
	ck_assert_msg(print_job_queue(tmp.db, socket_path, &job, NOW + 5, &result, &err) == 0, "%s", err.message);
	ck_assert_int_eq(lock_waits, 1);
	ck_assert_int_eq(result.repeat, 1);
	ck_assert_uint_eq(result.message_id, first);
	ck_assert_int_eq(relay.requests, 0);
	db_close(other_request);
	bitmap_free(bm);
}
END_TEST

/* Without a key no repeat is looked for: the digest alone says nothing of who sent it. */
START_TEST(test_no_repeat_without_a_key)
{
	struct sirius_error err = { "" };
	struct print_job_result first, again;
	struct print_job job;
	struct bitmap *bm = pattern(10);
	const struct bitmap *images[1] = { bm };

	fake_relay_start(&relay, socket_path, "{\"ok\":true,\"result\":\"sent\"}");
	one_image_job(&job, images);
	job.dedupe = DIGEST;
	ck_assert_msg(print_job_queue(tmp.db, socket_path, &job, NOW + 5, &first, &err) == 0, "%s", err.message);
	job.dedupe_since = NOW;
	ck_assert_msg(print_job_queue(tmp.db, socket_path, &job, NOW + 6, &again, &err) == 0, "%s", err.message);
	ck_assert_int_eq(again.repeat, 0);
	ck_assert_uint_gt(again.message_id, first.message_id);
	bitmap_free(bm);
}
END_TEST

START_TEST(test_outcome_of_a_repeated_message)
{
	ck_assert_int_eq(print_job_outcome_of(DB_MESSAGE_QUEUED), PRINT_JOB_QUEUED);
	ck_assert_int_eq(print_job_outcome_of(DB_MESSAGE_FAILED), PRINT_JOB_OFFLINE);
	ck_assert_int_eq(print_job_outcome_of(DB_MESSAGE_SENT), PRINT_JOB_SENT);
	ck_assert_int_eq(print_job_outcome_of(DB_MESSAGE_DELIVERED), PRINT_JOB_SENT);
	ck_assert_int_eq(print_job_outcome_of(DB_MESSAGE_PRINTED), PRINT_JOB_SENT);
}
END_TEST

START_TEST(test_outcome_names)
{
	ck_assert_str_eq(print_job_outcome_name(PRINT_JOB_SENT), "sent");
	ck_assert_str_eq(print_job_outcome_name(PRINT_JOB_QUEUED), "queued");
	ck_assert_str_eq(print_job_outcome_name(PRINT_JOB_OFFLINE), "offline");
	ck_assert_str_eq(print_job_outcome_name(PRINT_JOB_TOO_DETAILED), "too-detailed");
	ck_assert_str_eq(print_job_outcome_name((enum print_job_outcome)99), "unknown");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("print_job");
	TCase *tc = tcase_create("send");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_sent);
	tcase_add_test(tc, test_offline_printer_queues);
	tcase_add_test(tc, test_unreachable_relay_leaves_it_queued);
	tcase_add_test(tc, test_error_reply_leaves_it_queued);
	tcase_add_test(tc, test_refuse_offline_stores_it_failed);
	tcase_add_test(tc, test_ids_increase);
	tcase_add_test(tc, test_key_use_counted_with_the_message);
	tcase_add_test(tc, test_key_rate_counted_with_the_message);
	tcase_add_test(tc, test_repeat_found_where_it_would_be_stored);
	tcase_add_test(tc, test_repeat_stored_while_waiting_for_the_lock);
	tcase_add_test(tc, test_no_repeat_without_a_key);
	tcase_add_test(tc, test_outcome_of_a_repeated_message);
	tcase_add_test(tc, test_several_images_stacked);
	tcase_add_test(tc, test_too_detailed_print_uses_no_command_id);
	tcase_add_test(tc, test_refuses_before_storing);
	tcase_add_test(tc, test_outcome_names);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
