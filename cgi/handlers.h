/* handlers.h: the handler of every page and endpoint, one per file of cgi/, as the route table names them. */
#ifndef SIRIUS_CGI_HANDLERS_H
#define SIRIUS_CGI_HANDLERS_H

struct ctx;

int page_home(struct ctx *ctx);     /* page_home.c: GET / */
int page_signup(struct ctx *ctx);   /* page_signup.c: GET, POST /signup */
int page_login(struct ctx *ctx);    /* page_login.c: GET, POST /login */
int page_logout(struct ctx *ctx);   /* page_logout.c: POST /logout */
int page_apikey(struct ctx *ctx);   /* page_apikey.c: POST /apikey */
int page_about(struct ctx *ctx);    /* page_about.c: GET /about */

/* web */
int page_claim(struct ctx *ctx);          /* page_claim.c: GET, POST /claim */
int page_friends(struct ctx *ctx);        /* page_friends.c: GET, POST /friends */
int page_printer(struct ctx *ctx);        /* page_printer.c: GET /printer/ID, POST /printer/ID/rename */
int page_print(struct ctx *ctx);          /* page_print.c: GET, POST /printer/ID/print */
int page_preview(struct ctx *ctx);        /* page_preview.c: POST /printer/ID/preview */
int page_key_add(struct ctx *ctx);        /* page_key_add.c: POST /printer/ID/printkey/add */
int page_key_delete(struct ctx *ctx);     /* page_key_delete.c: GET, POST /printer/ID/printkey/KID/delete */
int page_message_image(struct ctx *ctx);  /* page_message_image.c: GET /printer/ID/message/MID/bitmap.png */
int page_reprint(struct ctx *ctx);        /* page_reprint.c: POST /printer/ID/message/MID/reprint */
int page_cancel(struct ctx *ctx);         /* page_cancel.c: POST /printer/ID/message/MID/cancel */
int page_bridge_move(struct ctx *ctx);    /* page_bridge_move.c: POST /printer/ID/bridge */
int page_forget(struct ctx *ctx);         /* page_forget.c: GET, POST /printer/ID/forget */
int page_personality(struct ctx *ctx);    /* page_personality.c: POST /printer/ID/personality */
int page_quips(struct ctx *ctx);          /* page_quips.c: POST /printer/ID/quips */
int page_button(struct ctx *ctx);         /* page_button.c: POST /printer/ID/message/MID/button */
int page_admin(struct ctx *ctx);          /* page_admin.c: GET /admin, POST /admin/personality */
int page_admin_user(struct ctx *ctx);     /* page_admin_users.c: POST /admin/user/ID */
int page_stats(struct ctx *ctx);          /* page_stats.c: GET /_/stats */
int page_metrics(struct ctx *ctx);        /* page_metrics.c: GET /metrics */
int page_subscribe(struct ctx *ctx);      /* page_subscribe.c: GET /printer/ID/subscriptions/new, POST /printer/ID/subscriptions */
int page_subscription(struct ctx *ctx);   /* page_subscription.c: POST /printer/ID/subscriptions/SID/ACTION */
int page_timezone(struct ctx *ctx);       /* page_subscription.c: POST /printer/ID/timezone */
int page_publications(struct ctx *ctx);   /* page_publications.c: /publications/NAME/... (built-in publications) */
int api_publish(struct ctx *ctx);         /* api_publish.c: POST /api/v1/subscriptions/ID/publish (push) */

/* api */
int api_printkey_get(struct ctx *ctx);      /* api_printkey.c: GET /printkey/KEY (JSON or the key's page) */
int api_printkey_post(struct ctx *ctx);     /* api_printkey.c: POST /printkey/KEY (print) */
int api_printkey_options(struct ctx *ctx);  /* api_printkey.c: OPTIONS /printkey/KEY (CORS preflight) */
int api_printkey_message(struct ctx *ctx);  /* api_printkey.c: GET /printkey/KEY/messages/ID (a print's state) */
int api_ext_print_html(struct ctx *ctx);    /* api_ext_print.c: POST /ext_api/v1/printer/ID/print_html */

#endif
