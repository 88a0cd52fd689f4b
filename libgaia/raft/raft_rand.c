/* The injected randomness: the caller's generator, or splitmix64 from the
 * seed it gave. Only election timeouts draw from it. */
#include "raft/raft_impl.h"

uint64_t raft_rand(struct raft *r)
{
	uint64_t z;
	if (r->o.rand != NULL)
		return r->o.rand(r->o.rand_ud);
	z = (r->rng += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

void raft_reset_randomized_timeout(struct raft *r)
{
	uint32_t t = r->o.election_ticks;
	r->randomized_timeout = t + (uint32_t)(raft_rand(r) % t);
}
