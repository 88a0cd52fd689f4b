/* JSON shapes of the node's reports (DESIGN.md section 7 field names). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/api_internal.h"

void api_rfc3339(int64_t unix_ms, char *out, size_t size)
{
	time_t t = (time_t)(unix_ms / 1000);
	struct tm tm;

	if (!gmtime_r(&t, &tm) || strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, size, "1970-01-01T00:00:00Z");
}

static int64_t api_unix_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A JSON string of bytes that may not be UTF-8: invalid bytes become
 * U+FFFD, so that a key never breaks a listing. */
json_t *api_json_bytes(const char *s, size_t len)
{
	json_t *j = json_stringn(s, len);
	char *tmp, *o;
	size_t i;

	if (j)
		return j;
	tmp = malloc(len * 3 + 1);
	if (!tmp)
		return NULL;
	o = tmp;
	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch >= 0x20 && ch < 0x7f) {
			*o++ = (char)ch;
		} else if (ch == 0 || ch >= 0x80) {
			*o++ = (char)0xef;
			*o++ = (char)0xbf;
			*o++ = (char)0xbd;
		} else {
			*o++ = (char)ch;
		}
	}
	j = json_stringn(tmp, (size_t)(o - tmp));
	free(tmp);
	return j;
}

static json_t *api_json_str_or_null(const char *s)
{
	return s && s[0] ? json_string(s) : json_null();
}

static const char *api_state(const struct node_peer_info *p)
{
	return p->state && p->state[0] ? p->state : "unknown";
}

json_t *api_json_node(const struct node_peer_info *p)
{
	return json_pack("{s:s, s:s, s:b, s:b, s:b, s:s, s:o}", "id", p->name, "state", api_state(p),
			 "is_leader", p->is_leader, "voter", p->voter, "is_self", p->is_self,
			 "address", p->raft_addr, "api_address", api_json_str_or_null(p->api_addr));
}

json_t *api_json_nodes(const struct node_status *s)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a && i < s->n_peers && i < RAFT_MAX_SERVERS; i++)
		if (json_array_append_new(a, api_json_node(&s->peers[i])) != 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

json_t *api_json_status(const struct node_status *s)
{
	char cid[24];

	snprintf(cid, sizeof cid, "%016llx", (unsigned long long)s->cluster_id);
	return json_pack("{s:o, s:o, s:o, s:I, s:I, s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:I}",
			 "nodes", api_json_nodes(s),
			 "leader_id", s->has_leader ? api_json_str_or_null(s->leader_id) : json_null(),
			 "leader_address",
			 s->has_leader ? api_json_str_or_null(s->leader_api_addr) : json_null(),
			 "term", (json_int_t)s->term,
			 "peer_count", (json_int_t)(s->n_peers < RAFT_MAX_SERVERS ? s->n_peers : RAFT_MAX_SERVERS),
			 "node_id", s->node_id,
			 "cluster_id", cid,
			 "role", s->role ? s->role : "follower",
			 "node_state", s->node_state ? s->node_state : "running",
			 "commit_index", (json_int_t)s->commit_index,
			 "applied_index", (json_int_t)s->applied_index,
			 "first_index", (json_int_t)s->first_index,
			 "last_index", (json_int_t)s->last_index);
}

json_t *api_json_peer(const struct node_peer_info *p)
{
	char ts[40];
	json_t *hb = json_null(), *ago = json_null();
	int64_t now;

	if (p->last_heartbeat_ms > 0) {
		api_rfc3339(p->last_heartbeat_ms, ts, sizeof ts);
		json_decref(hb);
		json_decref(ago);
		hb = json_string(ts);
		now = api_unix_ms();
		ago = json_integer(now > p->last_heartbeat_ms ? now - p->last_heartbeat_ms : 0);
	}
	return json_pack("{s:s, s:s, s:o, s:s, s:b, s:b, s:b, s:I, s:I, s:o, s:o, s:I}",
			 "id", p->name,
			 "address", p->raft_addr,
			 "api_address", api_json_str_or_null(p->api_addr),
			 "state", api_state(p),
			 "is_leader", p->is_leader,
			 "voter", p->voter,
			 "is_self", p->is_self,
			 "match_index", (json_int_t)p->match_index,
			 "next_index", (json_int_t)p->next_index,
			 "last_heartbeat", hb,
			 "last_contact_ms", ago,
			 "lag", (json_int_t)p->lag);
}

json_t *api_json_peers(const struct node_status *s)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a && i < s->n_peers && i < RAFT_MAX_SERVERS; i++)
		if (json_array_append_new(a, api_json_peer(&s->peers[i])) != 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

/* Quorum figures of a membership change (a dry run's answer). */
json_t *api_json_dry_run(uint32_t before, uint32_t after)
{
	uint32_t qb = before ? before / 2 + 1 : 0, qa = after ? after / 2 + 1 : 0;

	return json_pack("{s:b, s:I, s:I, s:I, s:I, s:I, s:I}", "dry_run", 1,
			 "voters_before", (json_int_t)before, "voters_after", (json_int_t)after,
			 "quorum_before", (json_int_t)qb, "quorum_after", (json_int_t)qa,
			 "failure_tolerance_before", (json_int_t)(before - qb),
			 "failure_tolerance_after", (json_int_t)(after - qa));
}
