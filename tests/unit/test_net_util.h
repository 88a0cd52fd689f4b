/* test_net_util.h - what the net tests share: deterministic Raft messages of every type, and comparing them. */
#ifndef GAIA_TEST_NET_UTIL_H
#define GAIA_TEST_NET_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "raft/raft.h"

uint64_t tnu_mix(uint64_t x);

/* A message of type 1 + seq % 11 whose every field (payloads too) follows
 * from (from, to, cluster, seq); payloads stay under max_payload bytes,
 * except that big = true allows one of about a megabyte. term = seq + 1. */
void tnu_gen_msg(struct raft_message *m, raft_id from, raft_id to,
		 uint64_t cluster, uint64_t seq, size_t max_payload);

/* Equal in every field the codec carries; NULL and empty payloads match. */
bool tnu_msg_equal(const struct raft_message *a, const struct raft_message *b);

#endif
