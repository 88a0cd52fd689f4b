/* gaia.h - the public face of libgaia: export macro, error codes, version. */
#ifndef GAIA_H
#define GAIA_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define GAIA_API __attribute__((visibility("default")))

/* Every fallible libgaia function returns one of these; 0 is success.
 * A human-readable explanation is left in the errmsg of the object
 * involved. */
enum gaia_err {
	GAIA_OK = 0,
	GAIA_ENOMEM,      /* allocation failed */
	GAIA_EINVAL,      /* bad argument or malformed input */
	GAIA_EIO,         /* an I/O call failed */
	GAIA_ECORRUPT,    /* on-disk data failed a check */
	GAIA_ENOTFOUND,   /* no such key, file, node or entry */
	GAIA_EEXIST,      /* already there */
	GAIA_ENOTLEADER,  /* the request needs the leader */
	GAIA_EBUSY,       /* another operation of the kind is in progress */
	GAIA_ECOMPACTED,  /* the entry was compacted into a snapshot */
	GAIA_EUNAVAIL,    /* not available (yet) */
	GAIA_ECAS,        /* compare-and-set mismatch */
	GAIA_ETOOBIG,     /* above a size limit */
	GAIA_ESHUTDOWN,   /* the object is closing */
	GAIA_EREMOVED,    /* the node was removed from the cluster */
	GAIA_ECANCELED,   /* dropped before it took effect */
	GAIA_ERR_COUNT
};

/* Short name of an error code ("ENOMEM"); never NULL. */
GAIA_API const char *gaia_strerror(int err);

/* Library version as "MAJOR.MINOR.PATCH". */
GAIA_API const char *gaia_version(void);

#define GAIA_ERRMSG_SIZE 256

#ifdef __cplusplus
}
#endif

#endif
