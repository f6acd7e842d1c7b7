/* Placeholder until the PKCS#11 issue lands. */
int ctlsign_p11_placeholder;
