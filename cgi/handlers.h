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

#endif
