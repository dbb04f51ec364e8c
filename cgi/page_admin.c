/* page_admin.c: GET /admin (accounts, printers, bridges, counters, a bridge's logs, a page of each) and POST /admin/personality (administrators only). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin_counters.h"
#include "dither.h"
#include "image_decode.h"
#include "image_scale.h"
#include "page.h"
#include "print_job.h"
#include "printer_payload.h"
#include "relay_client.h"
#include "web.h"

/* The file fields of the personality form, in the order set_personality carries its images. */
static const char *const personality_fields[] = { "face", "nothing_to_print", "cannot_see_bridge",
						  "cannot_see_internet" };

/* Rows of each list of the admin page per page. */
#define ADMIN_PAGE_ROWS 50

/* The query parameters that choose a page of each list, in the order links carry them. */
static const char *const page_params[] = { "users_page", "printers_page", "bridges_page", "logs_page" };

/* Replaces the number field name of every item of list by the time in words. */
static void times_in_words(cJSON *list, const char *name)
{
	cJSON *item;

	cJSON_ArrayForEach(item, list) {
		cJSON *t = cJSON_GetObjectItemCaseSensitive(item, name);
		char when[WEB_TIME_SIZE];

		if (cJSON_IsNumber(t))
			cJSON_ReplaceItemInObjectCaseSensitive(item, name,
							       cJSON_CreateString(web_time((int64_t)t->valuedouble, when)));
	}
}

/* The page of a list asked for (1 when none), at most pages. */
static int64_t page_asked(struct ctx *ctx, const char *param, int64_t pages)
{
	int64_t page = ctx->req.method == METHOD_GET ? input_int(ctx, param) : 0;

	if (page < 1)
		page = 1;
	return page > pages ? (pages > 0 ? pages : 1) : page;
}

/* The link to the admin page with the pages of the other lists kept and param at page, at #anchor. */
static char *page_link(struct ctx *ctx, const char *param, int64_t page, const char *anchor)
{
	GString *url = g_string_new("/admin?");
	const char *bridge = ctx->req.method == METHOD_GET ? input_text(ctx, "bridge") : NULL;
	size_t i;

	if (bridge)
		g_string_append_printf(url, "bridge=%s&", bridge);
	for (i = 0; i < G_N_ELEMENTS(page_params); i++) {
		int64_t n = strcmp(page_params[i], param) == 0 ? page
			    : ctx->req.method == METHOD_GET ? input_int(ctx, page_params[i]) : 0;

		if (n > 1)
			g_string_append_printf(url, "%s=%" G_GINT64_FORMAT "&", page_params[i], n);
	}
	g_string_truncate(url, url->len - 1);
	g_string_append_printf(url, "#%s", anchor);
	return g_string_free(url, FALSE);
}

/*
 * Adds to data, as name, a pager of a list of total rows shown
 * ADMIN_PAGE_ROWS at a time: {"page", "pages", "total", "first", "last",
 * "prev", "next"} (links only where there is such a page). Returns the
 * offset of the first row of the page asked for.
 */
static int64_t add_pager(struct ctx *ctx, cJSON *data, const char *name, const char *param, const char *anchor,
			 int64_t total)
{
	int64_t pages = (total + ADMIN_PAGE_ROWS - 1) / ADMIN_PAGE_ROWS, page = page_asked(ctx, param, pages);
	cJSON *pager = cJSON_AddObjectToObject(data, name);
	char *link;

	cJSON_AddNumberToObject(pager, "page", (double)page);
	cJSON_AddNumberToObject(pager, "pages", (double)(pages > 0 ? pages : 1));
	cJSON_AddNumberToObject(pager, "total", (double)total);
	cJSON_AddNumberToObject(pager, "first", (double)(total ? (page - 1) * ADMIN_PAGE_ROWS + 1 : 0));
	cJSON_AddNumberToObject(pager, "last", (double)MIN(page * ADMIN_PAGE_ROWS, total));
	cJSON_AddBoolToObject(pager, "several", pages > 1);
	if (page > 1) {
		link = page_link(ctx, param, page - 1, anchor);
		cJSON_AddStringToObject(pager, "prev", link);
		g_free(link);
	}
	if (page < pages) {
		link = page_link(ctx, param, page + 1, anchor);
		cJSON_AddStringToObject(pager, "next", link);
		g_free(link);
	}
	return (page - 1) * ADMIN_PAGE_ROWS;
}

