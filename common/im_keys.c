/*  im_keys - every field key imq names, in one table

    Lists the table, for the test that holds it against the docs.
*/
#include <stddef.h>

#include "im_keys.h"

//  The table as data: text and list, in table order
static const struct {
    const char *text;               //  The key
    im_keys_list_t list;            //  The list it is in
} s_keys [] = {
#define IM_KEY_ROW(name, text) { IM_KEY_##name, IM_KEYS_OF_INCIDENT },
    IM_KEYS_INCIDENT (IM_KEY_ROW)
#undef IM_KEY_ROW
#define IM_KEY_ROW(name, text) { IM_KEY_##name, IM_KEYS_OF_MESSAGE },
    IM_KEYS_MESSAGE (IM_KEY_ROW)
#undef IM_KEY_ROW
#define IM_KEY_ROW(name, text) { IM_KEY_##name, IM_KEYS_OF_LOCAL },
    IM_KEYS_LOCAL (IM_KEY_ROW)
#undef IM_KEY_ROW
};

size_t
im_keys_size (void)
{
    return sizeof s_keys / sizeof s_keys [0];
}

const char *
im_keys_at (size_t index, im_keys_list_t *list)
{
    if (index >= im_keys_size ())
        return NULL;
    if (list)
        *list = s_keys [index].list;
    return s_keys [index].text;
}
