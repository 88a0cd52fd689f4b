/* Reference-counted payload buffers shared by the log, messages and Ready. */
#include <stdlib.h>

#include "raft/raft_impl.h"

struct raft_buf *raft_buf_new(const void *data, size_t len)
{
	struct raft_buf *b;
	if (len > UINT32_MAX)
		return NULL;
	b = malloc(sizeof *b + len);
	if (b == NULL)
		return NULL;
	b->refs = 1;
	b->len = (uint32_t)len;
	if (len > 0 && data != NULL)
		memcpy(b->data, data, len);
	return b;
}

struct raft_buf *raft_buf_ref(struct raft_buf *b)
{
	if (b != NULL)
		b->refs++;
	return b;
}

void raft_buf_unref(struct raft_buf *b)
{
	if (b != NULL && --b->refs == 0)
		free(b);
}
