/* One lookup and its probes on a private loop: what gaia-discover runs. */
#include <string.h>

#include "discovery/discovery_internal.h"

struct run {
	struct discovery_list *found;
	struct discovery_probe *probes;
	const char *probe_name;
	uint64_t probe_timeout_ms;
	uv_loop_t *loop;
	int rc;
	char *errmsg;
	bool probed;
};

static void on_probed(void *ud, const struct discovery_list *l, const struct discovery_probe *p)
{
	struct run *r = ud;
	memcpy(r->probes, p, l->n * sizeof *p);
	r->probed = true;
}

static void on_found(void *ud, int rc, const struct discovery_list *found, const char *errmsg)
{
	struct run *r = ud;
	r->rc = rc;
	if (rc != GAIA_OK) {
		snprintf(r->errmsg, GAIA_ERRMSG_SIZE, "%s", errmsg);
		return;
	}
	*r->found = *found;
	if (found->n > 0 &&
	    discovery_probe_all(r->loop, found, r->probe_name, r->probe_timeout_ms, on_probed, r) !=
		    GAIA_OK)
		r->rc = errmsg_set(r->errmsg, GAIA_ENOMEM, "cannot start the probes");
}

int discovery_run(const struct discovery_options *o, const char *probe_name,
		  uint64_t probe_timeout_ms, struct discovery_list *found,
		  struct discovery_probe *probes, char *errmsg)
{
	uv_loop_t loop;
	struct discovery *d;
	struct run r;
	int rv;

	memset(found, 0, sizeof *found);
	memset(probes, 0, DISCOVERY_MAX * sizeof *probes);
	if (uv_loop_init(&loop) != 0)
		return errmsg_set(errmsg, GAIA_EIO, "cannot start an event loop");
	rv = discovery_new(&d, &loop, o, errmsg);
	if (rv != GAIA_OK)
		goto out;
	memset(&r, 0, sizeof r);
	r.found = found;
	r.probes = probes;
	r.probe_name = probe_name;
	r.probe_timeout_ms = probe_timeout_ms ? probe_timeout_ms : 2000;
	r.loop = &loop;
	r.errmsg = errmsg;
	rv = discovery_lookup(d, on_found, &r);
	if (rv == GAIA_OK) {
		/* the lookup, then the probes (the discovery's own handles stay
		 * until it is closed: run until the probes are back) */
		while (uv_run(&loop, UV_RUN_ONCE) != 0 &&
		       (d->busy || (r.rc == GAIA_OK && found->n > 0 && !r.probed)))
			;
		rv = r.rc;
	}
	discovery_close(d);
	uv_run(&loop, UV_RUN_DEFAULT);
out:
	uv_loop_close(&loop);
	return rv;
}

json_t *discovery_result_json(const struct discovery_list *found,
			      const struct discovery_probe *probes)
{
	json_t *arr = json_array();
	if (arr == NULL)
		return NULL;
	for (size_t i = 0; i < found->n; i++) {
		const struct discovery_addr *a = &found->a[i];
		const struct discovery_probe *p = &probes[i];
		bool ok = p->rc == GAIA_OK;
		char cid[24];
		json_t *o;
		snprintf(cid, sizeof cid, "%016llx", (unsigned long long)p->cluster_id);
		o = json_pack("{s:o, s:s, s:s, s:i, s:b, s:o, s:o}", "id",
			      ok ? json_string(p->name) : json_null(), "hostname", a->hostname,
			      "address", a->ip[0] ? a->ip : a->hostname, "raft_port", (int)a->port,
			      "reachable", ok, "cluster_id",
			      ok && p->cluster_id ? json_string(cid) : json_null(), "api_address",
			      ok && p->api_addr[0] ? json_string(p->api_addr) : json_null());
		if (o != NULL && !ok)
			json_object_set_new(o, "error", json_string(p->error));
		if (o == NULL || json_array_append_new(arr, o) != 0) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}
