/*
 * tokens_int.h - shared between the files of tokens/, not exported.
 */
#ifndef CTLSIGN_TOKENS_INT_H
#define CTLSIGN_TOKENS_INT_H

#include "p11.h"

/*
 * tokens_pick_module chooses the module: module (--module) if given,
 * else the URIs' module-path= (which must agree), else NULL for
 * p11_default_module. *out borrows from its inputs.
 */
int tokens_pick_module(struct ctl_err *err, const char **out,
		       const char *module, const struct p11_uri *uris,
		       size_t n);

#endif
