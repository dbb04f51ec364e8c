/* import_pickle.h: the screen names in the original sirius server's pickled Twitter friend lists. */
#ifndef SIRIUS_IMPORT_PICKLE_H
#define SIRIUS_IMPORT_PICKLE_H

#include <stddef.h>
#include <stdint.h>

#include <glib.h>

#include "error.h"

/*
 * The original kept each user's Twitter friends in twitter_o_auth.friends, a
 * SQLAlchemy PickleType: a Python pickle of a list of
 * sirius.models.user.Friend(screen_name, name, profile_image_url)
 * namedtuples (protocol 4 under Python 3, protocol 2 under Python 2).
 *
 * This reads such a pickle without running anything: it understands the
 * opcodes that plain lists, tuples, strings, numbers, None, class
 * references and object construction use (protocols 2 to 5), builds
 * nothing but those values, and takes from the result the first field of
 * each Friend (or plain tuple). A pickle of None gives no names.
 *
 * Returns 0 and sets *names to a GPtrArray of g_strdup'd screen names in the
 * list's order (free with g_ptr_array_free(*names, TRUE)), or -1 with a
 * reason in err: an opcode outside that set, a truncated or malformed
 * pickle, or a value that is not such a list.
 */
int import_pickle_friends(const uint8_t *data, size_t len, GPtrArray **names, struct sirius_error *err);

#endif
