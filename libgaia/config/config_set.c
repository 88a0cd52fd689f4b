/* Storing one setting's value from text, with the reason when it is bad. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "config/config_internal.h"
#include "util/errmsg.h"

#define DURATION_FORMS "(use 150ms, 5s, 2m, 1h or 7d)"
#define SIZE_FORMS "(use 123, 512KB, 10MiB or 1GB; 1KB = 1KiB = 1024 bytes)"

static int bad(char *why, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int bad(char *why, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, size, fmt, ap);
	va_end(ap);
	return GAIA_EINVAL;
}

static uint64_t max_of(const struct config_setting *s)
{
	if (s->max != 0)
		return s->max;
	return s->size == sizeof(uint32_t) ? UINT32_MAX : UINT64_MAX;
}

static void put_number(char *field, const struct config_setting *s, uint64_t v)
{
	if (s->size == sizeof(uint32_t)) {
		uint32_t v32 = (uint32_t)v;
		memcpy(field, &v32, sizeof v32);
	} else {
		memcpy(field, &v, sizeof v);
	}
}

/* Comma-separated addresses, spaces around items dropped, into out. */
static int store_addrs(const char *value, char *out, size_t size, char *why, size_t why_size)
{
	size_t used = 0;
	const char *p = value;

	for (;;) {
		const char *comma = strchr(p, ',');
		const char *end = comma != NULL ? comma : p + strlen(p);
		char item[CONFIG_STR];
		const char *reason;
		size_t n;

		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
			end--;
		n = (size_t)(end - p);
		if (n == 0)
			return bad(why, why_size, "has an empty item (use host:port,host:port)");
		if (n >= sizeof item)
			return bad(why, why_size, "has an item longer than %zu bytes",
				   sizeof item - 1);
		memcpy(item, p, n);
		item[n] = '\0';
		if (config_addr_split(item, NULL, 0, NULL, &reason) != GAIA_OK) {
			char q[80];
			config_quote(item, q, sizeof q);
			return bad(why, why_size, "has '%s', not a host:port address: %s", q,
				   reason);
		}
		if (used + (used > 0) + n >= size)
			return bad(why, why_size, "is too long (at most %zu bytes)", size - 1);
		if (used > 0)
			out[used++] = ',';
		memcpy(out + used, item, n);
		used += n;
		out[used] = '\0';
		if (comma == NULL)
			return GAIA_OK;
		p = comma + 1;
	}
}

static int store_text(const struct config_setting *s, char *field, const char *value,
		      char *why, size_t why_size)
{
	size_t len = strlen(value);
	const char *reason;

	if (len == 0)
		return bad(why, why_size, "is empty: this setting needs a value");
	if (len >= s->size)
		return bad(why, why_size, "is too long (at most %zu bytes)", s->size - 1);
	switch (s->type) {
	case CONFIG_T_ID:
		if (!config_host_ok(value, len) || len > 63)
			return bad(why, why_size,
				   "is not a node id (1 to 63 of A-Z a-z 0-9 . _ -)");
		break;
	case CONFIG_T_HOST:
		if (!config_host_ok(value, len))
			return bad(why, why_size,
				   "is not a DNS name (letters, digits, '.', '-' and '_')");
		break;
	case CONFIG_T_ADDR:
		if (config_addr_split(value, NULL, 0, NULL, &reason) != GAIA_OK)
			return bad(why, why_size, "is not a host:port address: %s", reason);
		break;
	case CONFIG_T_ADDRS: {
		char tmp[sizeof ((struct gaia_config *)0)->discovery_nodes];
		if (store_addrs(value, tmp, s->size < sizeof tmp ? s->size : sizeof tmp, why,
				why_size) != GAIA_OK)
			return GAIA_EINVAL;
		memcpy(field, tmp, strlen(tmp) + 1);
		return GAIA_OK;
	}
	default:
		break;
	}
	memcpy(field, value, len + 1);
	return GAIA_OK;
}