/* Orders bridges: online first, then by address. */
static gint bridge_order(gconstpointer a, gconstpointer b)
{
	const cJSON *x = *(const cJSON *const *)a, *y = *(const cJSON *const *)b;
	int ox = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(x, "online"));
	int oy = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(y, "online"));
	const char *ax = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(x, "address"));
	const char *ay = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(y, "address"));

	if (ox != oy)
		return oy - ox;
	return g_strcmp0(ax, ay);
}

/*
 * Adds the page of bridges asked for (what the relay knows, however many:
 * only ADMIN_PAGE_ROWS are shown) as "bridges", its pager and the number
 * online. Takes bridges (the relay's array).
 */
static void add_bridges(struct ctx *ctx, cJSON *data, cJSON *bridges)
{
	GPtrArray *all = g_ptr_array_new();
	cJSON *page = cJSON_AddArrayToObject(data, "bridges"), *b;
	int64_t offset, online = 0;
	guint i;

	cJSON_ArrayForEach(b, bridges) {
		g_ptr_array_add(all, b);
		online += cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(b, "online"));
	}
	g_ptr_array_sort(all, bridge_order);
	offset = add_pager(ctx, data, "bridges_pager", "bridges_page", "bridges", all->len);
	for (i = (guint)offset; i < all->len && i < (guint)offset + ADMIN_PAGE_ROWS; i++) {
		cJSON *item = cJSON_CreateObject(), *field;
		static const char *const fields[] = { "address", "online", "connected_at", "disconnected_at", "model",
						      "firmware_version", "local_ip_address", "queued" };
		size_t f;

		for (f = 0; f < G_N_ELEMENTS(fields); f++) {
			field = cJSON_GetObjectItemCaseSensitive(g_ptr_array_index(all, i), fields[f]);
			if (field)
				cJSON_AddItemToObject(item, fields[f], cJSON_Duplicate(field, 1));
		}
		cJSON_AddNumberToObject(item, "printers",
					cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(g_ptr_array_index(all, i),
											    "devices")));
		cJSON_AddItemToArray(page, item);
	}
	times_in_words(page, "connected_at");
	times_in_words(page, "disconnected_at");
	cJSON_AddNumberToObject(data, "bridges_online", (double)online);
	cJSON_AddBoolToObject(data, "has_bridges", all->len > 0);
	g_ptr_array_free(all, TRUE);
}

/*
 * Adds the page of printers asked for (from the database: names, owners,
 * when last seen) as "printers" with its pager, and whether each is online
 * (one status question for the page). Returns 0, or -1 with a reason in err.
 */
static int add_printers(struct ctx *ctx, cJSON *data, struct sirius_error *err)
{
	struct db_printer_summary *printers = NULL;
	int64_t total = db_printer_count(ctx->db, err), offset;
	size_t n = 0, i;
	cJSON *list, *lists[1];

	if (total < 0)
		return -1;
	offset = add_pager(ctx, data, "printers_pager", "printers_page", "printers", total);
	if (db_printers_list(ctx->db, offset, ADMIN_PAGE_ROWS, &printers, &n, err) < 0)
		return -1;
	list = cJSON_AddArrayToObject(data, "printers");
	for (i = 0; i < n; i++) {
		const struct db_printer *p = &printers[i].printer;
		cJSON *item = cJSON_CreateObject();
		char when[WEB_TIME_SIZE];

		cJSON_AddNumberToObject(item, "id", (double)p->id);
		cJSON_AddStringToObject(item, "address", p->address);
		cJSON_AddStringToObject(item, "name", p->name);
		cJSON_AddStringToObject(item, "owner", printers[i].owner);
		cJSON_AddStringToObject(item, "seen", web_time(p->last_seen, when));
		cJSON_AddItemToArray(list, item);
	}
	db_free(printers);
	lists[0] = list;
	web_printer_status(ctx, lists, 1);
	cJSON_AddBoolToObject(data, "has_printers", n > 0);
	return 0;
}

