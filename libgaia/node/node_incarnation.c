/* Incarnations: a node removed and added again under the same name is a
 * new incarnation with its own Raft id, so that nothing addressed to (or
 * sent by) the earlier one is taken for the new one. These are the two
 * decisions that keep them apart: whom the transport lets in, and which
 * id a join may add. */
#include <stdio.h>

#include "node/node_internal.h"

int node_hello_verdict(struct node_book *b, const struct raft_conf *c, bool id_removed,
		       const struct net_hello *h, char *reason, size_t len)
{
	struct node_member *named = book_member_named(b, c, h->name);
	struct node_member *known = book_get(b, h->id);

	if (id_removed) {
		if (named != NULL)
			snprintf(reason, len,
				 NODE_REMOVED_PREFIX "node '%s' (incarnation %016llx) was removed and "
				 "replaced by incarnation %016llx; wipe its data to rejoin",
				 h->name, (unsigned long long)h->id, (unsigned long long)named->id);
		else
			snprintf(reason, len,
				 NODE_REMOVED_PREFIX "node '%s' (incarnation %016llx) was removed from "
				 "this cluster; to re-add it, wipe its data (POST /api/cluster/rejoin "
				 "{\"reset\": true} on it), then add it again",
				 h->name, (unsigned long long)h->id);
		return NODE_HELLO_REMOVED;
	}
	if (named != NULL && named->id != h->id) {
		snprintf(reason, len,
			 "node '%s' (incarnation %016llx) is not the member of that name, "
			 "incarnation %016llx: remove that one first, or wipe this one's data "
			 "if it is an old copy",
			 h->name, (unsigned long long)h->id, (unsigned long long)named->id);
		return NODE_HELLO_MISMATCH;
	}
	if (known != NULL && known->name[0] && raft_conf_get(c, h->id) != NULL &&
	    strcmp(known->name, h->name) != 0) {
		snprintf(reason, len, "node id %016llx belongs to member '%s', not '%s'",
			 (unsigned long long)h->id, known->name, h->name);
		return NODE_HELLO_MISMATCH;
	}
	return NODE_HELLO_OK;
}

int node_join_verdict(struct node_book *b, const struct raft_conf *c, const char *name,
		      raft_id id, char *errmsg)
{
	struct node_member *named = book_member_named(b, c, name);
	struct node_member *known = book_get(b, id);

	if (named != NULL && named->id == id)
		return errmsg_set(errmsg, GAIA_EEXIST, "node '%s' is already a member", name);
	if (named != NULL)
		return errmsg_set(errmsg, GAIA_EBUSY,
				  "node '%s' is already a member as incarnation %016llx, not the "
				  "%016llx asking now: remove it first",
				  name, (unsigned long long)named->id, (unsigned long long)id);
	if (raft_conf_is_removed(c, id))
		return errmsg_set(errmsg, GAIA_EREMOVED,
				  "node '%s' answers as incarnation %016llx, which was removed from "
				  "this cluster: POST /api/cluster/rejoin {\"reset\": true} on it "
				  "(gaiactl rejoin --reset) wipes it and joins it again as a new "
				  "incarnation",
				  name, (unsigned long long)id);
	if (raft_conf_get(c, id) != NULL)
		return errmsg_set(errmsg, GAIA_EINVAL, "node id %016llx belongs to member '%s'",
				  (unsigned long long)id, known && known->name[0] ? known->name : "?");
	return GAIA_OK;
}
