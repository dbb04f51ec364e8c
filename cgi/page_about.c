/* page_about.c: GET /about, what this server is. */
#include "config.h"

#include "page.h"

/* The about page: 200. */
int page_about(struct ctx *ctx)
{
	cJSON *data = cJSON_CreateObject();

	cJSON_AddStringToObject(data, "version", PACKAGE_VERSION);
	return reply_page(ctx, 200, "about", "About", data);
}
