/* Commands as bytes: validation against the limits, a compact encoding, and a decoder that trusts no length. */
#include <inttypes.h>
#include <string.h>

#include "kv/kv.h"
#include "util/errmsg.h"

#define KV_CAS_FLAG 0x80u
#define KV_VARINT_MAX 10

static size_t varint_size(uint64_t v)
{
	size_t n = 1;
	while (v >= 0x80) {
		v >>= 7;
		n++;
	}
	return n;
}

static size_t put_varint(uint8_t *p, uint64_t v)
{
	size_t n = 0;
	while (v >= 0x80) {
		p[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	p[n++] = (uint8_t)v;
	return n;
}

/* Minimal LEB128 only, so that every command has exactly one encoding. */
static int get_varint(const uint8_t *buf, size_t len, size_t *pos, uint64_t *v, const char *what,
		      char *errmsg)
{
	uint64_t x = 0;
	size_t start = *pos;

	for (size_t i = 0; i < KV_VARINT_MAX; i++) {
		uint8_t b;
		if (*pos >= len)
			return errmsg_set(errmsg, GAIA_EINVAL,
					  "command truncated in the %s at offset %zu", what, *pos);
		b = buf[(*pos)++];
		if (i == KV_VARINT_MAX - 1 && b > 1)
			break;
		x |= (uint64_t)(b & 0x7f) << (7 * i);
		if ((b & 0x80) == 0) {
			if (b == 0 && i > 0)
				return errmsg_set(errmsg, GAIA_EINVAL,
						  "non-minimal %s at offset %zu", what, start);
			*v = x;
			return GAIA_OK;
		}
	}
	return errmsg_set(errmsg, GAIA_EINVAL, "%s at offset %zu overflows 64 bits", what, start);
}

int kv_cmd_check(const struct kv_cmd *cmd, const struct kv_limits *lim,
		 char errmsg[GAIA_ERRMSG_SIZE])
{
	if (cmd->op != KV_OP_PUT && cmd->op != KV_OP_DELETE)
		return errmsg_set(errmsg, GAIA_EINVAL, "unknown command op %d", (int)cmd->op);
	if (cmd->key_len == 0)
		return errmsg_set(errmsg, GAIA_EINVAL, "empty key");
	if (cmd->key_len > lim->max_key)
		return errmsg_set(errmsg, GAIA_ETOOBIG, "key of %zu bytes, the limit is %zu",
				  cmd->key_len, lim->max_key);
	if (cmd->op == KV_OP_PUT && cmd->value_len > lim->max_value)
		return errmsg_set(errmsg, GAIA_ETOOBIG, "value of %zu bytes, the limit is %zu",
				  cmd->value_len, lim->max_value);
	if (cmd->key == NULL || (cmd->op == KV_OP_PUT && cmd->value_len > 0 && cmd->value == NULL))
		return errmsg_set(errmsg, GAIA_EINVAL, "command without its bytes");
	return GAIA_OK;
}

size_t kv_cmd_encoded_size(const struct kv_cmd *cmd)
{
	size_t n = 1 + varint_size(cmd->key_len) + cmd->key_len;
	if (cmd->has_cas)
		n += varint_size(cmd->cas);
	if (cmd->op == KV_OP_PUT)
		n += varint_size(cmd->value_len) + cmd->value_len;
	return n;
}

int kv_cmd_encode(const struct kv_cmd *cmd, const struct kv_limits *lim, uint8_t *buf,
		  size_t cap, size_t *out_len, char errmsg[GAIA_ERRMSG_SIZE])
{
	const struct kv_limits def = KV_LIMITS_DEFAULT;
	size_t need, n = 0;
	int rc;

	if ((rc = kv_cmd_check(cmd, lim != NULL ? lim : &def, errmsg)) != GAIA_OK)
		return rc;
	need = kv_cmd_encoded_size(cmd);
	if (need > cap)
		return errmsg_set(errmsg, GAIA_ETOOBIG, "command needs %zu bytes, the buffer has %zu",
				  need, cap);
	buf[n++] = (uint8_t)((unsigned)cmd->op | (cmd->has_cas ? KV_CAS_FLAG : 0));
	if (cmd->has_cas)
		n += put_varint(buf + n, cmd->cas);
	n += put_varint(buf + n, cmd->key_len);
	memcpy(buf + n, cmd->key, cmd->key_len);
	n += cmd->key_len;
	if (cmd->op == KV_OP_PUT) {
		n += put_varint(buf + n, cmd->value_len);
		if (cmd->value_len > 0)
			memcpy(buf + n, cmd->value, cmd->value_len);
		n += cmd->value_len;
	}
	*out_len = n;
	return GAIA_OK;
}

/* A length, then that many bytes, all within the buffer. */
static int get_bytes(const uint8_t *buf, size_t len, size_t *pos, const uint8_t **p, size_t *n,
		     const char *what, char *errmsg)
{
	size_t at = *pos;
	uint64_t v;
	int rc;

	if ((rc = get_varint(buf, len, pos, &v, what, errmsg)) != GAIA_OK)
		return rc;
	if (v > len - *pos)
		return errmsg_set(errmsg, GAIA_EINVAL,
				  "%s %" PRIu64 " at offset %zu exceeds the %zu bytes left", what, v,
				  at, len - *pos);
	*p = buf + *pos;
	*n = (size_t)v;
	*pos += (size_t)v;
	return GAIA_OK;
}

int kv_cmd_decode(const uint8_t *buf, size_t len, struct kv_cmd *cmd,
		  char errmsg[GAIA_ERRMSG_SIZE])
{
	size_t pos = 1;
	unsigned op;
	int rc;

	memset(cmd, 0, sizeof *cmd);
	if (buf == NULL || len == 0)
		return errmsg_set(errmsg, GAIA_EINVAL, "empty command");
	op = buf[0] & ~KV_CAS_FLAG;
	if (op != KV_OP_PUT && op != KV_OP_DELETE)
		return errmsg_set(errmsg, GAIA_EINVAL, "unknown command op 0x%02x at offset 0",
				  buf[0]);
	cmd->op = (enum kv_op)op;
	cmd->has_cas = (buf[0] & KV_CAS_FLAG) != 0;
	if (cmd->has_cas && (rc = get_varint(buf, len, &pos, &cmd->cas, "cas", errmsg)) != GAIA_OK)
		return rc;
	if ((rc = get_bytes(buf, len, &pos, &cmd->key, &cmd->key_len, "key length", errmsg)) !=
	    GAIA_OK)
		return rc;
	if (cmd->op == KV_OP_PUT &&
	    (rc = get_bytes(buf, len, &pos, &cmd->value, &cmd->value_len, "value length",
			    errmsg)) != GAIA_OK)
		return rc;
	if (pos != len)
		return errmsg_set(errmsg, GAIA_EINVAL, "%zu unexpected bytes at offset %zu",
				  len - pos, pos);
	return GAIA_OK;
}
