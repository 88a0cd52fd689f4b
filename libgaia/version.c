/* Library version and error names. */
#include "config.h"
#include "gaia.h"

const char *gaia_version(void)
{
	return PACKAGE_VERSION;
}

const char *gaia_strerror(int err)
{
	static const char *const names[GAIA_ERR_COUNT] = {
		[GAIA_OK] = "OK",
		[GAIA_ENOMEM] = "ENOMEM",
		[GAIA_EINVAL] = "EINVAL",
		[GAIA_EIO] = "EIO",
		[GAIA_ECORRUPT] = "ECORRUPT",
		[GAIA_ENOTFOUND] = "ENOTFOUND",
		[GAIA_EEXIST] = "EEXIST",
		[GAIA_ENOTLEADER] = "ENOTLEADER",
		[GAIA_EBUSY] = "EBUSY",
		[GAIA_ECOMPACTED] = "ECOMPACTED",
		[GAIA_EUNAVAIL] = "EUNAVAIL",
		[GAIA_ECAS] = "ECAS",
		[GAIA_ETOOBIG] = "ETOOBIG",
		[GAIA_ESHUTDOWN] = "ESHUTDOWN",
		[GAIA_EREMOVED] = "EREMOVED",
		[GAIA_ECANCELED] = "ECANCELED",
	};
	if (err < 0 || err >= GAIA_ERR_COUNT || names[err] == NULL)
		return "EUNKNOWN";
	return names[err];
}
