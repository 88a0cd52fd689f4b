/* gaiactl's kv commands: get prints the raw value, put, del, and ls by prefix. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "client/client_ctl.h"
#include "gaiactl.h"

/* A key's 404 said as such; any other failure as the client says it. */
static int kv_fail(struct gaiactl *g, int rc, const char *key)
{
	if (rc == GAIA_ENOTFOUND) {
		cli_errorf("key '%s' not found", key);
		return CLI_EXIT_FAIL;
	}
	return gaiactl_fail(g, rc);
}

static char *base64(const unsigned char *p, size_t n)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char *out = malloc((n + 2) / 3 * 4 + 1), *o = out;
	size_t i;

	if (!out)
		return NULL;
	for (i = 0; i + 2 < n; i += 3) {
		*o++ = tab[p[i] >> 2];
		*o++ = tab[((p[i] & 3) << 4) | (p[i + 1] >> 4)];
		*o++ = tab[((p[i + 1] & 15) << 2) | (p[i + 2] >> 6)];
		*o++ = tab[p[i + 2] & 63];
	}
	if (i < n) {
		*o++ = tab[p[i] >> 2];
		if (i + 1 < n) {
			*o++ = tab[((p[i] & 3) << 4) | (p[i + 1] >> 4)];
			*o++ = tab[(p[i + 1] & 15) << 2];
		} else {
			*o++ = tab[(p[i] & 3) << 4];
			*o++ = '=';
		}
		*o++ = '=';
	}
	*o = '\0';
	return out;
}

/* {key, value (text) or value_base64 (other bytes), create_index, modify_index} */
static int kv_get_json(const char *key, const struct client_response *r)
{
	json_t *doc = json_pack("{s:s}", "key", key), *v = json_stringn(r->body, r->body_len);
	char *b64;
	int rc;

	if (!doc) {
		json_decref(v);
		cli_errorf("out of memory");
		return CLI_EXIT_FAIL;
	}
	if (v) {
		json_object_set_new(doc, "value", v);
	} else {
		b64 = base64((const unsigned char *)r->body, r->body_len);
		json_object_set_new(doc, "value", json_null());
		json_object_set_new(doc, "value_base64", b64 ? json_string(b64) : json_null());
		free(b64);
	}
	json_object_set_new(doc, "create_index", json_integer((json_int_t)r->create_index));
	json_object_set_new(doc, "modify_index", json_integer((json_int_t)r->modify_index));
	rc = gaiactl_print_json(doc);
	json_decref(doc);
	return rc;
}

int gaiactl_cmd_kv_get(struct gaiactl *g, const struct gaiactl_call *call)
{
	struct client *c = gaiactl_client(g);
	struct client_response r = {0};
	const char *key = call->argv[0];
	int rc;

	if (!c)
		return CLI_EXIT_FAIL;
	rc = client_kv_get(c, key, call->stale, 0, &r);
	if (rc == GAIA_OK)
		rc = client_check(c, &r);
	if (rc != GAIA_OK) {
		client_response_free(&r);
		return kv_fail(g, rc, key);
	}
	if (call->json) {
		rc = kv_get_json(key, &r);
	} else {
		/* one-shot: the bytes as stored; in a session a newline keeps the
		 * next prompt or value on its own line */
		fwrite(r.body, 1, r.body_len, stdout);
		if (g->shell && r.body_len && r.body[r.body_len - 1] != '\n')
			putchar('\n');
		rc = fflush(stdout) == 0 && !ferror(stdout) ? CLI_EXIT_OK : CLI_EXIT_FAIL;
		if (rc != CLI_EXIT_OK)
			cli_errorf("cannot write the value");
	}
	client_response_free(&r);
	return rc;
}

/* All of stdin into a malloc'd buffer; NULL (said) on failure. */
static char *read_stdin(size_t *len)
{
	size_t cap = 65536, n = 0, got;
	char *buf = malloc(cap), *grown;

	while (buf && (got = fread(buf + n, 1, cap - n, stdin)) > 0) {
		n += got;
		if (n == cap) {
			grown = cap < SIZE_MAX / 2 ? realloc(buf, cap * 2) : NULL;
			if (!grown) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = grown;
			cap *= 2;
		}
	}
	if (buf && ferror(stdin)) {
		free(buf);
		cli_errorf("cannot read the value from standard input");
		return NULL;
	}
	if (!buf)
		cli_errorf("out of memory");
	*len = n;
	return buf;
}