static int store_number(const struct config_setting *s, char *field, const char *value,
			char *why, size_t why_size)
{
	uint64_t v = 0, max = max_of(s);
	int rc;

	if (s->type == CONFIG_T_DURATION) {
		rc = config_parse_duration_ms(value, &v);
		if (rc == GAIA_EINVAL)
			return bad(why, why_size, "is not a duration " DURATION_FORMS);
		if (rc != GAIA_OK || v > max)
			return bad(why, why_size, "is out of range");
		if (v < s->min)
			return bad(why, why_size, "is below the minimum (%" PRIu64 "ms)", s->min);
	} else if (s->type == CONFIG_T_SIZE) {
		rc = config_parse_size(value, &v);
		if (rc == GAIA_EINVAL)
			return bad(why, why_size, "is not a size " SIZE_FORMS);
		if (rc != GAIA_OK || v > max)
			return bad(why, why_size, "is out of range");
		if (v < s->min)
			return bad(why, why_size, "is below the minimum (%" PRIu64 "B)", s->min);
	} else {
		/* a size without a unit is a plain number */
		bool plain = value[0] >= '0' && value[0] <= '9' &&
			     strspn(value, "0123456789") == strlen(value);
		rc = plain ? config_parse_size(value, &v) : GAIA_EINVAL;
		if (rc == GAIA_EINVAL)
			return bad(why, why_size, "is not a whole number");
		if (rc != GAIA_OK || v < s->min || v > max)
			return bad(why, why_size, "is out of range (%" PRIu64 " to %" PRIu64 ")",
				   s->min, max);
	}
	put_number(field, s, v);
	return GAIA_OK;
}

static int store_enum(const struct config_setting *s, char *field, const char *value,
		      char *why, size_t why_size)
{
	char list[128] = "";

	for (int k = 0; s->names[k] != NULL; k++) {
		if (strcasecmp(value, s->names[k]) == 0) {
			memcpy(field, &k, sizeof k);
			return GAIA_OK;
		}
		if (k > 0)
			strncat(list, ", ", sizeof list - strlen(list) - 1);
		strncat(list, s->names[k], sizeof list - strlen(list) - 1);
	}
	return bad(why, why_size, "is not one of %s", list);
}

int config_store(struct gaia_config *c, int i, const char *value, char *why, size_t why_size)
{
	const struct config_setting *s = &config_settings[i];
	char *field = (char *)c + s->offset;
	bool b;

	switch (s->type) {
	case CONFIG_T_STR:
	case CONFIG_T_ID:
	case CONFIG_T_HOST:
	case CONFIG_T_ADDR:
	case CONFIG_T_ADDRS:
		if (value[0] == '\0' && (s->flags & CONFIG_F_EMPTY)) {
			field[0] = '\0';
			return GAIA_OK;
		}
		return store_text(s, field, value, why, why_size);
	case CONFIG_T_DURATION:
	case CONFIG_T_SIZE:
	case CONFIG_T_UINT:
		return store_number(s, field, value, why, why_size);
	case CONFIG_T_BOOL:
		if (config_parse_bool(value, &b) != GAIA_OK)
			return bad(why, why_size,
				   "is not a boolean (use true, false, yes, no, 1 or 0)");
		memcpy(field, &b, sizeof b);
		return GAIA_OK;
	case CONFIG_T_ENUM:
		return store_enum(s, field, value, why, why_size);
	}
	return bad(why, why_size, "has an unknown type");
}

void config_quote(const char *value, char *buf, size_t size)
{
	size_t n = 0, len = strlen(value);
	size_t keep = len > 60 ? 57 : len;

	for (size_t k = 0; k < keep && n + 1 < size; k++) {
		unsigned char ch = (unsigned char)value[k];
		buf[n++] = (ch < 0x20 || ch == 0x7f) ? '?' : (char)ch;
	}
	for (size_t k = 0; keep < len && k < 3 && n + 1 < size; k++)
		buf[n++] = '.';
	if (size > 0)
		buf[n] = '\0';
}

void config_where(const struct config_ctx *x, int i, enum config_source src, int line,
		  char *buf, size_t size)
{
	const struct config_setting *s = &config_settings[i];

	switch (src) {
	case CONFIG_SRC_YAML:
		snprintf(buf, size, "%s:%d: %s", x->file, line, s->yaml);
		return;
	case CONFIG_SRC_ENV:
		snprintf(buf, size, "%s", s->env);
		return;
	case CONFIG_SRC_FLAG:
		snprintf(buf, size, "--%s", s->flag);
		return;
	case CONFIG_SRC_DEFAULT:
		break;
	}
	snprintf(buf, size, "default");
}

int config_set(struct config_ctx *x, int i, const char *value, enum config_source src, int line)
{
	char why[192], where[CONFIG_STR + 64], q[80];

	if (config_store(x->c, i, value, why, sizeof why) != GAIA_OK) {
		config_where(x, i, src, line, where, sizeof where);
		config_quote(value, q, sizeof q);
		return errmsg_set(x->errmsg, GAIA_EINVAL, "%s: '%s' %s", where, q, why);
	}
	x->origin[i].src = src;
	x->origin[i].line = line;
	return GAIA_OK;
}