/* Adds the page of accounts asked for as "users" with its pager. Returns 0, or -1 with a reason in err. */
static int add_users(struct ctx *ctx, cJSON *data, struct sirius_error *err)
{
	struct db_user_summary *users = NULL;
	int64_t total = db_user_count(ctx->db, err), offset;
	size_t n = 0, i;
	cJSON *list;

	if (total < 0)
		return -1;
	offset = add_pager(ctx, data, "users_pager", "users_page", "users", total);
	if (db_users_list(ctx->db, offset, ADMIN_PAGE_ROWS, &users, &n, err) < 0)
		return -1;
	list = cJSON_AddArrayToObject(data, "users");
	for (i = 0; i < n; i++) {
		const struct db_user *u = &users[i].user;
		cJSON *item = cJSON_CreateObject();
		char when[WEB_TIME_SIZE];

		cJSON_AddNumberToObject(item, "id", (double)u->id);
		cJSON_AddStringToObject(item, "name", u->name);
		cJSON_AddBoolToObject(item, "is_admin", u->is_admin);
		cJSON_AddBoolToObject(item, "disabled", u->disabled);
		cJSON_AddBoolToObject(item, "is_me", u->id == ctx->session.user.id);
		cJSON_AddStringToObject(item, "created", web_time(u->created, when));
		cJSON_AddNumberToObject(item, "printers", (double)users[i].printers);
		cJSON_AddItemToArray(list, item);
	}
	db_free(users);
	return 0;
}

/* Adds the page asked for of the log records of bridge (newest page last, as the relay keeps them oldest first). */
static void add_logs(struct ctx *ctx, cJSON *data, const char *bridge)
{
	struct sirius_error err = { "" };
	cJSON *records = web_relay_ask(ctx, "logs", bridge, "records", RELAY_CLIENT_LIST_TIMEOUT_MS, &err), *page, *r;
	int64_t offset, i = 0;

	cJSON_AddStringToObject(data, "log_bridge", bridge);
	if (!records) {
		cJSON_AddStringToObject(data, "log_error", err.message);
		return;
	}
	offset = add_pager(ctx, data, "logs_pager", "logs_page", "logs", cJSON_GetArraySize(records));
	page = cJSON_AddArrayToObject(data, "records");
	cJSON_ArrayForEach(r, records) {
		if (i >= offset && i < offset + ADMIN_PAGE_ROWS)
			cJSON_AddItemToArray(page, cJSON_Duplicate(r, 1));
		i++;
	}
	cJSON_Delete(records);
	times_in_words(page, "received");
}

/*
 * The admin page with status, an error and a notice (either may be NULL):
 * accounts, printers (from the database, with owners), what the relay
 * knows of bridges (or that it cannot be reached right now), its counters
 * in words, a bridge's logs, and the personality form. Every list shows one
 * page of ADMIN_PAGE_ROWS rows, so the page stays small however many
 * bridges or printers there are. Returns 0 after replying.
 */
static int admin_page(struct ctx *ctx, int status, const char *error, const char *notice)
{
	const char *bridge = ctx->req.method == METHOD_GET ? input_text(ctx, "bridge") : NULL;
	struct sirius_error err = { "" };
	cJSON *data = cJSON_CreateObject(), *bridges, *counters;

	if (add_users(ctx, data, &err) < 0 || add_printers(ctx, data, &err) < 0) {
		cJSON_Delete(data);
		return reply_server_error(ctx, "reading the accounts and printers", &err);
	}
	/* the counters first, quickly: a relay that is stopped or stuck costs the page no more than that */
	counters = web_relay_ask(ctx, "counters", NULL, "counters", RELAY_CLIENT_STATUS_TIMEOUT_MS, &err);
	bridges = counters ? web_relay_ask(ctx, "bridges", NULL, "bridges", RELAY_CLIENT_LIST_TIMEOUT_MS, &err) : NULL;
	if (!bridges) {
		cgi_log("the relay for /admin: %s", err.message);
		cJSON_AddBoolToObject(data, "relay_down", 1);
	} else {
		add_bridges(ctx, data, bridges);
		cJSON_AddItemToObject(data, "counter_groups", admin_counters_grouped(counters));
		if (bridge)
			add_logs(ctx, data, bridge);
	}
	cJSON_Delete(bridges);
	cJSON_Delete(counters);
	cJSON_AddBoolToObject(data, "wide", 1);
	if (error)
		cJSON_AddStringToObject(data, "error", error);
	if (notice)
		cJSON_AddStringToObject(data, "notice", notice);
	return reply_page(ctx, status, "admin", "Administration", data);
}

