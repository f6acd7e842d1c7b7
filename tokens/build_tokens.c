/* Placeholder until the PKCS#11 issue lands: token signing is refused. */
#include "tokens.h"

int tokens_open_for_build(struct ctl_err *err,
			  const struct tokens_build_opts *opts,
			  struct ctl_signer **out_signer, X509 ***out_certs,
			  size_t *out_n, const char **out_warning)
{
	return ctl_err_set(err, CTL_E_USAGE,
			   "signing with tokens is not available in this build");
}
