/* Placeholder until the cluster issue lands. */
int ctlsign_cluster_placeholder;