/*
 * Decodes an uploaded image, scales it to the printer's width and dithers it.
 * Returns the bitmap, or NULL with a sentence for the person in why.
 */
static struct bitmap *upload_bitmap(const struct form_field *file, const char *label, char why[REQUEST_WHY_MAX])
{
	struct greymap *grey = NULL, *scaled;
	struct bitmap *bm;
	struct sirius_error err;

	if (image_decode_for_width((const uint8_t *)file->value, file->len, 0, PRINTER_WIDTH, &grey, &err) !=
	    IMAGE_OK) {
		snprintf(why, REQUEST_WHY_MAX, "The %s image cannot be read: %.160s.", label, err.message);
		return NULL;
	}
	scaled = greymap_fit_width(grey, PRINTER_WIDTH, PRINTER_MAX_ROWS);
	greymap_free(grey);
	bm = scaled ? dither_floyd_steinberg(scaled) : NULL;
	greymap_free(scaled);
	if (!bm)
		snprintf(why, REQUEST_WHY_MAX, "The %s image is too large to scale.", label);
	return bm;
}

/* Sends the four uploaded images to the chosen printer with set_personality (see page_admin for statuses). */
static int send_personality(struct ctx *ctx)
{
	struct bitmap *images[G_N_ELEMENTS(personality_fields)] = { NULL };
	struct print_job_result result;
	struct db_printer printer;
	struct sirius_error err;
	char why[REQUEST_WHY_MAX];
	size_t i;
	int rc;

	if (ctx->input_error[0])
		return admin_page(ctx, 400, ctx->input_error, NULL);
	rc = db_printer_by_address(ctx->db, input_text(ctx, "printer"), &printer, &err);
	if (rc < 0)
		return reply_server_error(ctx, "looking a printer up", &err);
	if (rc == 0)
		return admin_page(ctx, 404, "No printer with that address has ever called home.", NULL);
	for (i = 0; i < G_N_ELEMENTS(personality_fields); i++) {
		images[i] = upload_bitmap(input_file(ctx, personality_fields[i]), personality_fields[i], why);
		if (!images[i]) {
			while (i > 0)
				bitmap_free(images[--i]);
			return admin_page(ctx, 422, why, NULL);
		}
	}
	rc = print_job_send(ctx->db, ctx->app->relay_socket, printer.id, PRINTER_SET_PERSONALITY,
			    (const struct bitmap *const *)images, G_N_ELEMENTS(images), ctx->session.user.name, ctx->now,
			    &result, &err);
	for (i = 0; i < G_N_ELEMENTS(images); i++)
		bitmap_free(images[i]);
	if (rc < 0 && result.message_id == 0)
		return reply_server_error(ctx, "sending a personality", &err);
	if (rc < 0) {
		cgi_log("a personality for %s: %s", printer.address, err.message);
		return admin_page(ctx, 503, "The printer cannot be reached right now; the personality was not sent.",
				  NULL);
	}
	if (result.outcome == PRINT_JOB_OFFLINE)
		return admin_page(ctx, 409, "The printer is offline; the personality was not sent.", NULL);
	return admin_page(ctx, 200, NULL, "The personality was sent to the printer.");
}

/*
 * GET /admin: accounts, printers, the relay's bridges and counters, and
 * with ?bridge=ADDRESS that bridge's last log records, each list a page of
 * ADMIN_PAGE_ROWS chosen by ?users_page=N, printers_page, bridges_page and
 * logs_page (200; the page says when the relay cannot be reached). POST /admin/personality: sends four uploaded
 * images (each scaled and dithered to the printer's width) to the printer
 * with set_personality: 200 sent; 400 bad input, 404 no such printer, 422 an
 * image that cannot be read, 409 offline, 503 relay down, all on the page;
 * 500 on a database error. Others get 403 before this runs.
 */
int page_admin(struct ctx *ctx)
{
	if (ctx->req.method == METHOD_POST)
		return send_personality(ctx);
	return admin_page(ctx, 200, NULL, NULL);
}
