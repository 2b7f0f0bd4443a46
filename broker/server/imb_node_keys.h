/*  imb_node_keys - a node's own certificate, and a new keys directory's
    first certificates (see imb_node_keys.c)
*/
#ifndef IMB_NODE_KEYS_H_INCLUDED
#define IMB_NODE_KEYS_H_INCLUDED

//  The node's identity from config's keys directory (security.keys),
//  made on the first start, with the directory's first certificates.
//  NULL with the reason in errbuf.
im_curve_t *
    imb_node_keys (const im_config_t *config, char *errbuf, size_t errlen);

#endif