int gaiactl_cmd_kv_put(struct gaiactl *g, const struct gaiactl_call *call)
{
	struct client *c = gaiactl_client(g);
	struct client_response r = {0};
	const char *key = call->argv[0], *value = call->argc > 1 ? call->argv[1] : NULL;
	char *input = NULL;
	size_t len;
	int rc;

	if (!c)
		return CLI_EXIT_FAIL;
	if (value) {
		len = strlen(value);
	} else if (g->shell) {
		/* stdin holds the commands (or is the terminal) */
		return cli_usage_errorf("usage: kv put KEY VALUE (the value from stdin is one-shot only)");
	} else if (!(input = read_stdin(&len))) {
		return CLI_EXIT_FAIL;
	}
	/* a retried compare-and-set could fail against its own first write */
	rc = client_kv_put(c, key, value ? value : input, len,
			   call->has_cas ? (int64_t)call->cas : CLIENT_NO_CAS,
			   CLIENT_JSON | (call->has_cas ? CLIENT_NO_RETRY : 0), &r);
	free(input);
	if (rc == GAIA_OK)
		rc = client_check(c, &r);
	if (rc != GAIA_OK) {
		client_response_free(&r);
		return gaiactl_fail(g, rc);
	}
	if (call->json) {
		rc = gaiactl_print_json(r.json);
	} else {
		json_int_t idx = json_integer_value(json_object_get(r.json, "modify_index"));

		printf("OK (modify index %lld)\n", (long long)idx);
		rc = fflush(stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_FAIL;
	}
	client_response_free(&r);
	return rc;
}

int gaiactl_cmd_kv_del(struct gaiactl *g, const struct gaiactl_call *call)
{
	struct client *c = gaiactl_client(g);
	struct client_response r = {0};
	const char *key = call->argv[0];
	int rc;

	if (!c)
		return CLI_EXIT_FAIL;
	rc = client_kv_delete(c, key, call->has_cas ? (int64_t)call->cas : CLIENT_NO_CAS,
			      CLIENT_JSON | (call->has_cas ? CLIENT_NO_RETRY : 0), &r);
	if (rc == GAIA_OK)
		rc = client_check(c, &r);
	if (rc != GAIA_OK) {
		client_response_free(&r);
		return kv_fail(g, rc, key);
	}
	if (call->json) {
		rc = gaiactl_print_json(r.json);
	} else {
		printf("deleted %s\n", key);
		rc = fflush(stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_FAIL;
	}
	client_response_free(&r);
	return rc;
}

int gaiactl_cmd_kv_ls(struct gaiactl *g, const struct gaiactl_call *call)
{
	static const char *const head[] = {"KEY", "SIZE", "CREATE INDEX", "MODIFY INDEX"};
	struct client *c = gaiactl_client(g);
	struct cli_table *t;
	json_t *list, *it;
	char b[64];
	size_t i;
	int rc;

	if (!c)
		return CLI_EXIT_FAIL;
	rc = client_kv_list(c, call->argc ? call->argv[0] : "", call->limit, call->stale, &list);
	if (rc != GAIA_OK)
		return gaiactl_fail(g, rc);
	if (call->json) {
		rc = gaiactl_print_json(list);
		json_decref(list);
		return rc;
	}
	if (json_array_size(list) == 0) {
		json_decref(list);
		return CLI_EXIT_OK;
	}
	if (cli_table_new(&t, 4, head) != GAIA_OK) {
		json_decref(list);
		cli_errorf("out of memory");
		return CLI_EXIT_FAIL;
	}
	for (size_t col = 1; col < 4; col++)
		cli_table_align_right(t, col);
	json_array_foreach(list, i, it) {
		cli_table_cellf(t, "%s", gaiactl_text(it, "key", b, sizeof b));
		cli_table_cellf(t, "%s", gaiactl_text(it, "size", b, sizeof b));
		cli_table_cellf(t, "%s", gaiactl_text(it, "create_index", b, sizeof b));
		cli_table_cellf(t, "%s", gaiactl_text(it, "modify_index", b, sizeof b));
	}
	rc = cli_table_print(t, stdout) == GAIA_OK ? CLI_EXIT_OK : CLI_EXIT_FAIL;
	cli_table_free(t);
	json_decref(list);
	fflush(stdout);
	if (rc != CLI_EXIT_OK)
		cli_errorf("cannot write the output");
	return rc;
}
